#pragma once
// Internal to agora_projections: the orders' state (shared by snapshots) and
// the model that builds it.

#include <memory>
#include <string>

#include "projections/orders.hpp"
#include "projections/src/cow_map.hpp"
#include "projections/src/model.hpp"

namespace agora::projections {

struct orders_snapshot::state {
  eventstore::log_position position = 0;
  detail::cow_map<std::string, std::shared_ptr<const order_view>> by_id;
  // Newest first is ascending order of the key "<inverted placed position>",
  // prefixed by "<customer id>\0" or "<status>\0" for the filtered indexes.
  // They map to the order id (one string shared by the four), and pages look
  // the views up in by_id: an event that changes an order then re-puts only
  // by_id, plus the two status indexes when the status moves, instead of all
  // five (the indexes were half of the projection thread's time on orders).
  using order_ref = std::shared_ptr<const std::string>;
  detail::cow_map<std::string, order_ref> all;
  detail::cow_map<std::string, order_ref> by_status;
  detail::cow_map<std::string, order_ref> by_customer;
  detail::cow_map<std::string, order_ref> by_customer_status;
};

namespace detail {

/// The orders model.
class orders_model final : public model {
 public:
  /// Publishes into `*slot` with std::atomic_store.
  explicit orders_model(std::shared_ptr<const orders_snapshot>* slot);

  void apply(const decoded_event& e) override;
  void publish(eventstore::log_position position) override;

  /// The customer of order `order_id`, or null when the order is unknown.
  const std::string* customer_of(const std::string& order_id) const;

 private:
  void put(const std::shared_ptr<const order_view>& old, std::shared_ptr<const order_view> next);

  std::shared_ptr<const orders_snapshot>* slot_;
  orders_snapshot::state st_;
};

}  // namespace detail
}  // namespace agora::projections
