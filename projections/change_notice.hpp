#pragma once
// Change notices: what each applied batch changed, for the HTTP cache (tags)
// and the realtime fan-out (per-event channels).

#include <string>
#include <vector>

#include "common/clock.hpp"
#include "eventstore/event.hpp"

namespace agora::projections {

/// One applied event and where the fan-out sends it.
struct event_notice {
  std::string stream;
  std::string type;
  eventstore::log_position position = 0;
  eventstore::stream_version version = 0;
  timestamp_us timestamp = 0;
  /// The event's JSON data, except for customer and claim streams where it is
  /// empty: customer events carry the password hash.
  std::string data;
  /// "user:<customer id>" (that customer's orders and carts), "admin" (orders,
  /// stock, low stock, new customers), "product:<id>" (a product's price, details
  /// or stock), "broadcast" (catalogue changes). Empty: nobody is told.
  std::vector<std::string> channels;
};

/// What one published batch changed.
///
/// Tags (sorted, distinct), for cache invalidation:
///   "product:<id>"            a product's view (details, price, stock)
///   "sku:<sku>"               an inventory item
///   "catalog"                 any listing, search, category or suggestion
///   "low_stock"               the low-stock list
///   "order:<id>"              an order's detail
///   "orders:customer:<id>"    a customer's order list
///   "orders:all"              the admin order list
///   "dashboard"               the dashboard figures
///   "customer:<id>"           an account
///   "all"                     everything (a read model was rebuilt and swapped in)
struct change_batch {
  /// Every event up to here is applied and visible in the snapshots.
  eventstore::log_position position = 0;
  std::vector<std::string> tags;
  /// The applied events, in log order (empty for a rebuild swap).
  std::vector<event_notice> events;
};

}  // namespace agora::projections
