#pragma once
// Inventory item: the stock of one SKU. One aggregate (stream `inventory-<sku>`)
// per SKU, so every stock decision for a SKU is serialized by its actor and the
// invariants below hold without locks.
//
// Quantities:
//   on_hand   units physically in the warehouse
//   reserved  units promised to placed orders (sum of reservations in status reserved)
//   held      units parked by open carts (sum of holds), expiring at their TTL
//   available = on_hand - reserved - held, never negative (every decision keeps it so)
//
// Per-order lifecycle (an order id reserves at most once, so a saga retry or a
// duplicated message is harmless):
//   (none) --reserve--> reserved --commit (shipped)--> committed --restore--> restored
//                       reserved --release/restore--> released
//   (none) --release--> released (a tombstone: a reserve that arrives after the
//                       release of the same order, e.g. reordered messages, is ignored)
//   committed | released | restored --forget (after the retention)--> (none)
// A settled order (committed, released or restored) is remembered only to recognise
// late repeats, which come within seconds (command timeouts, saga retries); after
// the retention the item forgets it, so the state holds the live reservations and a
// window of recent history instead of every order the SKU ever had.
//
// Per-customer limit: holds and reservations carry the customer's id, and the
// state keeps each customer's units of this SKU held by carts or reserved by
// orders not yet shipped or given back (units_by_customer). hold_for_cart and
// reserve_for_order carry the limit (the actor's
// actor_options::max_units_held_per_customer; 0 = none) and are refused with
// limit_exceeded when they would raise a customer's units above it. A
// reservation that converts the customer's own cart hold counts only what it
// adds, so checking out a held cart is never refused by its own hold. Events
// recorded before customer ids existed count for nobody.
//
// Low-stock signals: whenever one decision's events take available from above the
// threshold to at-or-below it, LowStockReached is appended to that decision; from
// at-or-below to above, BackInStock.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain/domain_error.hpp"
#include "actors/domain/encoded_event.hpp"
#include "common/clock.hpp"

namespace agora::domain::inventory {

/// Stream ids are `inventory-<sku>`.
inline constexpr std::string_view kind = "inventory";
inline constexpr std::uint32_t state_schema_version = 2;  // 2: reservation.settled_at
/// Upper bound on any one quantity in a command; keeps every sum far from overflow.
inline constexpr std::int64_t max_quantity = 1'000'000'000;

// ---- commands ---------------------------------------------------------------

/// Creates the item. initial_on_hand >= 0, low_stock_threshold >= 0.
struct register_item {
  std::string sku;
  std::int64_t initial_on_hand = 0;
  std::int64_t low_stock_threshold = 0;
  timestamp_us now = 0;
};
/// Goods arrived: on_hand += quantity (quantity > 0).
struct receive_stock {
  std::int64_t quantity = 0;
  timestamp_us now = 0;
};
/// Stock-take correction: on_hand += delta (delta != 0, reason 1..200 bytes).
/// Refused with insufficient_stock when on_hand would fall below reserved + held.
struct adjust {
  std::int64_t delta = 0;
  std::string reason;
  timestamp_us now = 0;
};
/// Changes the low-stock threshold (>= 0).
struct set_low_stock_threshold {
  std::int64_t threshold = 0;
  timestamp_us now = 0;
};
/// Reserves stock for a placed order. Idempotent per order id. When from_cart_id
/// names a cart with a hold, the hold is released in the same decision (converted).
/// Refused with limit_exceeded when customer_id's units (see above) would
/// exceed max_units_per_customer (> 0).
struct reserve_for_order {
  std::string order_id;
  std::int64_t quantity = 0;
  std::optional<std::string> from_cart_id;
  timestamp_us now = 0;
  std::string customer_id{};  ///< the order's customer (empty: counted for nobody)
  std::int64_t max_units_per_customer = 0;  ///< 0: no limit
};
/// Sets a cart's hold to `quantity` (replacing; 0 releases it) until expires_at.
/// An increase is refused with limit_exceeded when customer_id's units would
/// exceed max_units_per_customer (> 0); a decrease never is.
struct hold_for_cart {
  std::string cart_id;
  std::int64_t quantity = 0;
  timestamp_us expires_at = 0;
  timestamp_us now = 0;
  std::string customer_id{};  ///< the cart's customer (empty: counted for nobody)
  std::int64_t max_units_per_customer = 0;  ///< 0: no limit
};
/// Releases a cart's hold (no hold -> no events).
struct release_hold {
  std::string cart_id;
  timestamp_us now = 0;
};
/// Expires every hold with expires_at <= now (the actor's timer).
struct expire_holds {
  timestamp_us now = 0;
};
/// Gives back an order's reservation (order rejected). Idempotent.
struct release_reservation {
  std::string order_id;
  std::string reason;
  timestamp_us now = 0;
};
/// The order shipped: its reserved units leave the warehouse.
struct commit_reservation {
  std::string order_id;
  timestamp_us now = 0;
};
/// The order was cancelled: release if still reserved, put back on hand if already
/// committed, nothing otherwise. Never happens twice for one order.
struct restore {
  std::string order_id;
  timestamp_us now = 0;
};

/// Forgets orders whose reservation settled (committed, released or restored)
/// before `settled_before`, at most max_forget_per_event of them, oldest first.
/// No events when there is nothing to forget. Costs O(forgotten * log orders).
struct forget_settled {
  timestamp_us settled_before = 0;
  timestamp_us now = 0;
};

/// Order ids one ReservationsForgotten carries at most (keeps the event far below
/// the store's event size limit); more are forgotten by the next decision.
inline constexpr std::size_t max_forget_per_event = 4096;

using command = std::variant<register_item, receive_stock, adjust, set_low_stock_threshold,
                             reserve_for_order, hold_for_cart, release_hold, expire_holds,
                             release_reservation, commit_reservation, restore, forget_settled>;

// ---- events -----------------------------------------------------------------

/// "ItemRegistered"
struct item_registered {
  std::string sku;
  std::int64_t on_hand = 0;
  std::int64_t low_stock_threshold = 0;
  timestamp_us at = 0;
};
/// "StockReceived"
struct stock_received {
  std::int64_t quantity = 0;
  timestamp_us at = 0;
};
/// "StockAdjusted"
struct stock_adjusted {
  std::int64_t delta = 0;
  std::string reason;
  timestamp_us at = 0;
};
/// "LowStockThresholdSet"
struct low_stock_threshold_set {
  std::int64_t threshold = 0;
  timestamp_us at = 0;
};
/// "StockReserved"
struct stock_reserved {
  std::string order_id;
  std::int64_t quantity = 0;
  timestamp_us at = 0;
  std::string customer_id{};  ///< empty in events recorded before it existed
};
/// "StockHeld": the cart's hold is now `quantity` until expires_at.
struct stock_held {
  std::string cart_id;
  std::int64_t quantity = 0;
  timestamp_us expires_at = 0;
  timestamp_us at = 0;
  std::string customer_id{};  ///< empty in events recorded before it existed
};
/// "HoldReleased": the cart's hold (of `quantity`) is gone.
struct hold_released {
  std::string cart_id;
  std::int64_t quantity = 0;
  timestamp_us at = 0;
};
/// "HoldExpired": the cart's hold (of `quantity`) timed out.
struct hold_expired {
  std::string cart_id;
  std::int64_t quantity = 0;
  timestamp_us at = 0;
};
/// "ReservationReleased" (quantity 0 for a tombstone of an unknown order).
struct reservation_released {
  std::string order_id;
  std::int64_t quantity = 0;
  std::string reason;
  timestamp_us at = 0;
};
/// "ReservationCommitted": reserved and on_hand both drop by quantity.
struct reservation_committed {
  std::string order_id;
  std::int64_t quantity = 0;
  timestamp_us at = 0;
};
/// "StockRestored": a committed order was cancelled; on_hand += quantity.
struct stock_restored {
  std::string order_id;
  std::int64_t quantity = 0;
  timestamp_us at = 0;
};
/// "LowStockReached"
struct low_stock_reached {
  std::string sku;
  std::int64_t available = 0;
  std::int64_t threshold = 0;
  timestamp_us at = 0;
};
/// "BackInStock"
struct back_in_stock {
  std::string sku;
  std::int64_t available = 0;
  std::int64_t threshold = 0;
  timestamp_us at = 0;
};

/// "ReservationsForgotten": these settled orders are no longer remembered.
struct reservations_forgotten {
  std::vector<std::string> order_ids;
  timestamp_us at = 0;
};

using event = std::variant<item_registered, stock_received, stock_adjusted, low_stock_threshold_set,
                           stock_reserved, stock_held, hold_released, hold_expired,
                           reservation_released, reservation_committed, stock_restored,
                           low_stock_reached, back_in_stock, reservations_forgotten>;

// ---- figures ----------------------------------------------------------------

/// An item's quantities: what the aggregate decides with (the low-stock check)
/// and what the read models show.
struct figures {
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t held = 0;
  std::int64_t low_stock_threshold = 0;

  /// on_hand - reserved - held.
  std::int64_t available() const noexcept { return on_hand - reserved - held; }
};

/// Folds `e` into `f`: the one place that says how each event moves the
/// quantities (the aggregate's evolve and decide, and the read models, all use
/// it). `prior_hold` is the quantity the event's cart held before `e` (0 for
/// none; ignored by events without a cart): StockHeld replaces it, HoldReleased
/// and HoldExpired remove it. Every event kind is handled; a new one does not
/// compile until it says what it does to the figures.
void fold_figures(figures& f, const event& e, std::int64_t prior_hold) noexcept;
/// The cart whose hold `e` sets or removes (StockHeld, HoldReleased,
/// HoldExpired), or nullptr: whose prior hold fold_figures needs.
const std::string* hold_cart_of(const event& e) noexcept;

// ---- state ------------------------------------------------------------------

enum class reservation_status { reserved, committed, released, restored };
/// "reserved", "committed", "released", "restored".
const char* to_string(reservation_status s) noexcept;

/// What happened to one order's reservation.
struct reservation {
  std::int64_t quantity = 0;
  reservation_status status = reservation_status::reserved;
  /// When it left `reserved` (0 while reserved).
  timestamp_us settled_at = 0;
  std::string customer_id{};
};

/// One cart's hold.
struct hold {
  std::int64_t quantity = 0;
  timestamp_us expires_at = 0;
  std::string customer_id{};
};

/// The folded state: the figures (fold_figures) and what decisions need beyond
/// them. `reserved` and `held` stay equal to the sums over `orders` (status
/// reserved) and `holds`.
struct state : figures {
  bool registered = false;
  std::string sku;
  std::map<std::string, reservation> orders;  // by order id; settled ones until forgotten
  /// The settled entries of `orders` by (settled_at, order id): what
  /// forget_settled takes, oldest first, without scanning every order. Derived
  /// from `orders` (rebuilt by decode_state, not stored in snapshots).
  std::set<std::pair<timestamp_us, std::string>> settled;
  std::map<std::string, hold> holds;          // by cart id; only live holds
  /// Per customer: units held by its carts plus units reserved (status
  /// reserved) by its orders; customers with none are absent. Derived from
  /// `holds` and `orders` (rebuilt by decode_state, not stored in snapshots).
  std::map<std::string, std::int64_t> units_by_customer;
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;

  /// units_by_customer[customer_id], 0 when absent.
  std::int64_t units_of(const std::string& customer_id) const noexcept;
  /// The earliest hold expiry (for the actor's timer), or nullopt without holds.
  std::optional<timestamp_us> next_hold_expiry() const noexcept;
};

/// Decides what `cmd` records given `s`. Pure.
decision<event> decide(const state& s, const command& cmd);
/// Folds one event into `s`. Pure; events are facts, so evolve never fails.
void evolve(state& s, const event& e);

/// The stored form of `e` (schema version 1).
encoded_event encode(const event& e);
/// Reads a stored event; rejects unknown types/versions, malformed JSON, missing
/// or mistyped fields (code malformed).
agora::expected<event, domain_error> decode(std::string_view type, std::uint32_t schema_version,
                                            std::string_view json);
/// The stored type name of `e` ("StockReserved").
std::string_view type_name(const event& e) noexcept;

/// A snapshot of `s` as JSON (state_schema_version).
std::string encode_state(const state& s);
/// Reads a snapshot written by encode_state.
agora::expected<state, domain_error> decode_state(std::string_view json);

}  // namespace agora::domain::inventory
