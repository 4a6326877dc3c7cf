#pragma once
// The orders read model: order detail with its event history, orders by
// customer and all orders for admins, newest first, filterable by status.
// Immutable snapshots, like the catalog (see catalog.hpp).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "eventstore/event.hpp"
#include "projections/catalog.hpp"

namespace agora::projections {

/// One ordered line.
struct order_item_view {
  std::string sku;
  std::int64_t quantity = 0;
  std::int64_t price = 0;  ///< unit price, minor units of the order's currency
};

/// Why a line could not be reserved.
struct order_rejection_view {
  std::string sku;
  std::string reason;
};

/// One event of the order's stream, as shown in its history.
struct order_history_entry {
  eventstore::log_position position = 0;
  eventstore::stream_version version = 0;
  std::string type;
  timestamp_us at = 0;
  std::string data;  ///< the event's JSON, as stored
};

/// An order (stream `order-<id>`).
struct order_view {
  std::string id;
  std::string customer_id;
  /// pending, confirmed, rejected, paid, processing, shipped, delivered, cancelled.
  std::string status;
  std::vector<order_item_view> items;
  std::int64_t total = 0;  ///< minor units
  std::string currency;
  std::int64_t refunded = 0;  ///< sum of recorded refunds, minor units
  eventstore::stream_version version = 0;
  /// Position of OrderPlaced: the newest-first sort key.
  eventstore::log_position placed_position = 0;
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;
  std::vector<order_rejection_view> rejection_reasons;
  std::vector<order_history_entry> history;  ///< oldest first
  /// While confirmed: when the order is cancelled unless paid (OrderConfirmed).
  std::optional<timestamp_us> payment_due_at;
  /// Why it was cancelled ("payment_deadline" when the deadline passed).
  std::string cancel_reason;
};

/// A query of orders, newest first.
struct order_query {
  /// Only orders in this status when non-empty (an unknown status matches none).
  std::string status;
  /// 1..max_page_size; larger values are clamped.
  std::size_t limit = 20;
  /// A next_cursor from the previous page of the same query, or empty.
  std::string cursor;
};

/// One immutable version of the orders. All members are const and thread-safe.
class orders_snapshot {
 public:
  struct state;
  /// Built by the projection; readers get it from projection_runner::orders().
  explicit orders_snapshot(std::shared_ptr<const state> s) noexcept;

  /// The log position this version includes.
  eventstore::log_position position() const noexcept;
  /// An order by id, or null.
  std::shared_ptr<const order_view> order(std::string_view order_id) const;
  /// A customer's orders, newest first. Pages carry each order without its
  /// history (order() has it): a page reads one entry per order.
  page<std::shared_ptr<const order_view>> by_customer(std::string_view customer_id,
                                                      const order_query& q) const;
  /// Every order, newest first (admins).
  page<std::shared_ptr<const order_view>> all(const order_query& q) const;
  /// How many orders exist.
  std::size_t count() const noexcept;
  /// A fingerprint of the model's contents (every order, field by field, with its history), hashed in key order:
  /// equal for models that applied the same events, whatever the batching,
  /// publishing or restarts; the position is left out. Costs a walk of the model.
  std::uint64_t checksum() const;

 private:
  std::shared_ptr<const state> s_;
};

}  // namespace agora::projections
