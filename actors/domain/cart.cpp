#include "actors/domain/cart.hpp"

#include "actors/domain/detail/aggregate_glue.hpp"

#include "actors/domain/detail/json_codec.hpp"
#include "actors/domain/detail/try.hpp"
#include "actors/domain/validation.hpp"

namespace agora::domain::cart {

namespace {

using result = decision<event>;

result fail(domain_errc code, std::string message, std::string field = {}) {
  return agora::unexpected{make_error(code, std::move(message), std::move(field))};
}

result none() { return std::vector<event>{}; }

// Commands that change lines need an open, unexpired cart.
result require_open(const state& s, timestamp_us now, std::string_view what) {
  if (!s.exists) return fail(domain_errc::not_found, "cart not found");
  if (s.current != status::open) {
    return fail(domain_errc::illegal_transition,
                std::string("cannot ") + std::string(what) + ": cart is " + to_string(s.current));
  }
  if (s.is_expired_at(now)) {
    return fail(domain_errc::expired, std::string("cannot ") + std::string(what) + ": cart expired");
  }
  return none();
}

result decide_cmd(const state& s, const create& c) {
  if (s.exists) return fail(domain_errc::already_exists, "cart " + s.cart_id + " already exists", "cart_id");
  AGORA_DOMAIN_TRY(validate_id(c.cart_id, "cart_id"));
  AGORA_DOMAIN_TRY(validate_id(c.customer_id, "customer_id"));
  if (c.expires_at != 0 && c.expires_at <= c.now) {
    return fail(domain_errc::invalid_argument, "expires_at must be after now", "expires_at");
  }
  if (c.slot && *c.slot < 0) return fail(domain_errc::invalid_argument, "slot must be >= 0", "slot");
  return std::vector<event>{cart_created{c.cart_id, c.customer_id, c.now, c.expires_at, c.slot}};
}

result decide_cmd(const state& s, const set_line_quantity& c) {
  AGORA_DOMAIN_TRY(require_open(s, c.now, "change a line"));
  AGORA_DOMAIN_TRY(validate_sku(c.sku, "sku"));
  AGORA_DOMAIN_TRY(validate_range(c.quantity, 0, max_line_quantity, "quantity"));
  if (c.expires_at <= c.now) {
    return fail(domain_errc::invalid_argument, "expires_at must be after now", "expires_at");
  }
  auto it = s.lines.find(c.sku);
  if (c.quantity == 0) {
    if (it == s.lines.end()) return none();
    return std::vector<event>{line_removed{c.sku, c.expires_at, c.now}};
  }
  AGORA_DOMAIN_TRY(validate_money(c.unit_price, "unit_price", max_unit_price));
  // An order has one currency, so a cart does too.
  for (const auto& [sku, l] : s.lines) {
    if (sku != c.sku && l.unit_price.currency != c.unit_price.currency) {
      return fail(domain_errc::invalid_argument,
                  "cart is priced in " + l.unit_price.currency + ", line is in " + c.unit_price.currency,
                  "unit_price.currency");
    }
  }
  if (it == s.lines.end() && s.lines.size() >= max_lines) {
    return fail(domain_errc::limit_exceeded,
                "a cart has at most " + std::to_string(max_lines) + " distinct lines", "sku");
  }
  if (it != s.lines.end() && it->second.quantity == c.quantity && it->second.unit_price == c.unit_price &&
      s.expires_at == c.expires_at) {
    return none();
  }
  return std::vector<event>{line_quantity_set{c.sku, c.quantity, c.unit_price, c.expires_at, c.now}};
}

result decide_cmd(const state& s, const clear& c) {
  AGORA_DOMAIN_TRY(require_open(s, c.now, "clear"));
  if (s.lines.empty()) return none();
  return std::vector<event>{cart_cleared{c.now}};
}

result decide_cmd(const state& s, const checkout& c) {
  if (s.exists && s.current == status::checked_out && s.order_id == c.order_id) {
    return none();  // the same checkout retried
  }
  AGORA_DOMAIN_TRY(require_open(s, c.now, "check out"));
  AGORA_DOMAIN_TRY(validate_id(c.order_id, "order_id"));
  if (s.lines.empty()) return fail(domain_errc::empty_cart, "cannot check out an empty cart");
  return std::vector<event>{cart_checked_out{c.order_id, s.line_list(), c.now}};
}

result decide_cmd(const state& s, const expire& c) {
  if (!s.exists) return fail(domain_errc::not_found, "cart not found");
  if (!s.is_expired_at(c.now)) return none();
  return std::vector<event>{cart_expired{c.now}};
}

void evolve_one(state& s, const cart_created& e) {
  s.exists = true;
  s.cart_id = e.cart_id;
  s.customer_id = e.customer_id;
  s.current = status::open;
  s.created_at = e.at;
  if (e.expires_at != 0) s.expires_at = e.expires_at;
  s.slot = e.slot;
}
void evolve_one(state& s, const line_quantity_set& e) {
  s.lines[e.sku] = line{e.quantity, e.unit_price};
  s.expires_at = e.expires_at;
}
void evolve_one(state& s, const line_removed& e) {
  s.lines.erase(e.sku);
  s.expires_at = e.expires_at;
}
void evolve_one(state& s, const cart_cleared&) { s.lines.clear(); }
void evolve_one(state& s, const cart_checked_out& e) {
  s.current = status::checked_out;
  s.order_id = e.order_id;
}
void evolve_one(state& s, const cart_expired&) { s.current = status::expired; }

// ---- codec ------------------------------------------------------------------

constexpr std::string_view name_of(const cart_created&) { return "CartCreated"; }
constexpr std::string_view name_of(const line_quantity_set&) { return "LineQuantitySet"; }
constexpr std::string_view name_of(const line_removed&) { return "LineRemoved"; }
constexpr std::string_view name_of(const cart_cleared&) { return "CartCleared"; }
constexpr std::string_view name_of(const cart_checked_out&) { return "CartCheckedOut"; }
constexpr std::string_view name_of(const cart_expired&) { return "CartExpired"; }

void write(json_writer& w, const cart_created& e) {
  w.key("cart_id").value(e.cart_id).key("customer_id").value(e.customer_id);
  if (e.expires_at != 0) w.key("expires_at").value(e.expires_at);
  if (e.slot) w.key("slot").value(*e.slot);
}
void write(json_writer& w, const line_quantity_set& e) {
  w.key("sku").value(e.sku).key("quantity").value(e.quantity);
  detail::write_money(w, "unit_price", e.unit_price);
  w.key("expires_at").value(e.expires_at);
}
void write(json_writer& w, const line_removed& e) {
  w.key("sku").value(e.sku).key("expires_at").value(e.expires_at);
}
void write(json_writer&, const cart_cleared&) {}
void write(json_writer& w, const cart_checked_out& e) {
  w.key("order_id").value(e.order_id);
  w.key("lines").begin_array();
  for (const auto& l : e.lines) {
    w.begin_object().key("sku").value(l.sku).key("quantity").value(l.quantity);
    detail::write_money(w, "unit_price", l.unit_price);
    w.end_object();
  }
  w.end_array();
}
void write(json_writer&, const cart_expired&) {}

agora::expected<event, domain_error> decode_v1(std::string_view type, detail::reader& r) {
  const timestamp_us at = r.i64("at");
  if (type == "CartCreated") {
    cart_created e{r.str("cart_id"), r.str("customer_id"), at, r.opt_i64("expires_at").value_or(0),
                   r.opt_i64("slot")};
    return r.finish<event>(std::move(e));
  }
  if (type == "LineQuantitySet") {
    line_quantity_set e{r.str("sku"), r.i64("quantity"), r.money_of("unit_price"), r.i64("expires_at"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "LineRemoved") {
    line_removed e{r.str("sku"), r.i64("expires_at"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "CartCleared") return r.finish<event>(cart_cleared{at});
  if (type == "CartCheckedOut") {
    cart_checked_out e;
    e.order_id = r.str("order_id");
    r.objects("lines", [&](detail::reader& m) {
      cart_line l;
      l.sku = m.str("sku");
      l.quantity = m.i64("quantity");
      l.unit_price = m.money_of("unit_price");
      e.lines.push_back(std::move(l));
    });
    e.at = at;
    return r.finish<event>(std::move(e));
  }
  if (type == "CartExpired") return r.finish<event>(cart_expired{at});
  return agora::unexpected{detail::unknown_event_type(kind, type)};
}

}  // namespace

const char* to_string(status s) noexcept {
  switch (s) {
    case status::open: return "open";
    case status::checked_out: return "checked_out";
    case status::expired: return "expired";
  }
  return "unknown";
}

bool state::is_expired_at(timestamp_us now) const noexcept {
  return current == status::open && expires_at.has_value() && now >= *expires_at;
}

bool state::is_open_at(timestamp_us now) const noexcept {
  return exists && current == status::open && !is_expired_at(now);
}

std::vector<cart_line> state::line_list() const {
  std::vector<cart_line> out;
  out.reserve(lines.size());
  for (const auto& [sku, l] : lines) out.push_back(cart_line{sku, l.quantity, l.unit_price});
  return out;
}

AGORA_DOMAIN_AGGREGATE_GLUE()

std::string encode_state(const state& s) {
  json_writer w;
  w.begin_object();
  w.key("v").value(state_schema_version);
  w.key("exists").value(s.exists);
  w.key("cart_id").value(s.cart_id);
  w.key("customer_id").value(s.customer_id);
  w.key("status").value(to_string(s.current));
  w.key("lines").begin_object();
  for (const auto& [sku, l] : s.lines) {
    w.key(sku).begin_object().key("quantity").value(l.quantity);
    detail::write_money(w, "unit_price", l.unit_price);
    w.end_object();
  }
  w.end_object();
  w.key("expires_at");
  if (s.expires_at) {
    w.value(*s.expires_at);
  } else {
    w.null();
  }
  w.key("slot");
  if (s.slot) {
    w.value(*s.slot);
  } else {
    w.null();
  }
  w.key("order_id");
  if (s.order_id) {
    w.value(*s.order_id);
  } else {
    w.null();
  }
  w.key("created_at").value(s.created_at);
  w.key("updated_at").value(s.updated_at);
  w.end_object();
  return std::move(w).take();
}

agora::expected<state, domain_error> decode_state(std::string_view json) {
  auto root = detail::parse_object(json, "cart state");
  if (!root) return agora::unexpected{std::move(root).error()};
  detail::reader r(*root, "cart state");
  if (auto v = r.i64("v"); r.ok() && v != state_schema_version) {
    return agora::unexpected{detail::unsupported_version("cart state", static_cast<std::uint32_t>(v))};
  }
  state s;
  s.exists = r.boolean("exists");
  s.cart_id = r.str("cart_id");
  s.customer_id = r.str("customer_id");
  const std::string st = r.str("status");
  if (st == "open") {
    s.current = status::open;
  } else if (st == "checked_out") {
    s.current = status::checked_out;
  } else if (st == "expired") {
    s.current = status::expired;
  } else if (r.ok()) {
    r.fail("unknown cart status '" + st + "'");
  }
  r.members("lines", [&](const std::string& sku, detail::reader& m) {
    line l;
    l.quantity = m.i64("quantity");
    l.unit_price = m.money_of("unit_price");
    s.lines.emplace(sku, std::move(l));
  });
  s.expires_at = r.opt_i64("expires_at");
  s.slot = r.opt_i64("slot");
  s.order_id = r.opt_str("order_id");
  s.created_at = r.i64("created_at");
  s.updated_at = r.i64("updated_at");
  return r.finish<state>(std::move(s));
}

}  // namespace agora::domain::cart
