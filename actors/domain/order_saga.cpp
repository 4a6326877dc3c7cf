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
    if (l.reservation != order::line_status::pending) out.push_back(l.sku);
  }
  return out;
}

bool collecting_outcomes(const order::state& s) noexcept {
  return s.exists && s.current == order::status::pending;
}

std::int64_t refund_due(const order::state& s) noexcept {
  if (!s.exists || s.current != order::status::cancelled || !s.payment_id) return 0;
  return s.refunded_minor < s.paid.minor ? s.paid.minor - s.refunded_minor : 0;
}

bool commits_reservations(const order::event& e) noexcept {
  const auto* c = std::get_if<order::order_status_changed>(&e);
  return c != nullptr && c->to == order::status::shipped;
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
