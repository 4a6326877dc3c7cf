#pragma once
// The accounts read model: customers by id and by normalized e-mail, for login
// and profile reads. It is the only read model that holds password hashes;
// nothing else (change notices included) copies them out.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "eventstore/event.hpp"

namespace agora::projections {

/// A customer account (stream `customer-<id>`).
struct account_view {
  std::string id;
  std::string email;  ///< normalized (lower-case)
  std::string name;
  std::string role;  ///< "customer" or "admin"
  /// For login only: never put it in a response or a log.
  std::string password_hash;
  /// Moves on with every event that ends the account's tokens: a password
  /// change (not a rehash at a new cost), a role change, a logout
  /// (TokensRevoked). A token carries the version it was issued at and is
  /// accepted only while it is still the current one.
  std::uint64_t token_version = 0;
  eventstore::stream_version version = 0;
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;
};

/// One immutable version of the accounts. All members are const and thread-safe.
class accounts_snapshot {
 public:
  struct state;
  /// Built by the projection; readers get it from projection_runner::accounts().
  explicit accounts_snapshot(std::shared_ptr<const state> s) noexcept;

  /// The log position this version includes.
  eventstore::log_position position() const noexcept;
  /// An account by customer id, or null.
  std::shared_ptr<const account_view> by_id(std::string_view customer_id) const;
  /// An account by e-mail; the address is normalized here (ASCII lower-case) so
  /// callers may pass it as typed. Null when unknown or not an e-mail address.
  std::shared_ptr<const account_view> by_email(std::string_view email) const;
  /// How many accounts exist.
  std::size_t count() const noexcept;
  /// A fingerprint of the model's contents (every account, field by field), hashed in key order:
  /// equal for models that applied the same events, whatever the batching,
  /// publishing or restarts; the position is left out. Costs a walk of the model.
  std::uint64_t checksum() const;

 private:
  std::shared_ptr<const state> s_;
};

}  // namespace agora::projections
