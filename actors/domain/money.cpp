#include "actors/domain/money.hpp"

namespace agora::domain {

bool is_valid_currency(std::string_view code) noexcept {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

agora::expected<void, domain_error> validate_money(const money& m, std::string_view field,
                                                   std::int64_t max_minor) {
  if (!is_valid_currency(m.currency)) {
    return agora::unexpected{make_error(domain_errc::invalid_argument,
                                        "currency must be 3 upper-case letters (ISO 4217), got '" +
                                            m.currency + "'",
                                        std::string(field) + ".currency")};
  }
  if (m.minor < 0 || m.minor > max_minor) {
    return agora::unexpected{make_error(
        domain_errc::invalid_argument,
        "amount must be between 0 and " + std::to_string(max_minor) + " minor units, got " +
            std::to_string(m.minor),
        std::string(field))};
  }
  return {};
}

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

agora::expected<money, domain_error> add(const money& a, const money& b, std::string_view field) {
  if (a.currency != b.currency) {
    return agora::unexpected{make_error(domain_errc::conflict,
                                        "cannot add " + b.currency + " to " + a.currency,
                                        std::string(field))};
  }
  auto sum = checked_add(a.minor, b.minor);
  if (!sum) {
    return agora::unexpected{
        make_error(domain_errc::invalid_argument, "amount overflows", std::string(field))};
  }
  return money{*sum, a.currency};
}

agora::expected<money, domain_error> multiply(const money& m, std::int64_t quantity,
                                              std::string_view field) {
  auto product = checked_mul(m.minor, quantity);
  if (!product) {
    return agora::unexpected{
        make_error(domain_errc::invalid_argument, "amount overflows", std::string(field))};
  }
  return money{*product, m.currency};
}

std::string to_string(const money& m) {
  return std::to_string(m.minor) + " " + m.currency + " (minor units)";
}

}  // namespace agora::domain
