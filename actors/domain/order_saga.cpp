#include "actors/domain/order_saga.hpp"

namespace agora::domain::order_saga {

std::vector<reservation_request> pending_reservations(const order::state& s) {
  std::vector<reservation_request> out;
  if (!s.exists || s.current != order::status::pending) return out;
  for (const auto& l : s.lines) {
    if (l.reservation == order::line_status::pending) {
      out.push_back(reservation_request{s.order_id, l.sku, l.quantity, s.cart_id, s.customer_id});
    }
  }
  return out;
}

std::vector<std::string> compensations(const order::state& s) {
  std::vector<std::string> out;
  if (!s.exists) return out;
  if (s.current != order::status::rejected && s.current != order::status::cancelled) return out;
  for (const auto& l : s.lines) {
    if (l.reservation == order::line_status::reserved) out.push_back(l.sku);
  }
  return out;
}

inventory::command reservation_command(const reservation_request& r, timestamp_us now,
                                       std::int64_t max_units_per_customer) {
  return inventory::reserve_for_order{r.order_id, r.quantity, r.from_cart_id, now, r.customer_id,
                                      max_units_per_customer};
}

inventory::command compensation_command(const order::state& s, timestamp_us now) {
  if (s.current == order::status::cancelled) return inventory::restore{s.order_id, now};
  return inventory::release_reservation{s.order_id, "order rejected", now};
}

}  // namespace agora::domain::order_saga
