#pragma once
// Input rules shared by several aggregates. Public so the actor and HTTP layers
// can derive the same keys the domain validates (e.g. the normalized e-mail used
// in a `claim-email:<email>` stream id).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "actors/domain/domain_error.hpp"

namespace agora::domain {

/// True when `sku` matches [A-Za-z0-9._-]{1,64}.
bool is_valid_sku(std::string_view sku) noexcept;

/// Checks an identifier (order id, cart id, customer id...): 1..128 bytes, no
/// control characters. Error names `field`.
agora::expected<void, domain_error> validate_id(std::string_view id, std::string_view field);

/// Checks a SKU; error names `field`.
agora::expected<void, domain_error> validate_sku(std::string_view sku, std::string_view field);

/// Checks min_len <= text.size() <= max_len (bytes). Error names `field`.
agora::expected<void, domain_error> validate_length(std::string_view text, std::size_t min_len,
                                                    std::size_t max_len, std::string_view field);

/// Checks lo <= value <= hi. Error names `field`.
agora::expected<void, domain_error> validate_range(std::int64_t value, std::int64_t lo,
                                                   std::int64_t hi, std::string_view field);

}  // namespace agora::domain
