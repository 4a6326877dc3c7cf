#pragma once
// The vocabulary of change notices: the cache tags a change_batch carries and
// a read declares it depends on, and the channels an event_notice is sent to.
// The projections write these names and the API's reads and the realtime
// fan-out read them: both sides spell them through this header, so a name can
// only change in one place.

#include <string>
#include <string_view>

namespace agora::projections {

/// Cache tags: what a cached answer was computed from. A change_batch carries
/// the tags of everything it changed (sorted, distinct).
namespace tags {

/// Any product listing, search, category list or suggestion.
inline constexpr const char* catalog = "catalog";
/// The low-stock list.
inline constexpr const char* low_stock = "low_stock";
/// The admin's list of all orders.
inline constexpr const char* orders_all = "orders:all";
/// The dashboard figures.
inline constexpr const char* dashboard = "dashboard";
/// Everything: a read model was rebuilt and swapped in, or a batch had too
/// many events to list (drop every cached answer).
inline constexpr const char* all = "all";

/// A product's view (details, price, stock): "product:<id>".
inline std::string product(std::string_view product_id) { return "product:" + std::string(product_id); }
/// An inventory item: "sku:<sku>".
inline std::string sku(std::string_view sku) { return "sku:" + std::string(sku); }
/// An order's detail: "order:<id>".
inline std::string order(std::string_view order_id) { return "order:" + std::string(order_id); }
/// A customer's order list: "orders:customer:<id>".
inline std::string orders_of_customer(std::string_view customer_id) {
  return "orders:customer:" + std::string(customer_id);
}
/// An account: "customer:<id>".
inline std::string customer(std::string_view customer_id) { return "customer:" + std::string(customer_id); }

}  // namespace tags

/// Fan-out channels: who is told of an event (event_notice::channels).
namespace channels {

/// Admins: orders, stock, low stock, new customers.
inline constexpr const char* admin = "admin";
/// Everyone: catalogue changes.
inline constexpr const char* broadcast = "broadcast";
/// Everyone: admins' broadcast notifications (NotificationBroadcast events).
inline constexpr const char* notifications = "notifications";

/// One customer: that customer's orders, carts and account: "user:<id>".
inline std::string user(std::string_view customer_id) { return "user:" + std::string(customer_id); }
/// Watchers of one product: its price, details or stock: "product:<id>".
inline std::string product(std::string_view product_id) { return "product:" + std::string(product_id); }

}  // namespace channels

}  // namespace agora::projections
