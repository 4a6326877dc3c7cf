#include "actors/domain/customer.hpp"

#include "actors/domain/detail/aggregate_glue.hpp"

#include "actors/domain/detail/json_codec.hpp"
#include "actors/domain/detail/try.hpp"
#include "actors/domain/detail/email_address.hpp"
#include "actors/domain/validation.hpp"

namespace agora::domain::customer {

namespace {

using result = decision<event>;

result fail(domain_errc code, std::string message, std::string field = {}) {
  return agora::unexpected{make_error(code, std::move(message), std::move(field))};
}

result none() { return std::vector<event>{}; }

result require_exists(const state& s) {
  if (!s.exists) return fail(domain_errc::not_found, "customer not found");
  return none();
}

result validate_hash(const std::string& hash) {
  // The hash format belongs to the auth layer; bound it only so a bug cannot
  // store megabytes per account.
  AGORA_DOMAIN_TRY(validate_length(hash, 1, 1024, "password_hash"));
  return none();
}

result decide_cmd(const state& s, const register_customer& c) {
  if (s.exists) return fail(domain_errc::already_exists, "customer " + s.customer_id + " already exists", "customer_id");
  AGORA_DOMAIN_TRY(validate_id(c.customer_id, "customer_id"));
  auto email = normalize_email(c.email);
  if (!email) return agora::unexpected{std::move(email).error()};
  AGORA_DOMAIN_TRY(validate_hash(c.password_hash));
  AGORA_DOMAIN_TRY(validate_length(c.name, 1, 200, "name"));
  return std::vector<event>{
      customer_registered{c.customer_id, *email, c.password_hash, c.name, c.account_role, c.now}};
}

result decide_cmd(const state& s, const change_name& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  AGORA_DOMAIN_TRY(validate_length(c.name, 1, 200, "name"));
  if (c.name == s.name) return none();
  return std::vector<event>{customer_name_changed{c.name, c.now}};
}

result decide_cmd(const state& s, const change_password& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  AGORA_DOMAIN_TRY(validate_hash(c.password_hash));
  if (c.password_hash == s.password_hash) return none();
  // A rehash made from a hash that is no longer current is stale: the
  // password changed meanwhile, and the rehash must not bring the old one back.
  if (c.rehash && c.replaces != s.password_hash) return none();
  return std::vector<event>{password_changed{c.password_hash, c.now, c.rehash}};
}

result decide_cmd(const state& s, const change_role& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  if (c.to == s.account_role) return none();
  return std::vector<event>{role_changed{s.account_role, c.to, c.now}};
}

result decide_cmd(const state& s, const revoke_tokens& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  return std::vector<event>{tokens_revoked{c.now}};
}

void evolve_one(state& s, const customer_registered& e) {
  s.exists = true;
  s.customer_id = e.customer_id;
  s.email = e.email;
  s.password_hash = e.password_hash;
  s.name = e.name;
  s.account_role = e.account_role;
  s.created_at = e.at;
}
void evolve_one(state& s, const customer_name_changed& e) { s.name = e.name; }
void evolve_one(state& s, const password_changed& e) { s.password_hash = e.password_hash; }
void evolve_one(state& s, const role_changed& e) { s.account_role = e.to; }
// Tokens are checked against the accounts read model, not this state.
void evolve_one(state&, const tokens_revoked&) {}

constexpr std::string_view name_of(const customer_registered&) { return "CustomerRegistered"; }
constexpr std::string_view name_of(const customer_name_changed&) { return "CustomerNameChanged"; }
constexpr std::string_view name_of(const password_changed&) { return "PasswordChanged"; }
constexpr std::string_view name_of(const role_changed&) { return "RoleChanged"; }
constexpr std::string_view name_of(const tokens_revoked&) { return "TokensRevoked"; }

void write(json_writer& w, const customer_registered& e) {
  w.key("customer_id").value(e.customer_id).key("email").value(e.email);
  w.key("password_hash").value(e.password_hash).key("name").value(e.name);
  w.key("role").value(to_string(e.account_role));
}
void write(json_writer& w, const customer_name_changed& e) { w.key("name").value(e.name); }
void write(json_writer& w, const password_changed& e) {
  w.key("password_hash").value(e.password_hash);
  if (e.rehash) w.key("rehash").value(true);  // absent in every event before rehashes existed
}
void write(json_writer&, const tokens_revoked&) {}
void write(json_writer& w, const role_changed& e) {
  w.key("from").value(to_string(e.from)).key("to").value(to_string(e.to));
}

role read_role(detail::reader& r, std::string_view key) {
  const std::string text = r.str(key);
  auto parsed = parse_role(text);
  if (r.ok() && !parsed) r.fail("field '" + std::string(key) + "' has unknown role '" + text + "'");
  return parsed.value_or(role::customer);
}

agora::expected<event, domain_error> decode_v1(std::string_view type, detail::reader& r) {
  const timestamp_us at = r.i64("at");
  if (type == "CustomerRegistered") {
    customer_registered e{r.str("customer_id"), r.str("email"), r.str("password_hash"),
                          r.str("name"), read_role(r, "role"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "CustomerNameChanged") return r.finish<event>(customer_name_changed{r.str("name"), at});
  if (type == "PasswordChanged") {
    password_changed e{r.str("password_hash"), at, false};
    if (r.has("rehash")) e.rehash = r.boolean("rehash");
    return r.finish<event>(std::move(e));
  }
  if (type == "TokensRevoked") return r.finish<event>(tokens_revoked{at});
  if (type == "RoleChanged") {
    role_changed e{read_role(r, "from"), read_role(r, "to"), at};
    return r.finish<event>(e);
  }
  return agora::unexpected{detail::unknown_event_type(kind, type)};
}

}  // namespace

const char* to_string(role r) noexcept {
  switch (r) {
    case role::customer: return "customer";
    case role::admin: return "admin";
  }
  return "unknown";
}

std::optional<role> parse_role(std::string_view s) noexcept {
  if (s == "customer") return role::customer;
  if (s == "admin") return role::admin;
  return std::nullopt;
}

agora::expected<std::string, domain_error> normalize_email(std::string_view email) {
  // The work is in email_normalization.cpp (libidn2, libunistring), kept apart
  // from the aggregate so the two change independently.
  return detail::normalize_email_address(email);
}

AGORA_DOMAIN_AGGREGATE_GLUE()

std::string encode_state(const state& s) {
  json_writer w;
  w.begin_object();
  w.key("v").value(state_schema_version);
  w.key("exists").value(s.exists);
  w.key("customer_id").value(s.customer_id).key("email").value(s.email);
  w.key("password_hash").value(s.password_hash).key("name").value(s.name);
  w.key("role").value(to_string(s.account_role));
  w.key("created_at").value(s.created_at).key("updated_at").value(s.updated_at);
  w.end_object();
  return std::move(w).take();
}

agora::expected<state, domain_error> decode_state(std::string_view json) {
  auto root = detail::parse_object(json, "customer state");
  if (!root) return agora::unexpected{std::move(root).error()};
  detail::reader r(*root, "customer state");
  if (auto v = r.i64("v"); r.ok() && v != state_schema_version) {
    return agora::unexpected{detail::unsupported_version("customer state", static_cast<std::uint32_t>(v))};
  }
  state s;
  s.exists = r.boolean("exists");
  s.customer_id = r.str("customer_id");
  s.email = r.str("email");
  s.password_hash = r.str("password_hash");
  s.name = r.str("name");
  s.account_role = read_role(r, "role");
  s.created_at = r.i64("created_at");
  s.updated_at = r.i64("updated_at");
  return r.finish<state>(std::move(s));
}

}  // namespace agora::domain::customer
