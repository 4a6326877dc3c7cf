#include "actors/domain/unique_claim.hpp"

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

}  // namespace

decision<event> decide(const state& s, const command& cmd) {
  return std::visit([&](const auto& c) { return decide_cmd(s, c); }, cmd);
}

void evolve(state& s, const event& e) {
  std::visit(
      [&](const auto& ev) {
        evolve_one(s, ev);
        s.updated_at = ev.at;
      },
      e);
}

std::string_view type_name(const event& e) noexcept {
  return std::visit([](const auto& ev) { return name_of(ev); }, e);
}

encoded_event encode(const event& e) {
  return std::visit(
      [](const auto& ev) {
        json_writer w;
        w.begin_object().key("owner_id").value(ev.owner_id).key("at").value(ev.at).end_object();
        return encoded_event{std::string(name_of(ev)), 1, std::move(w).take()};
      },
      e);
}

agora::expected<event, domain_error> decode(std::string_view type, std::uint32_t schema_version,
                                            std::string_view json) {
  auto root = detail::parse_object(json, type);
  if (!root) return agora::unexpected{std::move(root).error()};
  detail::reader r(*root, std::string(type));
  if (schema_version != 1) {  // upcasting point for future versions
    return agora::unexpected{detail::unsupported_version(type, schema_version)};
  }
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
