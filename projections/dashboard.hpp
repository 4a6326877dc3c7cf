#pragma once
// The admin dashboard read model: figures over orders, stock and accounts.
// A dashboard_snapshot is a plain immutable value, rebuilt per applied batch
// (it is small: counts, one entry per currency and the top products).

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eventstore/event.hpp"

namespace agora::projections {

/// Money taken in one currency, in minor units.
struct revenue_view {
  std::string currency;
  /// Sum of the totals of orders that were paid (whatever happened later).
  std::int64_t gross = 0;
  /// Sum of recorded refunds.
  std::int64_t refunded = 0;
  /// gross - refunded.
  std::int64_t net = 0;
};

/// A product's units in orders that are confirmed or later and not cancelled.
struct top_product_view {
  std::string sku;
  std::string product_id;  ///< empty when no product has the SKU
  std::string name;
  std::int64_t units = 0;
};

/// How many top products the dashboard keeps.
inline constexpr std::size_t dashboard_top_products = 10;

/// One immutable version of the dashboard.
struct dashboard_snapshot {
  /// The log position this version includes.
  eventstore::log_position position = 0;
  /// Orders per status name (every status present, zeros included).
  std::map<std::string, std::size_t> orders_by_status;
  std::size_t total_orders = 0;
  /// Revenue per currency, by currency code. Revenue counts money taken: an
  /// order's total from OrderPaid on, minus refunds; an order cancelled after
  /// payment stays in gross until its refund is recorded.
  std::vector<revenue_view> revenue;
  /// By units descending, then SKU; at most dashboard_top_products.
  std::vector<top_product_view> top_products;
  std::size_t low_stock_count = 0;
  /// Products that are not discontinued.
  std::size_t total_products = 0;
  std::size_t total_customers = 0;

  /// A fingerprint of the model's contents (every figure), hashed in key order:
  /// equal for models that applied the same events, whatever the batching,
  /// publishing or restarts; the position is left out. Costs a walk of the model.
  std::uint64_t checksum() const;
};

}  // namespace agora::projections
