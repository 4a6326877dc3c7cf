#pragma once
// Authentication: JWT (HS256) bearer tokens and argon2id password hashes.
//
// Password hashing is deliberately slow (tens to hundreds of milliseconds and
// tens of MiB): never call hash_password() or verify_password() on an io thread
// or a CAF worker. Post it to a work_pool (common/work_pool.hpp) and answer
// from its callback.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/option_error.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "http/request.hpp"

namespace agora {
class config;
}

namespace agora::http {

/// Why a token was refused. The HTTP answer is 401 for all of them; the code
/// is for logs and metrics only (never tell the client which check failed).
enum class auth_error : std::uint8_t {
  malformed = 1,          // not three base64url parts, bad JSON, missing claims
  unsupported_alg = 2,    // alg is not HS256 (including "none")
  bad_signature = 3,
  expired = 4,            // now >= exp
  not_yet_valid = 5,      // nbf or iat in the future (beyond the leeway)
  wrong_issuer = 6,
};

/// "malformed", "unsupported_alg", ...
const char* to_string(auth_error e) noexcept;

/// A verified token: who, and the account's token version it was issued at.
struct token_claims {
  principal who;
  /// The `tv` claim: the account's token version when the token was issued.
  /// The gateway refuses a token whose version is not the account's current
  /// one (a password change, role change or logout moved it on). 0 when the
  /// token has no `tv` (issued before the claim existed).
  std::uint64_t token_version = 0;
};

/// Issues and verifies HS256 JWTs. Thread-safe (immutable after construction).
///
/// Claims: sub (user id), email, role, iat, exp, iss, jti (random UUID), tv
/// (token version, see token_claims).
/// Verification checks, in order: three base64url parts (no padding), header
/// alg == "HS256" (so "none" and every other alg are refused before any
/// signature work), the HMAC-SHA256 signature (constant-time), iss, exp, nbf
/// and iat (with `leeway` for clock skew), and that sub and role are present.
class jwt_signer {
 public:
  /// `secret` should be at least 32 random bytes (auth.jwt_secret).
  jwt_signer(std::string secret, std::string issuer, std::chrono::seconds ttl,
             std::chrono::seconds leeway = std::chrono::seconds(30));

  /// A token for `who`, valid from `now` for ttl, at the account's
  /// `token_version`.
  std::string issue(const principal& who, timestamp_us now, std::uint64_t token_version = 0) const;
  /// The claims of a valid token: who, and the account's token version it
  /// was issued at.
  expected<token_claims, auth_error> verify_claims(std::string_view token, timestamp_us now) const;

  std::chrono::seconds ttl() const noexcept { return ttl_; }

 private:
  std::string sign(std::string_view signing_input) const;

  std::string secret_;
  std::string issuer_;
  std::chrono::seconds ttl_;
  std::chrono::seconds leeway_;
};

/// base64url without padding (RFC 4648 section 5), as JWT uses it.
std::string base64url_encode(std::string_view bytes);
/// Decodes base64url; refuses padding, other alphabets and impossible lengths.
expected<std::string, auth_error> base64url_decode(std::string_view text);

/// The cost of argon2id. Defaults: libsodium's INTERACTIVE (2 passes, 64 MiB),
/// about 50-100 ms on one core of a small server. auth.password_ops_limit /
/// auth.password_mem_limit.
struct password_cost {
  std::uint64_t ops_limit = 2;         // crypto_pwhash_OPSLIMIT_INTERACTIVE
  std::size_t mem_limit = 64u << 20;   // crypto_pwhash_MEMLIMIT_INTERACTIVE
  /// The lowest cost libsodium allows: for tests only.
  static password_cost minimum() noexcept;
  /// libsodium's INTERACTIVE cost: the floor of a configured cost outside tests.
  static password_cost interactive() noexcept;

  /// Reads auth.password_ops_limit, auth.password_mem_limit and
  /// auth.allow_weak_password_cost (for tests only). A cost below
  /// interactive() without that flag, or below minimum() at all, is refused,
  /// naming the key.
  static expected<password_cost, option_error> from_config(config& cfg);
};

/// Empty when `cost` may be used; otherwise why not, naming the config key.
/// Below interactive() only with `allow_weak` (tests); below minimum() never.
std::string check_password_cost(const password_cost& cost, bool allow_weak);

/// Why hashing failed.
enum class password_error : std::uint8_t {
  too_long = 1,       // over 4096 bytes: refused rather than hashed
  out_of_memory = 2,  // libsodium could not allocate mem_limit
  init_failed = 3,    // sodium_init() failed
};

/// An argon2id hash in the PHC string format ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"),
/// with a random salt. SLOW: not on an io thread.
expected<std::string, password_error> hash_password(std::string_view plain, const password_cost& cost = {});
/// True when `plain` matches `hash` (any argon2 parameters encoded in it).
/// False for a malformed hash. SLOW: not on an io thread.
bool verify_password(std::string_view plain, const std::string& hash);
/// True when `hash` was made with other parameters than `cost` (rehash on login).
bool password_needs_rehash(const std::string& hash, const password_cost& cost = {});

}  // namespace agora::http
