#include "actors/domain/inventory.hpp"

#include "actors/domain/detail/aggregate_glue.hpp"

#include <algorithm>

#include "actors/domain/detail/json_codec.hpp"
#include "actors/domain/detail/try.hpp"
#include "actors/domain/money.hpp"
#include "actors/domain/validation.hpp"

namespace agora::domain::inventory {

namespace {

using result = decision<event>;

domain_error error(domain_errc code, std::string message, std::string field = {}) {
  return make_error(code, std::move(message), std::move(field));
}

result fail(domain_errc code, std::string message, std::string field = {}) {
  return agora::unexpected{error(code, std::move(message), std::move(field))};
}

result none() { return std::vector<event>{}; }

// How one event moves the figures. The quantities are the ones the event
// carries: the aggregate decided them (a release or commit names the reserved
// quantity, a hold's release the hold's), so the figures follow from the
// events alone; only StockHeld, which replaces a cart's hold, needs the hold
// it replaces.
template <class E>
void fold_one(figures& f, const E& ev, std::int64_t prior_hold) noexcept {
  if constexpr (std::is_same_v<E, item_registered>) {
    f.on_hand = ev.on_hand;
    f.low_stock_threshold = ev.low_stock_threshold;
  } else if constexpr (std::is_same_v<E, stock_received>) {
    f.on_hand += ev.quantity;
  } else if constexpr (std::is_same_v<E, stock_adjusted>) {
    f.on_hand += ev.delta;
  } else if constexpr (std::is_same_v<E, low_stock_threshold_set>) {
    f.low_stock_threshold = ev.threshold;
  } else if constexpr (std::is_same_v<E, stock_reserved>) {
    f.reserved += ev.quantity;
  } else if constexpr (std::is_same_v<E, stock_held>) {
    f.held += ev.quantity - prior_hold;
  } else if constexpr (std::is_same_v<E, hold_released> || std::is_same_v<E, hold_expired>) {
    f.held -= prior_hold;
  } else if constexpr (std::is_same_v<E, reservation_released>) {
    // The reserved quantity when a reservation is given up; 0 for the
    // tombstone of an order never reserved for.
    f.reserved -= ev.quantity;
  } else if constexpr (std::is_same_v<E, reservation_committed>) {
    f.reserved -= ev.quantity;
    f.on_hand -= ev.quantity;
  } else if constexpr (std::is_same_v<E, stock_restored>) {
    f.on_hand += ev.quantity;
  } else {
    // Signals and bookkeeping: no quantity moves.
    static_assert(std::is_same_v<E, low_stock_reached> || std::is_same_v<E, back_in_stock> ||
                      std::is_same_v<E, reservations_forgotten>,
                  "a new inventory event: say what it does to the figures");
  }
}

// The cart whose hold `e` sets or removes, or nullptr.
template <class E>
const std::string* cart_of(const E& e) noexcept {
  if constexpr (std::is_same_v<E, stock_held> || std::is_same_v<E, hold_released> ||
                std::is_same_v<E, hold_expired>) {
    return &e.cart_id;
  } else {
    return nullptr;
  }
}

// The quantity the event's cart held before it in `s` (0 for none).
template <class E>
std::int64_t prior_hold_in(const state& s, const E& e) noexcept {
  const std::string* cart = cart_of(e);
  if (cart == nullptr) return 0;
  auto it = s.holds.find(*cart);
  return it != s.holds.end() ? it->second.quantity : 0;
}

// Appends LowStockReached / BackInStock when the decision crosses the threshold.
result with_stock_signals(const state& s, std::vector<event> events, timestamp_us at) {
  // Within one decision every cart and order is touched at most once, so the
  // prior hold is always the one in `s`; the per-order maps are not copied, so
  // the check stays O(events) however long the item's history is.
  const figures& before = s;
  figures after = before;
  for (const auto& e : events) {
    std::visit([&](const auto& ev) { fold_one(after, ev, prior_hold_in(s, ev)); }, e);
  }
  // Before registration the item is "not low", so registering an item at or below
  // its threshold raises LowStockReached at once.
  const bool was_low = s.registered && before.available() <= before.low_stock_threshold;
  const bool is_low = after.available() <= after.low_stock_threshold;
  const std::string& sku =
      s.registered ? s.sku : std::get<item_registered>(events.front()).sku;
  if (!was_low && is_low) {
    events.push_back(low_stock_reached{sku, after.available(), after.low_stock_threshold, at});
  } else if (was_low && !is_low) {
    events.push_back(back_in_stock{sku, after.available(), after.low_stock_threshold, at});
  }
  return events;
}

std::string insufficient(const state& s, std::int64_t requested, std::int64_t available) {
  return "insufficient stock for sku " + s.sku + ": requested " + std::to_string(requested) +
         ", available " + std::to_string(available);
}

// Refuses a decision that takes `customer`'s units from `before` to `after`
// when it raises them above the limit. A decision that does not raise them
// (a smaller hold, a checkout converting the customer's own hold) passes even
// when the customer is already over a limit that was lowered since.
result within_customer_limit(const state& s, const std::string& customer, std::int64_t before,
                             std::int64_t after, std::int64_t limit) {
  if (limit <= 0 || customer.empty() || after <= before || after <= limit) return none();
  return fail(domain_errc::limit_exceeded,
              "customer " + customer + " may hold at most " + std::to_string(limit) + " units of sku " + s.sku +
                  " in carts and unshipped orders; this would make " + std::to_string(after) + " (now " +
                  std::to_string(before) + ")",
              "quantity");
}

result decide_cmd(const state& s, const register_item& c) {
  if (s.registered) {
    return fail(domain_errc::already_exists, "inventory item " + s.sku + " already exists", "sku");
  }
  AGORA_DOMAIN_TRY(validate_sku(c.sku, "sku"));
  AGORA_DOMAIN_TRY(validate_range(c.initial_on_hand, 0, max_quantity, "initial_on_hand"));
  AGORA_DOMAIN_TRY(validate_range(c.low_stock_threshold, 0, max_quantity, "low_stock_threshold"));
  return with_stock_signals(
      s, {item_registered{c.sku, c.initial_on_hand, c.low_stock_threshold, c.now}}, c.now);
}

result require_registered(const state& s) {
  if (!s.registered) return fail(domain_errc::not_found, "inventory item not found");
  return none();
}

result decide_cmd(const state& s, const receive_stock& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  AGORA_DOMAIN_TRY(validate_range(c.quantity, 1, max_quantity, "quantity"));
  if (!checked_add(s.on_hand, c.quantity)) {
    return fail(domain_errc::invalid_argument, "on_hand would overflow", "quantity");
  }
  return with_stock_signals(s, {stock_received{c.quantity, c.now}}, c.now);
}

result decide_cmd(const state& s, const adjust& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  if (c.delta == 0 || c.delta < -max_quantity || c.delta > max_quantity) {
    return fail(domain_errc::invalid_argument,
                "delta must be non-zero and within +-" + std::to_string(max_quantity), "delta");
  }
  AGORA_DOMAIN_TRY(validate_length(c.reason, 1, 200, "reason"));
  auto after = checked_add(s.on_hand, c.delta);
  if (!after) return fail(domain_errc::invalid_argument, "on_hand would overflow", "delta");
  // Units promised to orders or parked by carts cannot be adjusted away.
  if (*after < 0 || *after < s.reserved + s.held) {
    return fail(domain_errc::insufficient_stock,
                "adjustment of " + std::to_string(c.delta) + " for sku " + s.sku +
                    " would leave on_hand " + std::to_string(*after) + " below reserved + held " +
                    std::to_string(s.reserved + s.held) + " (available " +
                    std::to_string(s.available()) + ")",
                "delta");
  }
  return with_stock_signals(s, {stock_adjusted{c.delta, c.reason, c.now}}, c.now);
}

result decide_cmd(const state& s, const set_low_stock_threshold& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  AGORA_DOMAIN_TRY(validate_range(c.threshold, 0, max_quantity, "threshold"));
  if (c.threshold == s.low_stock_threshold) return none();
  return with_stock_signals(s, {low_stock_threshold_set{c.threshold, c.now}}, c.now);
}

result decide_cmd(const state& s, const reserve_for_order& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  AGORA_DOMAIN_TRY(validate_id(c.order_id, "order_id"));
  AGORA_DOMAIN_TRY(validate_range(c.quantity, 1, max_quantity, "quantity"));
  if (c.from_cart_id) AGORA_DOMAIN_TRY(validate_id(*c.from_cart_id, "from_cart_id"));
  // At most one reservation per order, whatever became of it: a repeat from a
  // resumed saga (or a reserve that lost the race with a release) records nothing.
  if (s.orders.count(c.order_id) != 0) return none();
  std::vector<event> events;
  std::int64_t available = s.available();
  const std::int64_t units_before = s.units_of(c.customer_id);
  std::int64_t units_after = units_before + c.quantity;
  if (c.from_cart_id) {
    auto it = s.holds.find(*c.from_cart_id);
    if (it != s.holds.end()) {
      events.push_back(hold_released{it->first, it->second.quantity, c.now});
      available += it->second.quantity;
      if (it->second.customer_id == c.customer_id) units_after -= it->second.quantity;
    }
  }
  if (c.quantity > available) {
    return fail(domain_errc::insufficient_stock, insufficient(s, c.quantity, available),
                "quantity");
  }
  AGORA_DOMAIN_TRY(within_customer_limit(s, c.customer_id, units_before, units_after, c.max_units_per_customer));
  events.push_back(stock_reserved{c.order_id, c.quantity, c.now, c.customer_id});
  return with_stock_signals(s, std::move(events), c.now);
}

result decide_cmd(const state& s, const hold_for_cart& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  AGORA_DOMAIN_TRY(validate_id(c.cart_id, "cart_id"));
  AGORA_DOMAIN_TRY(validate_range(c.quantity, 0, max_quantity, "quantity"));
  auto it = s.holds.find(c.cart_id);
  const std::int64_t current = it != s.holds.end() ? it->second.quantity : 0;
  if (c.quantity == 0) {
    if (it == s.holds.end()) return none();
    return with_stock_signals(s, {hold_released{c.cart_id, current, c.now}}, c.now);
  }
  if (c.expires_at <= c.now) {
    return fail(domain_errc::invalid_argument, "expires_at must be after now", "expires_at");
  }
  if (it != s.holds.end() && current == c.quantity && it->second.expires_at == c.expires_at) {
    return none();
  }
  // Only the increase needs stock: the cart already holds `current` units.
  const std::int64_t increase = c.quantity - current;
  const std::int64_t units_before = s.units_of(c.customer_id);
  const bool own = it != s.holds.end() && it->second.customer_id == c.customer_id;
  if (increase > s.available()) {
    return fail(domain_errc::insufficient_stock, insufficient(s, increase, s.available()),
                "quantity");
  }
  AGORA_DOMAIN_TRY(within_customer_limit(s, c.customer_id, units_before,
                                         units_before + c.quantity - (own ? current : 0),
                                         c.max_units_per_customer));
  return with_stock_signals(s, {stock_held{c.cart_id, c.quantity, c.expires_at, c.now, c.customer_id}},
                            c.now);
}

result decide_cmd(const state& s, const release_hold& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  auto it = s.holds.find(c.cart_id);
  if (it == s.holds.end()) return none();
  return with_stock_signals(s, {hold_released{c.cart_id, it->second.quantity, c.now}}, c.now);
}

result decide_cmd(const state& s, const expire_holds& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  std::vector<event> events;
  for (const auto& [cart_id, h] : s.holds) {
    if (h.expires_at <= c.now) events.push_back(hold_expired{cart_id, h.quantity, c.now});
  }
  if (events.empty()) return none();
  return with_stock_signals(s, std::move(events), c.now);
}

result decide_cmd(const state& s, const release_reservation& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  AGORA_DOMAIN_TRY(validate_id(c.order_id, "order_id"));
  AGORA_DOMAIN_TRY(validate_length(c.reason, 0, 200, "reason"));
  auto it = s.orders.find(c.order_id);
  if (it == s.orders.end()) {
    // Tombstone: if this release overtook the order's reserve, the late reserve
    // must not take stock for an order that was already given up.
    return std::vector<event>{reservation_released{c.order_id, 0, c.reason, c.now}};
  }
  switch (it->second.status) {
    case reservation_status::reserved:
      return with_stock_signals(
          s, {reservation_released{c.order_id, it->second.quantity, c.reason, c.now}}, c.now);
    case reservation_status::released:
    case reservation_status::restored:
      return none();
    case reservation_status::committed:
      break;
  }
  return fail(domain_errc::illegal_transition,
              "reservation of order " + c.order_id +
                  " was committed (shipped); restore it instead: illegal transition from "
                  "committed to released",
              "order_id");
}

result decide_cmd(const state& s, const commit_reservation& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  auto it = s.orders.find(c.order_id);
  if (it == s.orders.end()) {
    return fail(domain_errc::not_found, "no reservation for order " + c.order_id, "order_id");
  }
  switch (it->second.status) {
    case reservation_status::reserved:
      return with_stock_signals(
          s, {reservation_committed{c.order_id, it->second.quantity, c.now}}, c.now);
    case reservation_status::committed:
      return none();
    case reservation_status::released:
    case reservation_status::restored:
      break;
  }
  return fail(domain_errc::illegal_transition,
              std::string("reservation of order ") + c.order_id + ": illegal transition from " +
                  to_string(it->second.status) + " to committed",
              "order_id");
}

result decide_cmd(const state& s, const restore& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  auto it = s.orders.find(c.order_id);
  if (it == s.orders.end()) return none();
  switch (it->second.status) {
    case reservation_status::reserved:
      return with_stock_signals(
          s, {reservation_released{c.order_id, it->second.quantity, "order cancelled", c.now}},
          c.now);
    case reservation_status::committed:
      return with_stock_signals(s, {stock_restored{c.order_id, it->second.quantity, c.now}}, c.now);
    case reservation_status::released:
    case reservation_status::restored:
      break;
  }
  return none();
}

result decide_cmd(const state& s, const forget_settled& c) {
  AGORA_DOMAIN_TRY(require_registered(s));
  reservations_forgotten e;
  for (auto it = s.settled.begin();
       it != s.settled.end() && it->first < c.settled_before && e.order_ids.size() < max_forget_per_event; ++it) {
    e.order_ids.push_back(it->second);
  }
  if (e.order_ids.empty()) return none();
  e.at = c.now;
  return std::vector<event>{std::move(e)};
}

// What each event does beyond the figures: the per-order and per-cart records
// and each customer's units.
void track(state& s, const item_registered& e) {
  s.registered = true;
  s.sku = e.sku;
  s.created_at = e.at;
}
void track(state&, const stock_received&) {}
void track(state&, const stock_adjusted&) {}
void track(state&, const low_stock_threshold_set&) {}
// Moves `customer`'s count by `delta` (customers at 0 are dropped).
void add_units(state& s, const std::string& customer, std::int64_t delta) {
  if (customer.empty() || delta == 0) return;
  auto it = s.units_by_customer.emplace(customer, 0).first;
  it->second += delta;
  if (it->second <= 0) s.units_by_customer.erase(it);
}
void track(state& s, const stock_reserved& e) {
  s.orders[e.order_id] = reservation{e.quantity, reservation_status::reserved, 0, e.customer_id};
  add_units(s, e.customer_id, e.quantity);
}
void track(state& s, const stock_held& e) {
  auto& h = s.holds[e.cart_id];
  add_units(s, h.customer_id, -h.quantity);
  h = hold{e.quantity, e.expires_at, e.customer_id};
  add_units(s, h.customer_id, h.quantity);
}
void drop_hold(state& s, const std::string& cart_id) {
  auto it = s.holds.find(cart_id);
  if (it == s.holds.end()) return;
  add_units(s, it->second.customer_id, -it->second.quantity);
  s.holds.erase(it);
}
void track(state& s, const hold_released& e) { drop_hold(s, e.cart_id); }
void track(state& s, const hold_expired& e) { drop_hold(s, e.cart_id); }
// Moves order `id` (settled at `at`) into the settled index.
void settle(state& s, const std::string& id, reservation& r, timestamp_us at) {
  if (r.status != reservation_status::reserved) s.settled.erase({r.settled_at, id});
  r.settled_at = at;
  s.settled.emplace(at, id);
}
void track(state& s, const reservation_released& e) {
  auto& r = s.orders[e.order_id];  // creates the tombstone for an unknown order (as "reserved" of 0)
  if (r.status == reservation_status::reserved) add_units(s, r.customer_id, -r.quantity);
  settle(s, e.order_id, r, e.at);
  r.quantity = e.quantity;
  r.status = reservation_status::released;
}
void track(state& s, const reservation_committed& e) {
  auto& r = s.orders[e.order_id];
  add_units(s, r.customer_id, -r.quantity);  // shipped: no longer held back
  settle(s, e.order_id, r, e.at);
  r.status = reservation_status::committed;
}
void track(state& s, const stock_restored& e) {
  auto& r = s.orders[e.order_id];
  settle(s, e.order_id, r, e.at);
  r.status = reservation_status::restored;
}
void track(state& s, const reservations_forgotten& e) {
  for (const auto& id : e.order_ids) {
    auto it = s.orders.find(id);
    // Only settled orders are forgotten (decide picks no other); a reserved
    // one stays, so `reserved` keeps matching the map.
    if (it == s.orders.end() || it->second.status == reservation_status::reserved) continue;
    s.settled.erase({it->second.settled_at, id});
    s.orders.erase(it);
  }
}
void track(state&, const low_stock_reached&) {}
void track(state&, const back_in_stock&) {}

// The quantities first (they read the cart's hold before track replaces it).
template <class E>
void evolve_one(state& s, const E& e) {
  fold_one(s, e, prior_hold_in(s, e));
  track(s, e);
}

// ---- codec ------------------------------------------------------------------

constexpr std::string_view name_of(const item_registered&) { return "ItemRegistered"; }
constexpr std::string_view name_of(const stock_received&) { return "StockReceived"; }
constexpr std::string_view name_of(const stock_adjusted&) { return "StockAdjusted"; }
constexpr std::string_view name_of(const low_stock_threshold_set&) { return "LowStockThresholdSet"; }
constexpr std::string_view name_of(const stock_reserved&) { return "StockReserved"; }
constexpr std::string_view name_of(const stock_held&) { return "StockHeld"; }
constexpr std::string_view name_of(const hold_released&) { return "HoldReleased"; }
constexpr std::string_view name_of(const hold_expired&) { return "HoldExpired"; }
constexpr std::string_view name_of(const reservation_released&) { return "ReservationReleased"; }
constexpr std::string_view name_of(const reservation_committed&) { return "ReservationCommitted"; }
constexpr std::string_view name_of(const stock_restored&) { return "StockRestored"; }
constexpr std::string_view name_of(const low_stock_reached&) { return "LowStockReached"; }
constexpr std::string_view name_of(const back_in_stock&) { return "BackInStock"; }
constexpr std::string_view name_of(const reservations_forgotten&) { return "ReservationsForgotten"; }

void write(json_writer& w, const item_registered& e) {
  w.key("sku").value(e.sku).key("on_hand").value(e.on_hand);
  w.key("low_stock_threshold").value(e.low_stock_threshold);
}
void write(json_writer& w, const stock_received& e) { w.key("quantity").value(e.quantity); }
void write(json_writer& w, const stock_adjusted& e) {
  w.key("delta").value(e.delta).key("reason").value(e.reason);
}
void write(json_writer& w, const low_stock_threshold_set& e) { w.key("threshold").value(e.threshold); }
void write(json_writer& w, const stock_reserved& e) {
  w.key("order_id").value(e.order_id).key("quantity").value(e.quantity);
  if (!e.customer_id.empty()) w.key("customer_id").value(e.customer_id);
}
void write(json_writer& w, const stock_held& e) {
  w.key("cart_id").value(e.cart_id).key("quantity").value(e.quantity);
  w.key("expires_at").value(e.expires_at);
  if (!e.customer_id.empty()) w.key("customer_id").value(e.customer_id);
}
void write(json_writer& w, const hold_released& e) {
  w.key("cart_id").value(e.cart_id).key("quantity").value(e.quantity);
}
void write(json_writer& w, const hold_expired& e) {
  w.key("cart_id").value(e.cart_id).key("quantity").value(e.quantity);
}
void write(json_writer& w, const reservation_released& e) {
  w.key("order_id").value(e.order_id).key("quantity").value(e.quantity);
  w.key("reason").value(e.reason);
}
void write(json_writer& w, const reservation_committed& e) {
  w.key("order_id").value(e.order_id).key("quantity").value(e.quantity);
}
void write(json_writer& w, const stock_restored& e) {
  w.key("order_id").value(e.order_id).key("quantity").value(e.quantity);
}
void write(json_writer& w, const low_stock_reached& e) {
  w.key("sku").value(e.sku).key("available").value(e.available).key("threshold").value(e.threshold);
}
void write(json_writer& w, const back_in_stock& e) {
  w.key("sku").value(e.sku).key("available").value(e.available).key("threshold").value(e.threshold);
}
void write(json_writer& w, const reservations_forgotten& e) {
  w.key("order_ids").begin_array();
  for (const auto& id : e.order_ids) w.value(id);
  w.end_array();
}

agora::expected<event, domain_error> decode_v1(std::string_view type, detail::reader& r) {
  const timestamp_us at = r.i64("at");
  if (type == "ItemRegistered") {
    item_registered e{r.str("sku"), r.i64("on_hand"), r.i64("low_stock_threshold"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "StockReceived") return r.finish<event>(stock_received{r.i64("quantity"), at});
  if (type == "StockAdjusted") {
    stock_adjusted e{r.i64("delta"), r.str("reason"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "LowStockThresholdSet") {
    return r.finish<event>(low_stock_threshold_set{r.i64("threshold"), at});
  }
  if (type == "StockReserved") {
    stock_reserved e{r.str("order_id"), r.i64("quantity"), at, r.opt_str("customer_id").value_or("")};
    return r.finish<event>(std::move(e));
  }
  if (type == "StockHeld") {
    stock_held e{r.str("cart_id"), r.i64("quantity"), r.i64("expires_at"), at,
                 r.opt_str("customer_id").value_or("")};
    return r.finish<event>(std::move(e));
  }
  if (type == "HoldReleased") {
    hold_released e{r.str("cart_id"), r.i64("quantity"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "HoldExpired") {
    hold_expired e{r.str("cart_id"), r.i64("quantity"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "ReservationReleased") {
    reservation_released e{r.str("order_id"), r.i64("quantity"), r.str("reason"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "ReservationCommitted") {
    reservation_committed e{r.str("order_id"), r.i64("quantity"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "StockRestored") {
    stock_restored e{r.str("order_id"), r.i64("quantity"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "LowStockReached") {
    low_stock_reached e{r.str("sku"), r.i64("available"), r.i64("threshold"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "BackInStock") {
    back_in_stock e{r.str("sku"), r.i64("available"), r.i64("threshold"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "ReservationsForgotten") {
    reservations_forgotten e{r.str_array("order_ids"), at};
    return r.finish<event>(std::move(e));
  }
  return agora::unexpected{detail::unknown_event_type(kind, type)};
}

std::optional<reservation_status> parse_status(std::string_view s) {
  for (auto v : {reservation_status::reserved, reservation_status::committed,
                 reservation_status::released, reservation_status::restored}) {
    if (s == to_string(v)) return v;
  }
  return std::nullopt;
}

}  // namespace

void fold_figures(figures& f, const event& e, std::int64_t prior_hold) noexcept {
  std::visit([&](const auto& ev) { fold_one(f, ev, prior_hold); }, e);
}

const std::string* hold_cart_of(const event& e) noexcept {
  return std::visit([](const auto& ev) { return cart_of(ev); }, e);
}

const char* to_string(reservation_status s) noexcept {
  switch (s) {
    case reservation_status::reserved: return "reserved";
    case reservation_status::committed: return "committed";
    case reservation_status::released: return "released";
    case reservation_status::restored: return "restored";
  }
  return "unknown";
}

std::int64_t state::units_of(const std::string& customer_id) const noexcept {
  auto it = units_by_customer.find(customer_id);
  return it == units_by_customer.end() ? 0 : it->second;
}

std::optional<timestamp_us> state::next_hold_expiry() const noexcept {
  std::optional<timestamp_us> earliest;
  for (const auto& [cart_id, h] : holds) {
    if (!earliest || h.expires_at < *earliest) earliest = h.expires_at;
  }
  return earliest;
}

AGORA_DOMAIN_AGGREGATE_GLUE()

std::string encode_state(const state& s) {
  json_writer w;
  w.begin_object();
  w.key("v").value(state_schema_version);
  w.key("registered").value(s.registered);
  w.key("sku").value(s.sku);
  w.key("on_hand").value(s.on_hand);
  w.key("reserved").value(s.reserved);
  w.key("held").value(s.held);
  w.key("low_stock_threshold").value(s.low_stock_threshold);
  w.key("orders").begin_object();
  for (const auto& [id, r] : s.orders) {
    w.key(id).begin_object();
    w.key("quantity").value(r.quantity).key("status").value(to_string(r.status));
    if (r.settled_at != 0) w.key("settled_at").value(r.settled_at);
    if (!r.customer_id.empty()) w.key("customer_id").value(r.customer_id);
    w.end_object();
  }
  w.end_object();
  w.key("holds").begin_object();
  for (const auto& [id, h] : s.holds) {
    w.key(id).begin_object();
    w.key("quantity").value(h.quantity).key("expires_at").value(h.expires_at);
    if (!h.customer_id.empty()) w.key("customer_id").value(h.customer_id);
    w.end_object();
  }
  w.end_object();
  w.key("created_at").value(s.created_at);
  w.key("updated_at").value(s.updated_at);
  w.end_object();
  return std::move(w).take();
}

agora::expected<state, domain_error> decode_state(std::string_view json) {
  auto root = detail::parse_object(json, "inventory state");
  if (!root) return agora::unexpected{std::move(root).error()};
  detail::reader r(*root, "inventory state");
  if (auto v = r.i64("v"); r.ok() && v != state_schema_version) {
    return agora::unexpected{detail::unsupported_version("inventory state", static_cast<std::uint32_t>(v))};
  }
  state s;
  s.registered = r.boolean("registered");
  s.sku = r.str("sku");
  s.on_hand = r.i64("on_hand");
  s.reserved = r.i64("reserved");
  s.held = r.i64("held");
  s.low_stock_threshold = r.i64("low_stock_threshold");
  r.members("orders", [&](const std::string& id, detail::reader& m) {
    reservation res;
    res.quantity = m.i64("quantity");
    auto st = parse_status(m.str("status"));
    if (m.ok() && !st) m.fail("unknown reservation status for order " + id);
    res.status = st.value_or(reservation_status::reserved);
    res.settled_at = m.opt_i64("settled_at").value_or(0);
    res.customer_id = m.opt_str("customer_id").value_or("");
    if (res.status != reservation_status::reserved) s.settled.emplace(res.settled_at, id);
    if (res.status == reservation_status::reserved) add_units(s, res.customer_id, res.quantity);
    s.orders.emplace(id, res);
  });
  r.members("holds", [&](const std::string& id, detail::reader& m) {
    hold h;
    h.quantity = m.i64("quantity");
    h.expires_at = m.i64("expires_at");
    h.customer_id = m.opt_str("customer_id").value_or("");
    add_units(s, h.customer_id, h.quantity);
    s.holds.emplace(id, std::move(h));
  });
  s.created_at = r.i64("created_at");
  s.updated_at = r.i64("updated_at");
  return r.finish<state>(std::move(s));
}

}  // namespace agora::domain::inventory
