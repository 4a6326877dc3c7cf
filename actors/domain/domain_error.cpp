#include "actors/domain/domain_error.hpp"

namespace agora::domain {

error_kind kind_of(domain_errc code) noexcept {
  switch (code) {
    case domain_errc::not_found:
      return error_kind::not_found;
    case domain_errc::already_exists:
    case domain_errc::illegal_transition:
    case domain_errc::insufficient_stock:
    case domain_errc::conflict:
      return error_kind::conflict;
    case domain_errc::invalid_argument:
    case domain_errc::expired:
    case domain_errc::empty_cart:
    case domain_errc::limit_exceeded:
    case domain_errc::malformed:
      return error_kind::invalid;
  }
  return error_kind::invalid;
}

const char* to_string(domain_errc code) noexcept {
  switch (code) {
    case domain_errc::invalid_argument: return "invalid_argument";
    case domain_errc::not_found: return "not_found";
    case domain_errc::already_exists: return "already_exists";
    case domain_errc::illegal_transition: return "illegal_transition";
    case domain_errc::insufficient_stock: return "insufficient_stock";
    case domain_errc::expired: return "expired";
    case domain_errc::conflict: return "conflict";
    case domain_errc::empty_cart: return "empty_cart";
    case domain_errc::limit_exceeded: return "limit_exceeded";
    case domain_errc::malformed: return "malformed";
  }
  return "unknown";
}

}  // namespace agora::domain
