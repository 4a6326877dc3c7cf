#pragma once
// order_saga: the pure logic of the process manager that drives an order through
// stock reservation. The actor that runs it owns no state of its own: everything
// it needs is derived from the order's state, so after a crash it resumes by
// reloading the order and asking these functions again.
//
// Flow:
//   1. OrderPlaced (order pending).
//   2. For each line of pending_reservations(order), concurrently, send
//      inventory::reserve_for_order to the line's inventory actor
//      (reservation_command). Inventory is idempotent per order id, so asking
//      again after a crash is harmless.
//   3. Each answer goes back to the order as record_line_reserved or
//      record_line_rejected (the inventory error message as the reason):
//      LineReserved / LineReservationFailed.
//   4. The last outcome makes the order decide OrderConfirmed (all reserved) or
//      OrderRejected (some failed).
//   4a. A confirmed order not paid by its payment_due_at is cancelled
//      (order::expire_payment, reason "payment_deadline"), and step 5 gives its
//      stock back like any cancellation's.
//   4b. Payment: the actor charges only an order that order::payment_refusal() lets
//      through (order::can_pay), then records the outcome (record_payment).
//   5. Compensation: for a rejected order, every line in compensations(order) has
//      its reservation released; for a cancelled order, restored (released if
//      still reserved, put back on hand if already shipped): compensation_command.
//      A line outcome recorded after a cancel shows up in compensations() too.
//      Inventory's per-order tracking makes a repeated compensation a no-op.
//   6. A cancelled order that was paid is refunded (refund_due) through the
//      payment port, recorded as record_refund; shipping (commits_reservations)
//      commits the lines' reservations.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"

namespace agora::domain::order_saga {

/// One reservation to ask of inventory-<sku>.
struct reservation_request {
  std::string order_id;
  std::string sku;
  std::int64_t quantity = 0;
  std::optional<std::string> from_cart_id;  ///< the order's cart, so a hold is converted
  std::string customer_id{};                  ///< counted against the per-customer limit
};

/// Lines of a pending order with no outcome yet (empty for any other status).
std::vector<reservation_request> pending_reservations(const order::state& s);

/// SKUs whose stock must be given back on a rejected or cancelled order (empty
/// for any other status): every line with an outcome, reserved or failed. A
/// failed line may still hold stock: a step that timed out ("did not answer")
/// may have reserved after all, or reserve later. Releasing a line the item
/// never reserved records a tombstone there (a release with quantity 0), which
/// also keeps a late reserve from taking stock for the given-up order.
std::vector<std::string> compensations(const order::state& s);

/// True while the saga collects reservation outcomes: the order is pending.
/// The actor keeps such an order in memory and its wake-up set.
bool collecting_outcomes(const order::state& s) noexcept;

/// Minor units of a cancelled, paid order still to refund (0: nothing to refund).
std::int64_t refund_due(const order::state& s) noexcept;

/// True when `e` ships the order: its reservations then leave the warehouse
/// (inventory::commit_reservation for every line).
bool commits_reservations(const order::event& e) noexcept;

/// The inventory command for a request; `max_units_per_customer` (0: none) is
/// the per-customer limit of units held or reserved per SKU.
inventory::command reservation_command(const reservation_request& r, timestamp_us now,
                                       std::int64_t max_units_per_customer = 0);

/// The inventory command that compensates `s`'s reservation of one SKU: release
/// for a rejected order, restore for a cancelled one.
inventory::command compensation_command(const order::state& s, timestamp_us now);

}  // namespace agora::domain::order_saga
