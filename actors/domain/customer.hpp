#pragma once
// Customer: an account. Stream `customer-<customer_id>`. E-mail uniqueness is
// decided by a `claim-email:<normalized email>` stream (claim.hpp); use
// normalize_email() to derive that key exactly as register_customer stores it.
// Passwords are hashed outside the domain; only the hash arrives here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain/domain_error.hpp"
#include "actors/domain/encoded_event.hpp"
#include "common/clock.hpp"

namespace agora::domain::customer {

/// Stream ids are `customer-<customer_id>`.
inline constexpr std::string_view kind = "customer";
inline constexpr std::uint32_t state_schema_version = 1;

enum class role { customer, admin };
/// "customer", "admin".
const char* to_string(role r) noexcept;
/// The inverse of to_string.
std::optional<role> parse_role(std::string_view s) noexcept;

/// The uniqueness key of an e-mail address (what `claim-email:` streams and the
/// accounts read model are keyed by), and the form register_customer stores:
/// NFKC and case folding of the whole address, the domain in IDNA A-labels
/// (lower case) without a trailing dot, so `Ä@x`/`ä@x`, full-width letters,
/// `X@EXAMPLE.COM.` and `x@bücher.de`/`x@xn--bcher-kva.de` are one account.
/// A local part mixing scripts (a Cyrillic `а` among Latin letters) is refused;
/// see detail/email_address.hpp. All-ASCII addresses map as before (lower case).
/// Checks: valid UTF-8, exactly one '@', non-empty local part and domain,
/// <= 254 bytes before and after, no whitespace, control or format characters.
/// Error: invalid_argument naming field "email".
agora::expected<std::string, domain_error> normalize_email(std::string_view email);

// ---- commands ---------------------------------------------------------------

/// Registers the account. name 1..200 bytes; password_hash non-empty.
struct register_customer {
  std::string customer_id;
  std::string email;
  std::string password_hash;
  std::string name;
  role account_role = role::customer;
  timestamp_us now = 0;
};
/// Same name -> no events.
struct change_name {
  std::string name;
  timestamp_us now = 0;
};
/// Sets a new password hash. Same hash -> no events.
///
/// With `rehash`, the hash is the same password at a new cost (an upgrade on
/// login, not a password change: the account's tokens stay valid). It applies
/// only while the account's hash is still `replaces`, so a rehash computed
/// from the old password never undoes a password change that came meanwhile
/// (-> no events).
struct change_password {
  std::string password_hash;
  timestamp_us now = 0;
  bool rehash = false;
  std::string replaces{};
};
/// Same role -> no events.
struct change_role {
  role to = role::customer;
  timestamp_us now = 0;
};

/// Ends every token issued so far (logout): always records TokensRevoked.
struct revoke_tokens {
  timestamp_us now = 0;
};

using command = std::variant<register_customer, change_name, change_password, change_role, revoke_tokens>;

// ---- events -----------------------------------------------------------------

/// "CustomerRegistered" (email normalized)
struct customer_registered {
  std::string customer_id;
  std::string email;
  std::string password_hash;
  std::string name;
  role account_role = role::customer;
  timestamp_us at = 0;
};
/// "CustomerNameChanged"
struct customer_name_changed {
  std::string name;
  timestamp_us at = 0;
};
/// "PasswordChanged". `rehash`: the same password at a new cost (see
/// change_password); stored only when true.
struct password_changed {
  std::string password_hash;
  timestamp_us at = 0;
  bool rehash = false;
};
/// "RoleChanged"
struct role_changed {
  role from = role::customer;
  role to = role::customer;
  timestamp_us at = 0;
};

/// "TokensRevoked": tokens issued before it are no longer accepted.
struct tokens_revoked {
  timestamp_us at = 0;
};

using event = std::variant<customer_registered, customer_name_changed, password_changed, role_changed, tokens_revoked>;

// ---- state ------------------------------------------------------------------

/// Note: holds the password hash (needed for login). Projections and API
/// responses must not copy it out.
struct state {
  bool exists = false;
  std::string customer_id;
  std::string email;
  std::string password_hash;
  std::string name;
  role account_role = role::customer;
  timestamp_us created_at = 0;
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
/// The stored type name of `e` ("CustomerRegistered").
std::string_view type_name(const event& e) noexcept;

/// A snapshot of `s` as JSON.
std::string encode_state(const state& s);
/// Reads a snapshot written by encode_state.
agora::expected<state, domain_error> decode_state(std::string_view json);

}  // namespace agora::domain::customer
