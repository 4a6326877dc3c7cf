#include "http/auth.hpp"

#include <algorithm>
#include <mutex>

#include <simdjson.h>
#include <sodium.h>

#include "common/config.hpp"
#include "common/json_writer.hpp"
#include "common/uuid.hpp"

namespace agora::http {

namespace {

bool sodium_ready() noexcept {
  static const bool ok = sodium_init() >= 0;  // thread-safe static init; sodium_init is idempotent
  return ok;
}

constexpr char b64url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int b64url_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// The fixed header of every token we issue: {"alg":"HS256","typ":"JWT"}.
const std::string& encoded_header() {
  static const std::string h = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  return h;
}

// Claims of a token, as parsed.
struct claims {
  std::string sub, email, role, iss, jti;
  std::int64_t iat = 0, exp = 0, nbf = 0, tv = 0;
  bool has_iat = false, has_exp = false, has_nbf = false, has_sub = false, has_role = false, has_iss = false,
       has_tv = false;
};

bool parse_claims(std::string_view json, claims& c) {
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return false;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    auto value = field.value();
    auto get_string = [&](std::string& out, bool& seen) {
      if (seen) return false;  // a repeated claim is ambiguous: refuse
      std::string_view s;
      if (value.get_string().get(s)) return false;
      out = std::string(s);
      seen = true;
      return true;
    };
    auto get_int = [&](std::int64_t& out, bool& seen) {
      if (seen) return false;
      std::int64_t n = 0;
      if (value.get_int64().get(n)) return false;
      out = n;
      seen = true;
      return true;
    };
    bool ok = true;
    bool dummy_email = false, dummy_jti = false;
    if (key == "sub") ok = get_string(c.sub, c.has_sub);
    else if (key == "email") ok = get_string(c.email, dummy_email);
    else if (key == "role") ok = get_string(c.role, c.has_role);
    else if (key == "iss") ok = get_string(c.iss, c.has_iss);
    else if (key == "jti") ok = get_string(c.jti, dummy_jti);
    else if (key == "iat") ok = get_int(c.iat, c.has_iat);
    else if (key == "exp") ok = get_int(c.exp, c.has_exp);
    else if (key == "nbf") ok = get_int(c.nbf, c.has_nbf);
    else if (key == "tv") ok = get_int(c.tv, c.has_tv) && c.tv >= 0;
    if (!ok) return false;
  }
  // Trailing bytes after the object are not checked (simdjson 3.0 has no
  // document::at_end); the payload is only parsed after its signature matched.
  return true;
}

// True when the header is a JSON object whose alg is exactly "HS256".
expected<void, auth_error> check_header(std::string_view json) {
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return unexpected(auth_error::malformed);
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return unexpected(auth_error::malformed);
  bool seen_alg = false;
  bool alg_ok = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return unexpected(auth_error::malformed);
    if (key == "alg") {
      if (seen_alg) return unexpected(auth_error::malformed);
      seen_alg = true;
      std::string_view alg;
      if (field.value().get_string().get(alg)) return unexpected(auth_error::malformed);
      alg_ok = alg == "HS256";
    } else if (key == "crit") {
      // Extensions we do not understand must make the token invalid (RFC 7515 4.1.11).
      return unexpected(auth_error::unsupported_alg);
    }
  }
  if (!alg_ok) return unexpected(auth_error::unsupported_alg);
  return {};
}

}  // namespace

const char* to_string(auth_error e) noexcept {
  switch (e) {
    case auth_error::malformed: return "malformed";
    case auth_error::unsupported_alg: return "unsupported_alg";
    case auth_error::bad_signature: return "bad_signature";
    case auth_error::expired: return "expired";
    case auth_error::not_yet_valid: return "not_yet_valid";
    case auth_error::wrong_issuer: return "wrong_issuer";
  }
  return "unknown";
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += b64url_alphabet[(n >> 18) & 63];
    out += b64url_alphabet[(n >> 12) & 63];
    out += b64url_alphabet[(n >> 6) & 63];
    out += b64url_alphabet[n & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    unsigned n = byte(i) << 16;
    out += b64url_alphabet[(n >> 18) & 63];
    out += b64url_alphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    unsigned n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += b64url_alphabet[(n >> 18) & 63];
    out += b64url_alphabet[(n >> 12) & 63];
    out += b64url_alphabet[(n >> 6) & 63];
  }
  return out;
}

expected<std::string, auth_error> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return unexpected(auth_error::malformed);
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = b64url_value(c);
    if (v < 0) return unexpected(auth_error::malformed);
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero: otherwise two texts would decode the same.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return unexpected(auth_error::malformed);
  return out;
}

jwt_signer::jwt_signer(std::string secret, std::string issuer, std::chrono::seconds ttl, std::chrono::seconds leeway)
    : secret_(std::move(secret)), issuer_(std::move(issuer)), ttl_(ttl), leeway_(leeway) {
  (void)sodium_ready();
}

std::string jwt_signer::sign(std::string_view signing_input) const {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret_.data()), secret_.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(signing_input.data()),
                                signing_input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_memzero(&st, sizeof st);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string jwt_signer::issue(const principal& who, timestamp_us now, std::uint64_t token_version) const {
  std::int64_t iat = now / 1'000'000;
  json_writer w(256);
  w.begin_object()
      .key("sub").value(who.user_id)
      .key("email").value(who.email)
      .key("role").value(who.role)
      .key("iat").value(iat)
      .key("exp").value(iat + static_cast<std::int64_t>(ttl_.count()))
      .key("iss").value(issuer_)
      .key("jti").value(uuid::random_v4().to_string())
      .key("tv").value(static_cast<std::int64_t>(token_version))
      .end_object();
  std::string token = encoded_header();
  token += '.';
  token += base64url_encode(w.str());
  std::string sig = sign(token);
  token += '.';
  token += base64url_encode(sig);
  return token;
}

expected<token_claims, auth_error> jwt_signer::verify_claims(std::string_view token, timestamp_us now) const {
  if (token.size() > 8192) return unexpected(auth_error::malformed);
  std::size_t d1 = token.find('.');
  if (d1 == std::string_view::npos) return unexpected(auth_error::malformed);
  std::size_t d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return unexpected(auth_error::malformed);
  }
  std::string_view h64 = token.substr(0, d1);
  std::string_view p64 = token.substr(d1 + 1, d2 - d1 - 1);
  std::string_view s64 = token.substr(d2 + 1);
  if (h64.empty() || p64.empty()) return unexpected(auth_error::malformed);

  auto header = base64url_decode(h64);
  if (!header) return unexpected(auth_error::malformed);
  if (auto h = check_header(*header); !h) return unexpected(h.error());

  // alg is HS256: now (and only now) the signature is worth checking.
  auto sig = base64url_decode(s64);
  if (!sig) return unexpected(auth_error::malformed);
  std::string expected_sig = sign(token.substr(0, d2));
  if (sig->size() != expected_sig.size() ||
      sodium_memcmp(sig->data(), expected_sig.data(), expected_sig.size()) != 0) {
    return unexpected(auth_error::bad_signature);
  }

  auto payload = base64url_decode(p64);
  if (!payload) return unexpected(auth_error::malformed);
  claims c;
  if (!parse_claims(*payload, c) || !c.has_sub || !c.has_role || !c.has_exp || !c.has_iat || !c.has_iss ||
      c.sub.empty()) {
    return unexpected(auth_error::malformed);
  }
  if (c.iss != issuer_) return unexpected(auth_error::wrong_issuer);
  std::int64_t t = now / 1'000'000;
  std::int64_t leeway = static_cast<std::int64_t>(leeway_.count());
  if (t >= c.exp + leeway) return unexpected(auth_error::expired);
  if (c.has_nbf && t + leeway < c.nbf) return unexpected(auth_error::not_yet_valid);
  if (t + leeway < c.iat) return unexpected(auth_error::not_yet_valid);
  // A token claiming a lifetime longer than we ever issue was not made by us
  // with these settings (or the settings changed): refuse it.
  if (c.exp - c.iat > static_cast<std::int64_t>(ttl_.count()) + leeway || c.exp < c.iat) {
    return unexpected(auth_error::malformed);
  }
  return token_claims{principal{std::move(c.sub), std::move(c.email), std::move(c.role)},
                      static_cast<std::uint64_t>(c.tv)};
}

password_cost password_cost::minimum() noexcept {
  password_cost c;
  c.ops_limit = crypto_pwhash_OPSLIMIT_MIN;
  c.mem_limit = crypto_pwhash_MEMLIMIT_MIN;
  return c;
}

password_cost password_cost::interactive() noexcept {
  password_cost c;
  c.ops_limit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  c.mem_limit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  return c;
}

std::string check_password_cost(const password_cost& cost, bool allow_weak) {
  const password_cost floor = allow_weak ? password_cost::minimum() : password_cost::interactive();
  const char* why = allow_weak ? "libsodium's minimum" : "libsodium's INTERACTIVE minimum (auth.allow_weak_password_cost is for tests only)";
  if (cost.ops_limit < floor.ops_limit || cost.ops_limit > crypto_pwhash_OPSLIMIT_MAX) {
    return "auth.password_ops_limit = " + std::to_string(cost.ops_limit) + " is below " + why + " of " +
           std::to_string(floor.ops_limit) + " (or above libsodium's maximum)";
  }
  if (cost.mem_limit < floor.mem_limit || cost.mem_limit > crypto_pwhash_MEMLIMIT_MAX) {
    return "auth.password_mem_limit = " + std::to_string(cost.mem_limit) + " bytes is below " + why + " of " +
           std::to_string(floor.mem_limit) + " bytes (or above libsodium's maximum)";
  }
  return {};
}

expected<password_cost, option_error> password_cost::from_config(config& cfg) {
  password_cost c;
  // A negative count is below every floor: 0 is refused below, naming the key.
  c.ops_limit = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, cfg.get_int("auth.password_ops_limit", static_cast<std::int64_t>(c.ops_limit),
                     "argon2id passes (libsodium opslimit); at least 2 (INTERACTIVE)")));
  c.mem_limit = static_cast<std::size_t>(
      cfg.get_bytes("auth.password_mem_limit", c.mem_limit, "argon2id memory per hash; at least 64MiB (INTERACTIVE)"));
  const bool weak = cfg.get_bool("auth.allow_weak_password_cost", false,
                                 "FOR TESTS ONLY: accept an argon2id cost below libsodium's INTERACTIVE minimum");
  std::string why = check_password_cost(c, weak);
  if (!why.empty()) {
    // check_password_cost's message starts with the key at fault.
    std::string key = why.rfind("auth.password_ops_limit", 0) == 0 ? "auth.password_ops_limit" : "auth.password_mem_limit";
    return unexpected(option_error{std::move(key), std::move(why)});
  }
  return c;
}

expected<std::string, password_error> hash_password(std::string_view plain, const password_cost& cost) {
  if (!sodium_ready()) return unexpected(password_error::init_failed);
  if (plain.size() > 4096) return unexpected(password_error::too_long);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, plain.data(), plain.size(), cost.ops_limit, cost.mem_limit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return unexpected(password_error::out_of_memory);
  }
  return std::string(out);
}

bool verify_password(std::string_view plain, const std::string& hash) {
  if (!sodium_ready() || plain.size() > 4096 || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), plain.data(), plain.size()) == 0;
}

bool password_needs_rehash(const std::string& hash, const password_cost& cost) {
  if (!sodium_ready()) return true;
  return crypto_pwhash_str_needs_rehash(hash.c_str(), cost.ops_limit, cost.mem_limit) != 0;
}

}  // namespace agora::http
