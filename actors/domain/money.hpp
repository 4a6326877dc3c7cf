#pragma once
// Money as an integer count of minor units (cents, pence, yen) plus an ISO-4217
// currency code. Never floating point: sums must be exact. Arithmetic is checked
// and reports overflow as an error instead of wrapping.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/domain/domain_error.hpp"

namespace agora::domain {

/// An amount in minor units of `currency` (3 upper-case ASCII letters, e.g. "EUR").
/// A default-constructed money is not valid (empty currency).
struct money {
  std::int64_t minor = 0;
  std::string currency;
};

inline bool operator==(const money& a, const money& b) {
  return a.minor == b.minor && a.currency == b.currency;
}
inline bool operator!=(const money& a, const money& b) { return !(a == b); }

/// True when `code` has the shape of an ISO-4217 code: exactly 3 letters A-Z.
/// (The list of codes in use changes; the shape does not.)
bool is_valid_currency(std::string_view code) noexcept;

/// Checks a price-like amount: valid currency, 0 <= minor <= max_minor.
/// On failure the error names `field` (e.g. "price") or `field.currency`.
agora::expected<void, domain_error> validate_money(const money& m, std::string_view field,
                                                   std::int64_t max_minor = INT64_MAX);

/// a + b, or nullopt on signed overflow.
std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) noexcept;
/// a * b, or nullopt on signed overflow.
std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) noexcept;

/// a + b in the same currency. Errors: currency mismatch (conflict), overflow
/// (invalid_argument), both naming `field`.
agora::expected<money, domain_error> add(const money& a, const money& b, std::string_view field = {});
/// m * quantity. Errors: overflow (invalid_argument naming `field`).
agora::expected<money, domain_error> multiply(const money& m, std::int64_t quantity,
                                              std::string_view field = {});

/// "12.99 EUR"-free rendering for messages: "1299 EUR (minor units)".
std::string to_string(const money& m);

}  // namespace agora::domain
