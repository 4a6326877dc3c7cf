#pragma once
// Domain errors are values: decide() never throws. Each error carries a stable
// code (mapped to an HTTP status class by kind_of), a human-readable message and,
// when one input field is to blame, that field's name so a client can highlight it.

#include <string>
#include <vector>

#include "common/expected.hpp"

namespace agora::domain {

/// Why a command (or a stored document) was refused.
enum class domain_errc {
  invalid_argument,    ///< an input field fails validation
  not_found,           ///< the aggregate (or an entity inside it) does not exist
  already_exists,      ///< create on an existing aggregate, or a key owned by someone else
  illegal_transition,  ///< the command is not allowed in the aggregate's current status
  insufficient_stock,  ///< not enough available stock
  expired,             ///< the aggregate's deadline has passed (e.g. a cart)
  conflict,            ///< the command contradicts what was recorded before
  empty_cart,          ///< checkout of a cart without lines
  limit_exceeded,      ///< a size limit (lines per cart/order, ...) would be exceeded
  malformed,           ///< a stored event or snapshot cannot be decoded
};

/// The HTTP-facing class of an error.
enum class error_kind {
  invalid,    ///< 422 Unprocessable Entity
  conflict,   ///< 409 Conflict
  not_found,  ///< 404 Not Found
};

/// Maps a code to its class. Total over domain_errc.
error_kind kind_of(domain_errc code) noexcept;

/// A stable snake_case name for the code (e.g. "insufficient_stock"), for logs and
/// API error bodies. Never null.
const char* to_string(domain_errc code) noexcept;

/// A refused command: code, message, and the offending input field (empty when no
/// single field is to blame). Field names use the command's member names, with
/// `lines[2].sku` style paths for nested inputs.
struct domain_error {
  domain_errc code = domain_errc::invalid_argument;
  std::string message;
  std::string field;
};

/// Builds a domain_error; a shorthand used throughout decide().
inline domain_error make_error(domain_errc code, std::string message, std::string field = {}) {
  return domain_error{code, std::move(message), std::move(field)};
}

/// The result of decide(): the events to record (possibly none: the command was a
/// no-op, e.g. an idempotent repeat) or the reason the command was refused.
template <class E>
using decision = agora::expected<std::vector<E>, domain_error>;

}  // namespace agora::domain
