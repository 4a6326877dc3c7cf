#pragma once
// Order: a customer's purchase, from placement through stock reservation, payment
// and fulfilment. Stream `order-<order_id>`.
//
// State machine (status after the event; anything not listed is illegal and
// refused with illegal_transition "from X to Y"):
//
//   from        | command / outcome                          | event(s)                      | to
//   ------------+--------------------------------------------+-------------------------------+-----------
//   (none)      | place                                      | OrderPlaced                   | pending
//   pending     | record_line_reserved / _rejected           | LineReserved / LineReservationFailed | pending
//   pending     |   ... last outcome, all lines reserved     |   + OrderConfirmed            | confirmed
//   pending     |   ... last outcome, some line failed       |   + OrderRejected             | rejected
//   confirmed   | record_payment (approved, amount == total) | OrderPaid                     | paid
//   confirmed   | record_payment (declined)                  | PaymentDeclined               | confirmed
//   confirmed   | expire_payment (now >= payment_due_at)     | OrderCancelled (reason        | cancelled
//               |                                            |   "payment_deadline")         |
//   paid        | change_status(processing)                  | OrderStatusChanged            | processing
//   processing  | change_status(shipped)                     | OrderStatusChanged            | shipped
//   shipped     | change_status(delivered)                   | OrderStatusChanged            | delivered
//   pending, confirmed, paid, processing | cancel            | OrderCancelled                | cancelled
//   cancelled (was paid) | record_refund                     | RefundRecorded                | cancelled
//   cancelled   | record_line_reserved / _rejected (late)    | LineReserved / LineReservationFailed | cancelled
//
// Terminal: rejected, delivered, cancelled. Idempotent repeats (same line outcome,
// same payment id, same status, cancel of a cancelled order, same refund id)
// record nothing. A line outcome that arrives after a cancel is still recorded so
// that order_saga::compensations() gives that stock back.
//
// Payment deadline: the outcome that confirms the order carries the payment
// window (the actor passes actor_options::payment_deadline; 0 = none), and
// OrderConfirmed records payment_due_at = confirmation time + window. A confirmed
// order still unpaid at payment_due_at is cancelled by expire_payment with reason
// "payment_deadline"; the saga's compensation then releases its reservations, so
// an unpaid order cannot keep stock from other customers for ever. The actor
// keeps a durable wake-up at payment_due_at, so this also happens after a restart.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain/domain_error.hpp"
#include "actors/domain/encoded_event.hpp"
#include "actors/domain/money.hpp"
#include "common/clock.hpp"

namespace agora::domain::order {

/// Stream ids are `order-<order_id>`.
inline constexpr std::string_view kind = "order";
inline constexpr std::uint32_t state_schema_version = 1;
inline constexpr std::size_t max_lines = 100;
inline constexpr std::int64_t max_line_quantity = 999;
/// Largest unit price accepted, in minor units.
inline constexpr std::int64_t max_unit_price = 1'000'000'000'000;

enum class status { pending, confirmed, rejected, paid, processing, shipped, delivered, cancelled };
/// "pending", "confirmed", "rejected", "paid", "processing", "shipped", "delivered", "cancelled".
const char* to_string(status s) noexcept;
/// The inverse of to_string; nullopt for anything else.
std::optional<status> parse_status(std::string_view s) noexcept;

/// Outcome of reserving one line's stock.
enum class line_status { pending, reserved, failed };
/// "pending", "reserved", "failed".
const char* to_string(line_status s) noexcept;

/// One requested line: quantity 1..999 of `sku` at `unit_price`.
struct line_input {
  std::string sku;
  std::int64_t quantity = 0;
  money unit_price;
};

/// Why one line could not be reserved.
struct line_rejection {
  std::string sku;
  std::string reason;
};

// ---- commands ---------------------------------------------------------------

/// Places the order: 1..100 lines, distinct SKUs, all priced in `currency`.
struct place {
  std::string order_id;
  std::string customer_id;
  std::vector<line_input> lines;
  std::string currency;
  std::optional<std::string> cart_id;  ///< the cart checked out, if any (hold conversion)
  timestamp_us now = 0;
};
/// Inventory reserved the line's stock. When this is the last outcome and it
/// confirms the order, the customer has `payment_window` microseconds to pay
/// (0: no deadline); OrderConfirmed records the due time.
struct record_line_reserved {
  std::string sku;
  timestamp_us now = 0;
  timestamp_us payment_window = 0;
};
/// Inventory refused the line (reason: e.g. the insufficient_stock message).
struct record_line_rejected {
  std::string sku;
  std::string reason;
  timestamp_us now = 0;
};
/// The payment gateway's answer. Only from confirmed; amount must equal the total.
struct record_payment {
  bool approved = false;
  std::string payment_id;
  money amount;
  std::string reason;  ///< why it was declined (empty when approved)
  timestamp_us now = 0;
};
/// Admin fulfilment step: processing, shipped or delivered, one step at a time.
struct change_status {
  status to = status::processing;
  timestamp_us now = 0;
};
/// Cancels the order (pending, confirmed, paid or processing).
struct cancel {
  std::string reason;
  timestamp_us now = 0;
};
/// Cancels a confirmed, unpaid order whose payment_due_at has come (reason
/// payment_deadline_reason); records nothing in any other case, so a late or
/// repeated timer is harmless.
struct expire_payment {
  timestamp_us now = 0;
};
/// The cancel reason of an order cancelled by expire_payment.
inline constexpr std::string_view payment_deadline_reason = "payment_deadline";
/// Records a refund of a cancelled, paid order (amount > 0, total refunds <= paid).
struct record_refund {
  std::string refund_id;
  money amount;
  timestamp_us now = 0;
};

using command = std::variant<place, record_line_reserved, record_line_rejected, record_payment,
                             change_status, cancel, record_refund, expire_payment>;

// ---- events -----------------------------------------------------------------

/// "OrderPlaced"
struct order_placed {
  std::string order_id;
  std::string customer_id;
  std::optional<std::string> cart_id;
  std::string currency;
  std::vector<line_input> lines;
  money total;
  timestamp_us at = 0;
};
/// "LineReserved"
struct line_reserved {
  std::string sku;
  timestamp_us at = 0;
};
/// "LineReservationFailed"
struct line_reservation_failed {
  std::string sku;
  std::string reason;
  timestamp_us at = 0;
};
/// "OrderConfirmed": every line is reserved. payment_due_at: when an unpaid
/// order is cancelled (absent: no deadline, e.g. orders confirmed before
/// deadlines existed).
struct order_confirmed {
  timestamp_us at = 0;
  std::optional<timestamp_us> payment_due_at{};
};
/// "OrderRejected": at least one line failed; reasons per failed line.
struct order_rejected {
  std::vector<line_rejection> reasons;
  timestamp_us at = 0;
};
/// "OrderPaid"
struct order_paid {
  std::string payment_id;
  money amount;
  timestamp_us at = 0;
};
/// "PaymentDeclined": the order stays confirmed (the customer may pay again).
struct payment_declined {
  std::string payment_id;
  std::string reason;
  timestamp_us at = 0;
};
/// "OrderStatusChanged": a fulfilment step (processing, shipped, delivered).
struct order_status_changed {
  status from = status::paid;
  status to = status::processing;
  timestamp_us at = 0;
};
/// "OrderCancelled"
struct order_cancelled {
  std::string reason;
  status from = status::pending;
  timestamp_us at = 0;
};
/// "RefundRecorded"
struct refund_recorded {
  std::string refund_id;
  money amount;
  timestamp_us at = 0;
};

using event = std::variant<order_placed, line_reserved, line_reservation_failed, order_confirmed,
                           order_rejected, order_paid, payment_declined, order_status_changed,
                           order_cancelled, refund_recorded>;

// ---- state ------------------------------------------------------------------

/// A line with its reservation outcome.
struct order_line {
  std::string sku;
  std::int64_t quantity = 0;
  money unit_price;
  line_status reservation = line_status::pending;
  std::string failure_reason;  ///< when reservation == failed
};

/// One entry of the status history shown to clients.
struct status_change {
  status to = status::pending;
  timestamp_us at = 0;
};

struct state {
  bool exists = false;
  std::string order_id;
  std::string customer_id;
  std::optional<std::string> cart_id;
  std::string currency;
  std::vector<order_line> lines;  ///< in placement order
  money total;
  status current = status::pending;
  std::vector<status_change> history;  ///< every status entered, oldest first
  std::vector<line_rejection> rejection_reasons;
  std::optional<std::string> payment_id;  ///< the approved payment
  money paid;                             ///< amount of the approved payment
  std::vector<std::string> declined_payment_ids;
  std::vector<std::string> refund_ids;
  std::int64_t refunded_minor = 0;
  std::string cancel_reason;
  /// While confirmed: when the order is cancelled unless paid (nullopt: never).
  std::optional<timestamp_us> payment_due_at{};
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;

  /// The line for `sku`, or nullptr.
  const order_line* find_line(std::string_view sku) const noexcept;
  /// True when every line has a reservation outcome.
  bool all_outcomes_in() const noexcept;
  /// True when the order is confirmed, unpaid, and its payment_due_at has come.
  bool payment_overdue_at(timestamp_us now) const noexcept;
  /// The payment deadline still to act on: payment_due_at while confirmed.
  std::optional<timestamp_us> pending_payment_deadline() const noexcept;
};

// ---- policy: the table above as questions, for decide and the actor ---------

/// True when an order in status `s` can be paid: only a confirmed one.
bool can_pay(status s) noexcept;
/// True when cancel takes an order in status `s` to cancelled: pending,
/// confirmed, paid or processing (a cancelled one records nothing).
bool can_cancel(status s) noexcept;
/// True when change_status may take an order from `from` to `to`: one
/// fulfilment step, paid -> processing -> shipped -> delivered.
bool next_status_allowed(status from, status to) noexcept;
/// Why order `s` must not be charged at `now`: not found, its payment deadline
/// has come (expired; it is about to be cancelled), or its status cannot be
/// paid (illegal_transition, the error record_payment would give); nullopt when
/// it may. The actor asks this before charging anyone, so a refused payment
/// never reaches the payment provider.
std::optional<domain_error> payment_refusal(const state& s, timestamp_us now);

/// Decides what `cmd` records given `s`. Pure.
decision<event> decide(const state& s, const command& cmd);
/// Folds one event into `s`.
void evolve(state& s, const event& e);

/// The stored form of `e` (schema version 1).
encoded_event encode(const event& e);
/// Reads a stored event (errors: malformed).
agora::expected<event, domain_error> decode(std::string_view type, std::uint32_t schema_version,
                                            std::string_view json);
/// The stored type name of `e` ("OrderPlaced").
std::string_view type_name(const event& e) noexcept;

/// A snapshot of `s` as JSON.
std::string encode_state(const state& s);
/// Reads a snapshot written by encode_state.
agora::expected<state, domain_error> decode_state(std::string_view json);

}  // namespace agora::domain::order
