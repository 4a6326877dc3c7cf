// Order: decide table over the state machine, and the saga's pure logic.

#include "actors/domain/order_saga.hpp"
#include "test_support.hpp"

namespace agora::domain::testing {
namespace {

using namespace order;
using A = order_agg;
using evs = std::vector<event>;

const timestamp_us T = t0;
money eur(std::int64_t minor) { return money{minor, "EUR"}; }

std::vector<line_input> two_lines() { return {{"SKU-A", 2, eur(500)}, {"SKU-B", 1, eur(250)}}; }

place place_cmd() { return place{"o1", "u1", two_lines(), "EUR", std::string("c1"), T}; }
order_placed placed() { return order_placed{"o1", "u1", std::string("c1"), "EUR", two_lines(), eur(1250), T}; }

evs pending() { return {placed()}; }
evs with(evs base, const evs& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}
evs confirmed() { return with(pending(), {line_reserved{"SKU-A", T}, line_reserved{"SKU-B", T}, order_confirmed{T}}); }
evs paid() { return with(confirmed(), {order_paid{"pay-1", eur(1250), T}}); }
evs processing() { return with(paid(), {order_status_changed{status::paid, status::processing, T}}); }
evs shipped() { return with(processing(), {order_status_changed{status::processing, status::shipped, T}}); }
evs delivered() { return with(shipped(), {order_status_changed{status::shipped, status::delivered, T}}); }
evs rejected() {
  return with(pending(), {line_reserved{"SKU-A", T}, line_reservation_failed{"SKU-B", "no stock", T},
                          order_rejected{{{"SKU-B", "no stock"}}, T}});
}
evs cancelled_paid() { return with(paid(), {order_cancelled{"changed mind", status::paid, T}}); }

place with_lines(std::vector<line_input> lines) {
  place p = place_cmd();
  p.lines = std::move(lines);
  return p;
}

TEST(OrderDecide, Place) {
  std::vector<line_input> many;
  for (int i = 0; i < 101; ++i) many.push_back({"S" + std::to_string(i), 1, eur(1)});
  place bad_currency = place_cmd();
  bad_currency.currency = "eur";
  place no_customer = place_cmd();
  no_customer.customer_id = "";
  run_cases<A>({
      accepts<A>("place", {}, place_cmd(), {placed()}),
      rejects<A>("place twice", pending(), place_cmd(), domain_errc::already_exists, "order_id"),
      rejects<A>("no lines", {}, with_lines({}), domain_errc::invalid_argument, "lines"),
      rejects<A>("too many lines", {}, with_lines(many), domain_errc::limit_exceeded, "lines"),
      rejects<A>("bad currency", {}, bad_currency, domain_errc::invalid_argument, "currency"),
      rejects<A>("no customer", {}, no_customer, domain_errc::invalid_argument, "customer_id"),
      rejects<A>("duplicate sku", {}, with_lines({{"SKU-A", 1, eur(1)}, {"SKU-A", 2, eur(1)}}),
                 domain_errc::invalid_argument, "lines[1].sku"),
      rejects<A>("bad sku", {}, with_lines({{"SKU A", 1, eur(1)}}), domain_errc::invalid_argument,
                 "lines[0].sku"),
      rejects<A>("quantity zero", {}, with_lines({{"SKU-A", 0, eur(1)}}), domain_errc::invalid_argument,
                 "lines[0].quantity"),
      rejects<A>("quantity 1000", {}, with_lines({{"SKU-A", 1000, eur(1)}}),
                 domain_errc::invalid_argument, "lines[0].quantity"),
      rejects<A>("negative price", {}, with_lines({{"SKU-A", 1, eur(-1)}}),
                 domain_errc::invalid_argument, "lines[0].unit_price"),
      rejects<A>("price above limit", {}, with_lines({{"SKU-A", 1, eur(max_unit_price + 1)}}),
                 domain_errc::invalid_argument, "lines[0].unit_price"),
      rejects<A>("mixed currency", {}, with_lines({{"SKU-A", 1, eur(1)}, {"SKU-B", 1, money{1, "USD"}}}),
                 domain_errc::invalid_argument, "lines[1].unit_price.currency"),
  });
}

TEST(OrderDecide, LineOutcomes) {
  const evs one_reserved = with(pending(), {line_reserved{"SKU-A", T}});
  const evs one_failed = with(pending(), {line_reservation_failed{"SKU-A", "no stock", T}});
  const evs cancelled_pending = with(pending(), {order_cancelled{"", status::pending, T}});
  run_cases<A>({
      accepts<A>("first reserved", pending(), record_line_reserved{"SKU-A", T}, {line_reserved{"SKU-A", T}}),
      accepts<A>("last reserved confirms", one_reserved, record_line_reserved{"SKU-B", T},
                 {line_reserved{"SKU-B", T}, order_confirmed{T}}),
      accepts<A>("last failed rejects", one_reserved, record_line_rejected{"SKU-B", "no stock", T},
                 {line_reservation_failed{"SKU-B", "no stock", T}, order_rejected{{{"SKU-B", "no stock"}}, T}}),
      accepts<A>("last reserved after a failure rejects", one_failed, record_line_reserved{"SKU-B", T},
                 {line_reserved{"SKU-B", T}, order_rejected{{{"SKU-A", "no stock"}}, T}}),
      accepts<A>("first failed waits for the rest", pending(), record_line_rejected{"SKU-A", "no stock", T},
                 {line_reservation_failed{"SKU-A", "no stock", T}}),
      accepts<A>("same outcome twice", one_reserved, record_line_reserved{"SKU-A", T}, {}),
      accepts<A>("same failure twice", one_failed, record_line_rejected{"SKU-A", "again", T}, {}),
      rejects<A>("contradicting outcome", one_reserved, record_line_rejected{"SKU-A", "x", T},
                 domain_errc::conflict, "sku"),
      rejects<A>("unknown sku", pending(), record_line_reserved{"SKU-Z", T}, domain_errc::not_found, "sku"),
      rejects<A>("unknown order", {}, record_line_reserved{"SKU-A", T}, domain_errc::not_found),
      rejects<A>("rejection without reason", pending(), record_line_rejected{"SKU-A", "", T},
                 domain_errc::invalid_argument, "reason"),
      accepts<A>("late outcome after cancel is recorded", cancelled_pending,
                 record_line_reserved{"SKU-A", T}, {line_reserved{"SKU-A", T}}),
      accepts<A>("outcome repeated on confirmed order", confirmed(), record_line_reserved{"SKU-A", T}, {}),
  });
}

// The payment deadline: the confirming outcome carries the window, OrderConfirmed
// records the due time, and expire_payment cancels an unpaid order then.
TEST(OrderDecide, PaymentDeadline) {
  const timestamp_us window = 1800 * sec;
  const timestamp_us due = T + window;
  const evs one_reserved = with(pending(), {line_reserved{"SKU-A", T}});
  const evs due_confirmed =
      with(pending(), {line_reserved{"SKU-A", T}, line_reserved{"SKU-B", T}, order_confirmed{T, due}});
  const evs due_paid = with(due_confirmed, {order_paid{"pay-1", eur(1250), T + sec}});
  const evs due_declined = with(due_confirmed, {payment_declined{"pay-0", "card declined", T + sec}});
  const evs due_cancelled = with(due_confirmed, {order_cancelled{"changed mind", status::confirmed, T + sec}});
  run_cases<A>({
      accepts<A>("confirming starts the payment window", one_reserved, record_line_reserved{"SKU-B", T, window},
                 {line_reserved{"SKU-B", T}, order_confirmed{T, due}}),
      accepts<A>("no window, no deadline", one_reserved, record_line_reserved{"SKU-B", T, 0},
                 {line_reserved{"SKU-B", T}, order_confirmed{T}}),
      accepts<A>("a window on a line that does not confirm records nothing more", pending(),
                 record_line_reserved{"SKU-A", T, window}, {line_reserved{"SKU-A", T}}),
      rejects<A>("negative window", one_reserved, record_line_reserved{"SKU-B", T, -1},
                 domain_errc::invalid_argument, "payment_window"),
      accepts<A>("not yet due", due_confirmed, expire_payment{due - 1}, {}),
      accepts<A>("due: cancelled with its reason", due_confirmed, expire_payment{due},
                 {order_cancelled{"payment_deadline", status::confirmed, due}}),
      accepts<A>("long past due", due_confirmed, expire_payment{due + 3600 * sec},
                 {order_cancelled{"payment_deadline", status::confirmed, due + 3600 * sec}}),
      accepts<A>("a declined payment does not stop the clock", due_declined, expire_payment{due},
                 {order_cancelled{"payment_deadline", status::confirmed, due}}),
      accepts<A>("paid in time: nothing", due_paid, expire_payment{due + sec}, {}),
      accepts<A>("already cancelled: nothing", due_cancelled, expire_payment{due + sec}, {}),
      accepts<A>("no deadline: nothing", confirmed(), expire_payment{T + 365 * 24 * 3600 * sec}, {}),
      accepts<A>("pending: nothing", pending(), expire_payment{due + sec}, {}),
      accepts<A>("rejected: nothing", rejected(), expire_payment{due + sec}, {}),
      rejects<A>("unknown order", {}, expire_payment{due}, domain_errc::not_found),
      accepts<A>("a payment recorded after the due time still counts (charged in time)", due_confirmed,
                 record_payment{true, "pay-1", eur(1250), "", due + sec}, {order_paid{"pay-1", eur(1250), due + sec}}),
  });

  auto s = fold<A>(due_confirmed);
  EXPECT_EQ(s.pending_payment_deadline(), std::optional<timestamp_us>(due));
  EXPECT_FALSE(s.payment_overdue_at(due - 1));
  EXPECT_TRUE(s.payment_overdue_at(due));
  EXPECT_FALSE(fold<A>(due_paid).pending_payment_deadline()) << "a paid order has no deadline left";
  auto cancelled = fold<A>(with(due_confirmed, {order_cancelled{"payment_deadline", status::confirmed, due}}));
  EXPECT_EQ(cancelled.cancel_reason, "payment_deadline");
  EXPECT_FALSE(cancelled.pending_payment_deadline());
  // Cancelled by the deadline, the order's reservations are given back.
  EXPECT_EQ(order_saga::compensations(cancelled), (std::vector<std::string>{"SKU-A", "SKU-B"}));
  EXPECT_TRUE(std::holds_alternative<inventory::restore>(order_saga::compensation_command(cancelled, due)));
  expect_state_round_trip<A>(s);
  expect_event_round_trip<A>({order_confirmed{T, due}, order_confirmed{T}});
}

TEST(OrderDecide, PaymentStatusCancelRefund) {
  const record_payment approve{true, "pay-1", eur(1250), "", T};
  run_cases<A>({
      accepts<A>("pay", confirmed(), approve, {order_paid{"pay-1", eur(1250), T}}),
      accepts<A>("pay repeated", paid(), approve, {}),
      accepts<A>("decline stays confirmed", confirmed(), record_payment{false, "pay-0", eur(1250), "card declined", T},
                 {payment_declined{"pay-0", "card declined", T}}),
      accepts<A>("decline repeated", with(confirmed(), {payment_declined{"pay-0", "card declined", T}}),
                 record_payment{false, "pay-0", eur(1250), "card declined", T}, {}),
      accepts<A>("pay after a decline", with(confirmed(), {payment_declined{"pay-0", "x", T}}), approve,
                 {order_paid{"pay-1", eur(1250), T}}),
      rejects<A>("pay wrong amount", confirmed(), record_payment{true, "pay-1", eur(1249), "", T},
                 domain_errc::invalid_argument, "amount"),
      rejects<A>("pay wrong currency", confirmed(), record_payment{true, "pay-1", money{1250, "USD"}, "", T},
                 domain_errc::invalid_argument, "amount"),
      rejects<A>("pay pending", pending(), approve, domain_errc::illegal_transition, "", "from pending to paid"),
      rejects<A>("pay twice with another id", paid(), record_payment{true, "pay-2", eur(1250), "", T},
                 domain_errc::illegal_transition, "", "from paid to paid"),
      rejects<A>("pay without id", confirmed(), record_payment{true, "", eur(1250), "", T},
                 domain_errc::invalid_argument, "payment_id"),
      accepts<A>("processing", paid(), change_status{status::processing, T},
                 {order_status_changed{status::paid, status::processing, T}}),
      accepts<A>("shipped", processing(), change_status{status::shipped, T},
                 {order_status_changed{status::processing, status::shipped, T}}),
      accepts<A>("delivered", shipped(), change_status{status::delivered, T},
                 {order_status_changed{status::shipped, status::delivered, T}}),
      accepts<A>("same status", shipped(), change_status{status::shipped, T}, {}),
      rejects<A>("skip processing", paid(), change_status{status::shipped, T}, domain_errc::illegal_transition,
                 "", "from paid to shipped"),
      rejects<A>("process unpaid", confirmed(), change_status{status::processing, T},
                 domain_errc::illegal_transition, "", "from confirmed to processing"),
      rejects<A>("back to processing", shipped(), change_status{status::processing, T},
                 domain_errc::illegal_transition, "", "from shipped to processing"),
      rejects<A>("status to cancelled", paid(), change_status{status::cancelled, T},
                 domain_errc::illegal_transition, "", "from paid to cancelled"),
      rejects<A>("status of unknown order", {}, change_status{status::processing, T}, domain_errc::not_found),
      accepts<A>("cancel pending", pending(), cancel{"changed mind", T},
                 {order_cancelled{"changed mind", status::pending, T}}),
      accepts<A>("cancel confirmed", confirmed(), cancel{"x", T}, {order_cancelled{"x", status::confirmed, T}}),
      accepts<A>("cancel paid", paid(), cancel{"x", T}, {order_cancelled{"x", status::paid, T}}),
      accepts<A>("cancel processing", processing(), cancel{"x", T},
                 {order_cancelled{"x", status::processing, T}}),
      accepts<A>("cancel twice", cancelled_paid(), cancel{"x", T}, {}),
      rejects<A>("cancel shipped", shipped(), cancel{"x", T}, domain_errc::illegal_transition, "",
                 "from shipped to cancelled"),
      rejects<A>("cancel delivered", delivered(), cancel{"x", T}, domain_errc::illegal_transition, "",
                 "from delivered to cancelled"),
      rejects<A>("cancel rejected", rejected(), cancel{"x", T}, domain_errc::illegal_transition, "",
                 "from rejected to cancelled"),
      accepts<A>("refund", cancelled_paid(), record_refund{"r1", eur(1250), T}, {refund_recorded{"r1", eur(1250), T}}),
      accepts<A>("refund repeated", with(cancelled_paid(), {refund_recorded{"r1", eur(1250), T}}),
                 record_refund{"r1", eur(1250), T}, {}),
      accepts<A>("partial refunds", with(cancelled_paid(), {refund_recorded{"r1", eur(1000), T}}),
                 record_refund{"r2", eur(250), T}, {refund_recorded{"r2", eur(250), T}}),
      rejects<A>("refund more than paid", with(cancelled_paid(), {refund_recorded{"r1", eur(1000), T}}),
                 record_refund{"r2", eur(251), T}, domain_errc::invalid_argument, "amount"),
      rejects<A>("refund zero", cancelled_paid(), record_refund{"r1", eur(0), T}, domain_errc::invalid_argument,
                 "amount"),
      rejects<A>("refund wrong currency", cancelled_paid(), record_refund{"r1", money{1, "USD"}, T},
                 domain_errc::invalid_argument, "amount.currency"),
      rejects<A>("refund paid but not cancelled", paid(), record_refund{"r1", eur(1), T},
                 domain_errc::illegal_transition),
      rejects<A>("refund cancelled unpaid", with(pending(), {order_cancelled{"x", status::pending, T}}),
                 record_refund{"r1", eur(1), T}, domain_errc::illegal_transition),
  });
}

TEST(OrderState, HistoryAndLineStatus) {
  auto s = fold<A>(with(paid(), {order_cancelled{"x", status::paid, T + sec}}));
  EXPECT_EQ(s.current, status::cancelled);
  ASSERT_EQ(s.history.size(), 4u);
  EXPECT_EQ(s.history[0].to, status::pending);
  EXPECT_EQ(s.history[1].to, status::confirmed);
  EXPECT_EQ(s.history[2].to, status::paid);
  EXPECT_EQ(s.history[3].to, status::cancelled);
  EXPECT_EQ(s.created_at, T);
  EXPECT_EQ(s.updated_at, T + sec);
  EXPECT_EQ(s.total, eur(1250));
  EXPECT_EQ(s.lines[0].reservation, line_status::reserved);
  auto r = fold<A>(rejected());
  EXPECT_EQ(r.lines[1].reservation, line_status::failed);
  EXPECT_EQ(r.lines[1].failure_reason, "no stock");
  for (auto st : {status::pending, status::confirmed, status::rejected, status::paid, status::processing,
                  status::shipped, status::delivered, status::cancelled}) {
    EXPECT_EQ(parse_status(to_string(st)), st);
  }
  EXPECT_STREQ(to_string(status::processing), "processing");
  EXPECT_FALSE(parse_status("lost").has_value());
}

// The policy table: which status can be paid, cancelled, or take a
// fulfilment step, for every status; and decide agrees with it.
TEST(OrderPolicy, WhatEachStatusAllows) {
  struct row {
    status st;
    evs history;
    bool pay, cancel;
    std::optional<status> next;  // the one fulfilment step allowed from here
  };
  const std::vector<row> table = {
      {status::pending, pending(), false, true, std::nullopt},
      {status::confirmed, confirmed(), true, true, std::nullopt},
      {status::rejected, rejected(), false, false, std::nullopt},
      {status::paid, paid(), false, true, status::processing},
      {status::processing, processing(), false, true, status::shipped},
      {status::shipped, shipped(), false, false, status::delivered},
      {status::delivered, delivered(), false, false, std::nullopt},
      {status::cancelled, cancelled_paid(), false, false, std::nullopt},
  };
  const std::vector<status> all = {status::pending, status::confirmed, status::rejected, status::paid,
                                   status::processing, status::shipped, status::delivered, status::cancelled};
  ASSERT_EQ(table.size(), all.size());
  for (const auto& r : table) {
    SCOPED_TRACE(to_string(r.st));
    EXPECT_EQ(can_pay(r.st), r.pay);
    EXPECT_EQ(can_cancel(r.st), r.cancel);
    for (auto to : all) EXPECT_EQ(next_status_allowed(r.st, to), r.next == to) << "to " << to_string(to);

    // decide says the same thing.
    const auto s = fold<A>(r.history);
    ASSERT_EQ(s.current, r.st);
    auto cancelled = decide(s, cancel{"why", T});
    EXPECT_EQ(cancelled.has_value() && !cancelled->empty(), r.cancel);
    if (!r.cancel && r.st != status::cancelled) {
      ASSERT_FALSE(cancelled.has_value());
      EXPECT_EQ(cancelled.error().code, domain_errc::illegal_transition);
    }
    auto payment = decide(s, record_payment{true, "pay-9", s.total, "", T});
    EXPECT_EQ(payment.has_value(), r.pay) << (payment ? "" : payment.error().message);
    EXPECT_EQ(!payment_refusal(s, T).has_value(), r.pay);
    for (auto to : {status::processing, status::shipped, status::delivered}) {
      if (to == r.st) continue;  // a repeat records nothing
      EXPECT_EQ(decide(s, change_status{to, T}).has_value(), r.next == to) << "to " << to_string(to);
    }
  }
}

// What the actor asks before charging: the probe's answers, without a probe.
TEST(OrderPolicy, PaymentRefusal) {
  const timestamp_us due = T + 600 * sec;
  const evs due_confirmed =
      with(pending(), {line_reserved{"SKU-A", T}, line_reserved{"SKU-B", T}, order_confirmed{T, due}});
  EXPECT_FALSE(payment_refusal(fold<A>(confirmed()), T).has_value());
  EXPECT_FALSE(payment_refusal(fold<A>(due_confirmed), due - 1).has_value());

  auto missing = payment_refusal(order::state{}, T);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->code, domain_errc::not_found);

  auto overdue = payment_refusal(fold<A>(due_confirmed), due);
  ASSERT_TRUE(overdue.has_value());
  EXPECT_EQ(overdue->code, domain_errc::expired);
  EXPECT_NE(overdue->message.find("payment deadline"), std::string::npos) << overdue->message;

  auto twice = payment_refusal(fold<A>(paid()), T);
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(twice->code, domain_errc::illegal_transition);
  // The same words record_payment would answer with.
  auto decided = decide(fold<A>(paid()), record_payment{true, "pay-9", eur(1250), "", T});
  ASSERT_FALSE(decided.has_value());
  EXPECT_EQ(twice->message, decided.error().message);
  EXPECT_EQ(twice->message, "cannot record a payment: illegal transition from paid to paid");
}

TEST(OrderSaga, WhatTheActorKeepsDoing) {
  EXPECT_TRUE(order_saga::collecting_outcomes(fold<A>(pending())));
  EXPECT_TRUE(order_saga::collecting_outcomes(fold<A>(with(pending(), {line_reserved{"SKU-A", T}}))));
  EXPECT_FALSE(order_saga::collecting_outcomes(order::state{}));
  EXPECT_FALSE(order_saga::collecting_outcomes(fold<A>(confirmed())));
  EXPECT_FALSE(order_saga::collecting_outcomes(fold<A>(rejected())));

  EXPECT_EQ(order_saga::refund_due(fold<A>(cancelled_paid())), 1250);
  EXPECT_EQ(order_saga::refund_due(fold<A>(with(cancelled_paid(), {refund_recorded{"r1", eur(250), T}}))), 1000);
  EXPECT_EQ(order_saga::refund_due(fold<A>(with(cancelled_paid(), {refund_recorded{"r1", eur(1250), T}}))), 0);
  EXPECT_EQ(order_saga::refund_due(fold<A>(paid())), 0) << "paid, not cancelled";
  EXPECT_EQ(order_saga::refund_due(fold<A>(with(confirmed(), {order_cancelled{"", status::confirmed, T}}))), 0)
      << "cancelled, never paid";

  EXPECT_TRUE(order_saga::commits_reservations(order_status_changed{status::processing, status::shipped, T}));
  EXPECT_FALSE(order_saga::commits_reservations(order_status_changed{status::paid, status::processing, T}));
  EXPECT_FALSE(order_saga::commits_reservations(order_status_changed{status::shipped, status::delivered, T}));
  EXPECT_FALSE(order_saga::commits_reservations(order_paid{"pay-1", eur(1250), T}));
}

TEST(OrderSaga, PendingReservationsAreTheLinesWithoutOutcome) {
  auto s = fold<A>(pending());
  auto reqs = order_saga::pending_reservations(s);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].order_id, "o1");
  EXPECT_EQ(reqs[0].sku, "SKU-A");
  EXPECT_EQ(reqs[0].quantity, 2);
  EXPECT_EQ(reqs[0].from_cart_id, std::optional<std::string>("c1"));
  // Resumed after a crash with one outcome in: only the other line is asked again.
  s = fold<A>(with(pending(), {line_reservation_failed{"SKU-A", "no stock", T}}));
  reqs = order_saga::pending_reservations(s);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].sku, "SKU-B");
  auto cmd = order_saga::reservation_command(reqs[0], T);
  ASSERT_TRUE(std::holds_alternative<inventory::reserve_for_order>(cmd));
  EXPECT_EQ(std::get<inventory::reserve_for_order>(cmd).quantity, 1);
  EXPECT_TRUE(order_saga::pending_reservations(fold<A>(confirmed())).empty());
  EXPECT_TRUE(order_saga::pending_reservations(fold<A>(with(pending(), {order_cancelled{"", status::pending, T}}))).empty());
  EXPECT_TRUE(order_saga::pending_reservations(order::state{}).empty());
}

TEST(OrderSaga, CompensationsReleaseOrRestoreEveryLineWithAnOutcome) {
  // A failed line is compensated too: its step may have timed out after the
  // item reserved (the release then finds the reservation, or leaves a tombstone).
  auto r = fold<A>(rejected());
  EXPECT_EQ(order_saga::compensations(r), (std::vector<std::string>{"SKU-A", "SKU-B"}));
  EXPECT_TRUE(std::holds_alternative<inventory::release_reservation>(order_saga::compensation_command(r, T)));
  auto c = fold<A>(cancelled_paid());
  EXPECT_EQ(order_saga::compensations(c), (std::vector<std::string>{"SKU-A", "SKU-B"}));
  EXPECT_TRUE(std::holds_alternative<inventory::restore>(order_saga::compensation_command(c, T)));
  // A reservation confirmed after the cancel still gets compensated.
  auto late = fold<A>(with(pending(), {order_cancelled{"", status::pending, T}, line_reserved{"SKU-B", T}}));
  EXPECT_EQ(order_saga::compensations(late), std::vector<std::string>{"SKU-B"});
  EXPECT_TRUE(order_saga::compensations(fold<A>(paid())).empty());
  EXPECT_TRUE(order_saga::compensations(fold<A>(pending())).empty());
}

// End to end through the pure functions: order + two inventory items.
TEST(OrderSaga, FlowAgainstInventory) {
  inventory::state a = fold<inventory_agg>({inventory::item_registered{"SKU-A", 5, 0, T}});
  inventory::state b = fold<inventory_agg>({inventory::item_registered{"SKU-B", 0, 0, T}});
  order::state o;
  auto apply_order = [&](const order::command& c) {
    auto d = order::decide(o, c);
    ASSERT_TRUE(d.has_value()) << d.error().message;
    for (const auto& e : d.value()) order::evolve(o, e);
  };
  apply_order(place_cmd());
  for (const auto& req : order_saga::pending_reservations(o)) {
    inventory::state& inv = req.sku == "SKU-A" ? a : b;
    auto d = inventory::decide(inv, order_saga::reservation_command(req, T));
    if (d.has_value()) {
      for (const auto& e : d.value()) inventory::evolve(inv, e);
      apply_order(record_line_reserved{req.sku, T});
    } else {
      EXPECT_EQ(d.error().code, domain_errc::insufficient_stock);
      apply_order(record_line_rejected{req.sku, d.error().message, T});
    }
  }
  EXPECT_EQ(o.current, status::rejected);
  EXPECT_EQ(a.reserved, 2);
  for (const auto& sku : order_saga::compensations(o)) {
    inventory::state& inv = sku == "SKU-A" ? a : b;
    auto d = inventory::decide(inv, order_saga::compensation_command(o, T));
    ASSERT_TRUE(d.has_value());
    for (const auto& e : d.value()) inventory::evolve(inv, e);
    // Repeating the compensation is harmless.
    auto again = inventory::decide(inv, order_saga::compensation_command(o, T));
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again.value().empty());
  }
  EXPECT_EQ(a.reserved, 0);
  EXPECT_EQ(a.available(), 5);
}

}  // namespace
}  // namespace agora::domain::testing
