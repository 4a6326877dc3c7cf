#pragma once
// history_plan: the pure part of agora-history-gen. From a seed it yields, in
// log order, the appends a shop would have made over years: accounts, products
// with their stock, and orders that go through the order saga exactly as the
// actors run it (actors/src/hooks.hpp), every event decided and folded by the
// domain's own decide/evolve and encoded by its codecs. Nothing here touches a
// store: history_writer writes what this yields.
//
// What one order writes, placed the POST /api/orders way:
//   order-<id>      OrderPlaced                           (wake-up set: collecting)
//   inventory-<sku> StockReserved [LowStockReached]       per line, saga's reserve
//   order-<id>      LineReserved [+ OrderConfirmed]       per line; the last confirms
//                   (or LineReservationFailed [+ OrderRejected], then
//                   inventory ReservationReleased per line: compensation)
//   order-<id>      [PaymentDeclined] OrderPaid           (wake-up: due, then cleared)
//   order-<id>      OrderStatusChanged processing, shipped (+ ReservationCommitted
//                   per line), delivered
//   or OrderCancelled (by the customer, or "payment_deadline"), then
//   inventory ReservationReleased per line, then RefundRecorded if it was paid.
// Through a cart (options.cart_share of the orders), first:
//   claim-cart-slot:<customer>:<n> KeyClaimed, cart-<id> CartCreated;
//   per line inventory StockHeld, then cart LineQuantitySet (a line whose
//   stock cannot be held is refused and left out);
//   minutes later cart CartCheckedOut, the slot's KeyReleased, and the order
//   as above with its cart id, each reservation converting the hold
//   (HoldReleased + StockReserved in one decision).
// Abandoned carts (options.abandoned_carts per 100 orders) lapse at their
// deadline: CartExpired, KeyReleased, HoldReleased per line.
// Inventory items also write what their actors write on their own:
// ReservationsForgotten an hour after orders settle (reservation_retention),
// and StockReceived when an administrator restocks after LowStockReached.
// Appends carry the wake-up changes the actors write (orders while pending or
// awaiting payment, items while holding stock for a cart).
//
// Deterministic: the same options give the same appends, byte for byte (ids,
// timestamps and event ids included), whatever the machine.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "eventstore/event.hpp"
#include "eventstore/event_store.hpp"

namespace agora::bench {

/// What to generate. The defaults mirror a node's (actor_options).
struct history_options {
  std::uint64_t orders = 0;
  /// Customer accounts (besides one administrator); 0: orders / 8 + 1.
  std::uint64_t customers = 0;
  /// Products (each with its inventory item); 0: min(5000, orders / 50 + 20).
  std::uint64_t products = 0;
  std::uint64_t seed = 1;
  /// The argon2id hash every generated account gets (one hash, computed once
  /// by the caller: hashing per account would cost 50 ms each).
  std::string password_hash;
  /// The history spans `years` before `end` (orders spread evenly).
  double years = 10.0;
  /// Time of the last order, in microseconds since the epoch (2026-12-01).
  timestamp_us end = 1'796'083'200'000'000;
  /// orders.payment_deadline.
  timestamp_us payment_deadline = 30LL * 60 * 1'000'000;
  /// actors.reservation_retention.
  timestamp_us reservation_retention = 3600LL * 1'000'000;
  /// actors.max_units_held_per_customer.
  std::int64_t max_units_per_customer = 20;
  /// Percent of orders placed through a cart (filled, then checked out).
  std::uint32_t cart_share = 30;
  /// Carts left to lapse, per 100 orders.
  std::uint32_t abandoned_carts = 10;
  /// actors.cart_hold_ttl.
  timestamp_us cart_hold_ttl = 15LL * 60 * 1'000'000;
  /// actors.max_open_carts_per_customer.
  std::int64_t max_open_carts = 5;
  /// Streams with at least this many events get a snapshot at the end
  /// (actors.snapshot_every).
  std::uint32_t snapshot_every = 100;
};

/// One append, with the stream's version before it (the expected version).
struct planned_append {
  std::string stream;
  eventstore::stream_version expected = 0;
  std::vector<eventstore::new_event> events;
  eventstore::append_options options;
};

/// What was generated so far.
struct history_counts {
  std::uint64_t orders = 0;
  /// Accounts registered, the administrator included.
  std::uint64_t customers = 0;
  std::uint64_t products = 0;
  std::uint64_t events = 0;
  std::uint64_t appends = 0;
  /// Orders by domain::order::status (index = the enum's value).
  std::array<std::uint64_t, 8> by_status{};
  std::uint64_t refunded = 0;           ///< orders with a RefundRecorded
  std::uint64_t payment_declines = 0;   ///< PaymentDeclined events
  std::uint64_t deadline_cancels = 0;   ///< cancelled by the payment deadline
  std::uint64_t restocks = 0;           ///< StockReceived events
  std::uint64_t cart_orders = 0;        ///< orders placed by a cart's checkout
  std::uint64_t abandoned_carts = 0;    ///< carts that lapsed
};

/// Ids a benchmark can query once the history is written.
struct history_samples {
  std::string admin_id;
  std::string admin_email;
  std::string busy_customer_id;  ///< the customer with the most orders
  std::string busy_customer_email;
  std::uint64_t busy_customer_orders = 0;
  std::string order_id;    ///< a delivered order of the busy customer (or any order)
  std::string product_id;  ///< the most ordered product
  std::string product_sku;
};

/// Yields a history's appends in log order. Not thread-safe.
class history_plan {
 public:
  /// `o.orders` > 0 and `o.password_hash` non-empty (callers check).
  explicit history_plan(history_options o);
  ~history_plan();
  history_plan(const history_plan&) = delete;
  history_plan& operator=(const history_plan&) = delete;

  /// The next append, or false when the history is complete or the domain
  /// refused a step it should have accepted (then error() says which).
  bool next(planned_append& out);
  /// Empty unless the domain refused a step (a bug in the plan, not in the data).
  const std::string& error() const noexcept;

  /// Counts of what next() has yielded so far (final once it answered false).
  const history_counts& counts() const noexcept;
  /// Valid once next() answered false.
  history_samples samples() const;
  /// Snapshots of the streams with at least snapshot_every events (the
  /// inventory items), as their actors would have written them; once next()
  /// answered false.
  std::vector<std::pair<std::string, eventstore::snapshot>> snapshots() const;
  /// The options after defaults were filled in (customers, products).
  const history_options& options() const noexcept;

  /// The e-mail of generated customer `n` (0-based) for `seed`.
  static std::string customer_email(std::uint64_t seed, std::uint64_t n);
  /// The e-mail of the administrator for `seed`.
  static std::string admin_email(std::uint64_t seed);

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::bench
