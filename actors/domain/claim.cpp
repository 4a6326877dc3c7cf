#include "actors/domain/claim.hpp"

#include "actors/domain/detail/aggregate_glue.hpp"

#include "actors/domain/detail/json_codec.hpp"
#include "actors/domain/detail/try.hpp"
#include "actors/domain/validation.hpp"

namespace agora::domain::claim {

namespace {

using result = decision<event>;

result fail(domain_errc code, std::string message, std::string field = {}) {
  return agora::unexpected{make_error(code, std::move(message), std::move(field))};
}

result decide_cmd(const state& s, const claim& c) {
  AGORA_DOMAIN_TRY(validate_id(c.owner_id, "owner_id"));
  if (!s.owner) return std::vector<event>{key_claimed{c.owner_id, c.now}};
  if (*s.owner == c.owner_id) return std::vector<event>{};
  return fail(domain_errc::already_exists, "key is already taken", "owner_id");
}

result decide_cmd(const state& s, const release& c) {
  AGORA_DOMAIN_TRY(validate_id(c.owner_id, "owner_id"));
  if (!s.owner) return std::vector<event>{};
  if (*s.owner != c.owner_id) {
    return fail(domain_errc::conflict, "key is owned by someone else", "owner_id");
  }
  return std::vector<event>{key_released{c.owner_id, c.now}};
}

void evolve_one(state& s, const key_claimed& e) {
  s.owner = e.owner_id;
  s.claimed_at = e.at;
}
void evolve_one(state& s, const key_released&) {
  s.owner.reset();
  s.claimed_at = 0;
}

constexpr std::string_view name_of(const key_claimed&) { return "KeyClaimed"; }
constexpr std::string_view name_of(const key_released&) { return "KeyReleased"; }

void write(json_writer& w, const key_claimed& e) { w.key("owner_id").value(e.owner_id); }
void write(json_writer& w, const key_released& e) { w.key("owner_id").value(e.owner_id); }

agora::expected<event, domain_error> decode_v1(std::string_view type, detail::reader& r) {
  if (type == "KeyClaimed") {
    key_claimed e{r.str("owner_id"), r.i64("at")};
    return r.finish<event>(std::move(e));
  }
  if (type == "KeyReleased") {
    key_released e{r.str("owner_id"), r.i64("at")};
    return r.finish<event>(std::move(e));
  }
  return agora::unexpected{detail::unknown_event_type(kind, type)};
}

}  // namespace

AGORA_DOMAIN_AGGREGATE_GLUE()

std::string encode_state(const state& s) {
  json_writer w;
  w.begin_object();
  w.key("v").value(state_schema_version);
  w.key("owner");
  if (s.owner) {
    w.value(*s.owner);
  } else {
    w.null();
  }
  w.key("claimed_at").value(s.claimed_at).key("updated_at").value(s.updated_at);
  w.end_object();
  return std::move(w).take();
}

agora::expected<state, domain_error> decode_state(std::string_view json) {
  auto root = detail::parse_object(json, "claim state");
  if (!root) return agora::unexpected{std::move(root).error()};
  detail::reader r(*root, "claim state");
  if (auto v = r.i64("v"); r.ok() && v != state_schema_version) {
    return agora::unexpected{detail::unsupported_version("claim state", static_cast<std::uint32_t>(v))};
  }
  state s;
  s.owner = r.opt_str("owner");
  s.claimed_at = r.i64("claimed_at");
  s.updated_at = r.i64("updated_at");
  return r.finish<state>(std::move(s));
}

}  // namespace agora::domain::claim
