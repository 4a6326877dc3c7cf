#pragma once
// claim: ownership of one unique key (a SKU, an e-mail address). Event
// streams are per aggregate, so uniqueness across aggregates is decided by a
// stream per key: the actor layer keeps `claim-sku:<SKU>` and
// `claim-email:<normalized email>` and claims the key before creating the owner
// (product, customer); if creating the owner then fails, it releases the key.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain/domain_error.hpp"
#include "actors/domain/encoded_event.hpp"
#include "common/clock.hpp"

namespace agora::domain::claim {

/// Stream ids are `claim-<namespace>:<key>`, e.g. `claim-sku:ABC-1`.
inline constexpr std::string_view kind = "claim";
inline constexpr std::uint32_t state_schema_version = 1;

// ---- commands ---------------------------------------------------------------

/// Claims the key for owner_id. Same owner again -> no events; another owner ->
/// already_exists.
struct claim {
  std::string owner_id;
  timestamp_us now = 0;
};
/// Releases the key. Owner -> KeyReleased; unclaimed -> no events; another
/// owner -> conflict.
struct release {
  std::string owner_id;
  timestamp_us now = 0;
};

using command = std::variant<claim, release>;

// ---- events -----------------------------------------------------------------

/// "KeyClaimed"
struct key_claimed {
  std::string owner_id;
  timestamp_us at = 0;
};
/// "KeyReleased"
struct key_released {
  std::string owner_id;
  timestamp_us at = 0;
};

using event = std::variant<key_claimed, key_released>;

// ---- state ------------------------------------------------------------------

struct state {
  std::optional<std::string> owner;  ///< nullopt while free
  timestamp_us claimed_at = 0;
  timestamp_us updated_at = 0;
};

/// Decides what `cmd` records given `s`. Pure.
decision<event> decide(const state& s, const command& cmd);
/// Folds one event into `s`.
void evolve(state& s, const event& e);

/// The stored form of `e` (schema version 1).
encoded_event encode(const event& e);
/// Reads a stored event (errors: malformed).
agora::expected<event, domain_error> decode(std::string_view type, std::uint32_t schema_version,
                                            std::string_view json);
/// The stored type name of `e` ("KeyClaimed").
std::string_view type_name(const event& e) noexcept;

/// A snapshot of `s` as JSON.
std::string encode_state(const state& s);
/// Reads a snapshot written by encode_state.
agora::expected<state, domain_error> decode_state(std::string_view json);

}  // namespace agora::domain::claim
