#include "actors/domain/order.hpp"

#include "actors/domain/detail/aggregate_glue.hpp"

#include <algorithm>
#include <set>

#include "actors/domain/detail/json_codec.hpp"
#include "actors/domain/detail/try.hpp"
#include "actors/domain/validation.hpp"

namespace agora::domain::order {

namespace {

using result = decision<event>;

result fail(domain_errc code, std::string message, std::string field = {}) {
  return agora::unexpected{make_error(code, std::move(message), std::move(field))};
}

result none() { return std::vector<event>{}; }

result illegal(status from, status to, std::string_view what) {
  return fail(domain_errc::illegal_transition,
              std::string("cannot ") + std::string(what) + ": illegal transition from " +
                  to_string(from) + " to " + to_string(to));
}

result require_exists(const state& s) {
  if (!s.exists) return fail(domain_errc::not_found, "order not found");
  return none();
}

result decide_cmd(const state& s, const place& c) {
  if (s.exists) {
    return fail(domain_errc::already_exists, "order " + s.order_id + " already exists", "order_id");
  }
  AGORA_DOMAIN_TRY(validate_id(c.order_id, "order_id"));
  AGORA_DOMAIN_TRY(validate_id(c.customer_id, "customer_id"));
  if (c.cart_id) AGORA_DOMAIN_TRY(validate_id(*c.cart_id, "cart_id"));
  if (!is_valid_currency(c.currency)) {
    return fail(domain_errc::invalid_argument,
                "currency must be 3 upper-case letters (ISO 4217), got '" + c.currency + "'",
                "currency");
  }
  if (c.lines.empty()) return fail(domain_errc::invalid_argument, "an order needs at least one line", "lines");
  if (c.lines.size() > max_lines) {
    return fail(domain_errc::limit_exceeded,
                "an order has at most " + std::to_string(max_lines) + " lines", "lines");
  }
  money total{0, c.currency};
  std::set<std::string_view> seen;
  for (std::size_t n = 0; n < c.lines.size(); ++n) {
    const auto& l = c.lines[n];
    const std::string p = "lines[" + std::to_string(n) + "]";
    AGORA_DOMAIN_TRY(validate_sku(l.sku, p + ".sku"));
    if (!seen.insert(l.sku).second) {
      return fail(domain_errc::invalid_argument, "duplicate sku " + l.sku + " in order lines",
                  p + ".sku");
    }
    AGORA_DOMAIN_TRY(validate_range(l.quantity, 1, max_line_quantity, p + ".quantity"));
    AGORA_DOMAIN_TRY(validate_money(l.unit_price, p + ".unit_price", max_unit_price));
    if (l.unit_price.currency != c.currency) {
      return fail(domain_errc::invalid_argument,
                  "line priced in " + l.unit_price.currency + " but the order is in " + c.currency,
                  p + ".unit_price.currency");
    }
    auto line_total = multiply(l.unit_price, l.quantity, p + ".quantity");
    if (!line_total) return agora::unexpected{std::move(line_total).error()};
    auto sum = add(total, *line_total, "lines");
    if (!sum) return agora::unexpected{std::move(sum).error()};
    total = std::move(*sum);
  }
  return std::vector<event>{
      order_placed{c.order_id, c.customer_id, c.cart_id, c.currency, c.lines, total, c.now}};
}

// Appends OrderConfirmed / OrderRejected when `outcome` is the last line outcome
// of a pending order.
result record_outcome(const state& s, std::string_view sku, event outcome, timestamp_us now,
                      timestamp_us payment_window = 0) {
  AGORA_DOMAIN_TRY(require_exists(s));
  const order_line* line = s.find_line(sku);
  if (line == nullptr) {
    return fail(domain_errc::not_found, "order " + s.order_id + " has no line for sku " + std::string(sku), "sku");
  }
  const line_status wanted = std::holds_alternative<line_reserved>(outcome) ? line_status::reserved
                                                                           : line_status::failed;
  if (line->reservation == wanted) return none();  // a repeated message
  if (line->reservation != line_status::pending) {
    return fail(domain_errc::conflict,
                std::string("line ") + std::string(sku) + " is already " + to_string(line->reservation) +
                    ", cannot record it as " + to_string(wanted),
                "sku");
  }
  if (s.current == status::cancelled) return std::vector<event>{std::move(outcome)};
  if (s.current != status::pending) {
    return fail(domain_errc::illegal_transition,
                std::string("cannot record a line outcome: order is ") + to_string(s.current));
  }
  std::vector<event> events{std::move(outcome)};
  bool all_in = true;
  std::vector<line_rejection> reasons;
  for (const auto& l : s.lines) {
    line_status st = l.reservation;
    std::string reason = l.failure_reason;
    if (l.sku == sku) {
      st = wanted;
      if (const auto* f = std::get_if<line_reservation_failed>(&events.front())) reason = f->reason;
    }
    if (st == line_status::pending) all_in = false;
    if (st == line_status::failed) reasons.push_back(line_rejection{l.sku, reason});
  }
  if (all_in) {
    if (reasons.empty()) {
      order_confirmed confirmed{now, std::nullopt};
      if (payment_window > 0) confirmed.payment_due_at = now + payment_window;
      events.push_back(confirmed);
    } else {
      events.push_back(order_rejected{std::move(reasons), now});
    }
  }
  return events;
}

result decide_cmd(const state& s, const record_line_reserved& c) {
  if (c.payment_window < 0) {
    return fail(domain_errc::invalid_argument, "payment_window must be >= 0", "payment_window");
  }
  return record_outcome(s, c.sku, line_reserved{c.sku, c.now}, c.now, c.payment_window);
}

result decide_cmd(const state& s, const record_line_rejected& c) {
  AGORA_DOMAIN_TRY(validate_length(c.reason, 1, 500, "reason"));
  return record_outcome(s, c.sku, line_reservation_failed{c.sku, c.reason, c.now}, c.now);
}

result decide_cmd(const state& s, const record_payment& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  AGORA_DOMAIN_TRY(validate_id(c.payment_id, "payment_id"));
  if (c.approved && s.payment_id == c.payment_id) return none();  // gateway callback repeated
  if (!c.approved && std::find(s.declined_payment_ids.begin(), s.declined_payment_ids.end(),
                               c.payment_id) != s.declined_payment_ids.end()) {
    return none();
  }
  if (!can_pay(s.current)) {
    return illegal(s.current, c.approved ? status::paid : status::confirmed, "record a payment");
  }
  if (c.approved) {
    if (c.amount != s.total) {
      return fail(domain_errc::invalid_argument,
                  "payment of " + to_string(c.amount) + " does not match the order total " +
                      to_string(s.total),
                  "amount");
    }
    return std::vector<event>{order_paid{c.payment_id, c.amount, c.now}};
  }
  AGORA_DOMAIN_TRY(validate_length(c.reason, 0, 500, "reason"));
  return std::vector<event>{payment_declined{c.payment_id, c.reason, c.now}};
}

result decide_cmd(const state& s, const change_status& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  if (c.to == s.current) return none();
  if (!next_status_allowed(s.current, c.to)) return illegal(s.current, c.to, "change status");
  return std::vector<event>{order_status_changed{s.current, c.to, c.now}};
}

result decide_cmd(const state& s, const cancel& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  AGORA_DOMAIN_TRY(validate_length(c.reason, 0, 500, "reason"));
  if (s.current == status::cancelled) return none();
  if (!can_cancel(s.current)) return illegal(s.current, status::cancelled, "cancel");
  return std::vector<event>{order_cancelled{c.reason, s.current, c.now}};
}

result decide_cmd(const state& s, const record_refund& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  AGORA_DOMAIN_TRY(validate_id(c.refund_id, "refund_id"));
  if (std::find(s.refund_ids.begin(), s.refund_ids.end(), c.refund_id) != s.refund_ids.end()) {
    return none();
  }
  if (s.current != status::cancelled || !s.payment_id) {
    return fail(domain_errc::illegal_transition,
                std::string("cannot refund: only a cancelled, paid order is refunded (order is ") +
                    to_string(s.current) + (s.payment_id ? ")" : ", never paid)"));
  }
  AGORA_DOMAIN_TRY(validate_money(c.amount, "amount"));
  if (c.amount.currency != s.currency) {
    return fail(domain_errc::invalid_argument, "refund must be in " + s.currency, "amount.currency");
  }
  if (c.amount.minor <= 0 || c.amount.minor > s.paid.minor - s.refunded_minor) {
    return fail(domain_errc::invalid_argument,
                "refund must be positive and at most the unrefunded amount " +
                    std::to_string(s.paid.minor - s.refunded_minor),
                "amount");
  }
  return std::vector<event>{refund_recorded{c.refund_id, c.amount, c.now}};
}

result decide_cmd(const state& s, const expire_payment& c) {
  AGORA_DOMAIN_TRY(require_exists(s));
  if (!s.payment_overdue_at(c.now)) return none();
  return std::vector<event>{order_cancelled{std::string(payment_deadline_reason), s.current, c.now}};
}

void enter(state& s, status to, timestamp_us at) {
  s.current = to;
  s.history.push_back(status_change{to, at});
}

order_line* line_of(state& s, const std::string& sku) {
  for (auto& l : s.lines) {
    if (l.sku == sku) return &l;
  }
  return nullptr;
}

void evolve_one(state& s, const order_placed& e) {
  s.exists = true;
  s.order_id = e.order_id;
  s.customer_id = e.customer_id;
  s.cart_id = e.cart_id;
  s.currency = e.currency;
  s.lines.clear();
  for (const auto& l : e.lines) s.lines.push_back(order_line{l.sku, l.quantity, l.unit_price, line_status::pending, {}});
  s.total = e.total;
  s.paid = money{0, e.currency};
  s.created_at = e.at;
  enter(s, status::pending, e.at);
}
void evolve_one(state& s, const line_reserved& e) {
  if (auto* l = line_of(s, e.sku)) l->reservation = line_status::reserved;
}
void evolve_one(state& s, const line_reservation_failed& e) {
  if (auto* l = line_of(s, e.sku)) {
    l->reservation = line_status::failed;
    l->failure_reason = e.reason;
  }
}
void evolve_one(state& s, const order_confirmed& e) {
  s.payment_due_at = e.payment_due_at;
  enter(s, status::confirmed, e.at);
}
void evolve_one(state& s, const order_rejected& e) {
  s.rejection_reasons = e.reasons;
  enter(s, status::rejected, e.at);
}
void evolve_one(state& s, const order_paid& e) {
  s.payment_id = e.payment_id;
  s.paid = e.amount;
  enter(s, status::paid, e.at);
}
void evolve_one(state& s, const payment_declined& e) { s.declined_payment_ids.push_back(e.payment_id); }
void evolve_one(state& s, const order_status_changed& e) { enter(s, e.to, e.at); }
void evolve_one(state& s, const order_cancelled& e) {
  s.cancel_reason = e.reason;
  enter(s, status::cancelled, e.at);
}
void evolve_one(state& s, const refund_recorded& e) {
  s.refund_ids.push_back(e.refund_id);
  s.refunded_minor += e.amount.minor;
}

// ---- codec ------------------------------------------------------------------

constexpr std::string_view name_of(const order_placed&) { return "OrderPlaced"; }
constexpr std::string_view name_of(const line_reserved&) { return "LineReserved"; }
constexpr std::string_view name_of(const line_reservation_failed&) { return "LineReservationFailed"; }
constexpr std::string_view name_of(const order_confirmed&) { return "OrderConfirmed"; }
constexpr std::string_view name_of(const order_rejected&) { return "OrderRejected"; }
constexpr std::string_view name_of(const order_paid&) { return "OrderPaid"; }
constexpr std::string_view name_of(const payment_declined&) { return "PaymentDeclined"; }
constexpr std::string_view name_of(const order_status_changed&) { return "OrderStatusChanged"; }
constexpr std::string_view name_of(const order_cancelled&) { return "OrderCancelled"; }
constexpr std::string_view name_of(const refund_recorded&) { return "RefundRecorded"; }

void write_rejections(json_writer& w, std::string_view key, const std::vector<line_rejection>& v) {
  w.key(key).begin_array();
  for (const auto& r : v) {
    w.begin_object().key("sku").value(r.sku).key("reason").value(r.reason).end_object();
  }
  w.end_array();
}

std::vector<line_rejection> read_rejections(detail::reader& r, std::string_view key) {
  std::vector<line_rejection> out;
  r.objects(key, [&](detail::reader& m) {
    line_rejection x;
    x.sku = m.str("sku");
    x.reason = m.str("reason");
    out.push_back(std::move(x));
  });
  return out;
}

void write_opt(json_writer& w, std::string_view key, const std::optional<std::string>& v) {
  w.key(key);
  if (v) {
    w.value(*v);
  } else {
    w.null();
  }
}

void write(json_writer& w, const order_placed& e) {
  w.key("order_id").value(e.order_id).key("customer_id").value(e.customer_id);
  write_opt(w, "cart_id", e.cart_id);
  w.key("currency").value(e.currency);
  w.key("lines").begin_array();
  for (const auto& l : e.lines) {
    w.begin_object().key("sku").value(l.sku).key("quantity").value(l.quantity);
    detail::write_money(w, "unit_price", l.unit_price);
    w.end_object();
  }
  w.end_array();
  detail::write_money(w, "total", e.total);
}
void write(json_writer& w, const line_reserved& e) { w.key("sku").value(e.sku); }
void write(json_writer& w, const line_reservation_failed& e) {
  w.key("sku").value(e.sku).key("reason").value(e.reason);
}
void write(json_writer& w, const order_confirmed& e) {
  if (e.payment_due_at) w.key("payment_due_at").value(*e.payment_due_at);
}
void write(json_writer& w, const order_rejected& e) { write_rejections(w, "reasons", e.reasons); }
void write(json_writer& w, const order_paid& e) {
  w.key("payment_id").value(e.payment_id);
  detail::write_money(w, "amount", e.amount);
}
void write(json_writer& w, const payment_declined& e) {
  w.key("payment_id").value(e.payment_id).key("reason").value(e.reason);
}
void write(json_writer& w, const order_status_changed& e) {
  w.key("from").value(to_string(e.from)).key("to").value(to_string(e.to));
}
void write(json_writer& w, const order_cancelled& e) {
  w.key("reason").value(e.reason).key("from").value(to_string(e.from));
}
void write(json_writer& w, const refund_recorded& e) {
  w.key("refund_id").value(e.refund_id);
  detail::write_money(w, "amount", e.amount);
}

status read_status(detail::reader& r, std::string_view key) {
  std::string text = r.str(key);
  auto st = parse_status(text);
  if (r.ok() && !st) r.fail("field '" + std::string(key) + "' has unknown status '" + text + "'");
  return st.value_or(status::pending);
}

agora::expected<event, domain_error> decode_v1(std::string_view type, detail::reader& r) {
  const timestamp_us at = r.i64("at");
  if (type == "OrderPlaced") {
    order_placed e;
    e.order_id = r.str("order_id");
    e.customer_id = r.str("customer_id");
    e.cart_id = r.opt_str("cart_id");
    e.currency = r.str("currency");
    r.objects("lines", [&](detail::reader& m) {
      line_input l;
      l.sku = m.str("sku");
      l.quantity = m.i64("quantity");
      l.unit_price = m.money_of("unit_price");
      e.lines.push_back(std::move(l));
    });
    e.total = r.money_of("total");
    e.at = at;
    return r.finish<event>(std::move(e));
  }
  if (type == "LineReserved") return r.finish<event>(line_reserved{r.str("sku"), at});
  if (type == "LineReservationFailed") {
    line_reservation_failed e{r.str("sku"), r.str("reason"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "OrderConfirmed") return r.finish<event>(order_confirmed{at, r.opt_i64("payment_due_at")});
  if (type == "OrderRejected") return r.finish<event>(order_rejected{read_rejections(r, "reasons"), at});
  if (type == "OrderPaid") {
    order_paid e{r.str("payment_id"), r.money_of("amount"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "PaymentDeclined") {
    payment_declined e{r.str("payment_id"), r.str("reason"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "OrderStatusChanged") {
    order_status_changed e{read_status(r, "from"), read_status(r, "to"), at};
    return r.finish<event>(e);
  }
  if (type == "OrderCancelled") {
    order_cancelled e{r.str("reason"), read_status(r, "from"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "RefundRecorded") {
    refund_recorded e{r.str("refund_id"), r.money_of("amount"), at};
    return r.finish<event>(std::move(e));
  }
  return agora::unexpected{detail::unknown_event_type(kind, type)};
}

std::optional<line_status> parse_line_status(std::string_view s) {
  for (auto v : {line_status::pending, line_status::reserved, line_status::failed}) {
    if (s == to_string(v)) return v;
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(status s) noexcept {
  switch (s) {
    case status::pending: return "pending";
    case status::confirmed: return "confirmed";
    case status::rejected: return "rejected";
    case status::paid: return "paid";
    case status::processing: return "processing";
    case status::shipped: return "shipped";
    case status::delivered: return "delivered";
    case status::cancelled: return "cancelled";
  }
  return "unknown";
}

std::optional<status> parse_status(std::string_view s) noexcept {
  for (auto v : {status::pending, status::confirmed, status::rejected, status::paid,
                 status::processing, status::shipped, status::delivered, status::cancelled}) {
    if (s == to_string(v)) return v;
  }
  return std::nullopt;
}

const char* to_string(line_status s) noexcept {
  switch (s) {
    case line_status::pending: return "pending";
    case line_status::reserved: return "reserved";
    case line_status::failed: return "failed";
  }
  return "unknown";
}

bool can_pay(status s) noexcept { return s == status::confirmed; }

bool can_cancel(status s) noexcept {
  switch (s) {
    case status::pending:
    case status::confirmed:
    case status::paid:
    case status::processing:
      return true;
    case status::rejected:
    case status::shipped:
    case status::delivered:
    case status::cancelled:
      return false;
  }
  return false;
}

bool next_status_allowed(status from, status to) noexcept {
  return (from == status::paid && to == status::processing) ||
         (from == status::processing && to == status::shipped) ||
         (from == status::shipped && to == status::delivered);
}

std::optional<domain_error> payment_refusal(const state& s, timestamp_us now) {
  if (!s.exists) return make_error(domain_errc::not_found, "order not found");
  // Not charged once the deadline has come, even if the actor's timer has not
  // run yet: the order is about to be cancelled and its stock released.
  if (s.payment_overdue_at(now)) {
    return make_error(domain_errc::expired,
                      "the payment deadline of this order has passed; it is being cancelled and its stock released");
  }
  if (!can_pay(s.current)) return illegal(s.current, status::paid, "record a payment").error();
  return std::nullopt;
}

const order_line* state::find_line(std::string_view sku) const noexcept {
  for (const auto& l : lines) {
    if (l.sku == sku) return &l;
  }
  return nullptr;
}

bool state::payment_overdue_at(timestamp_us now) const noexcept {
  return exists && current == status::confirmed && payment_due_at && now >= *payment_due_at;
}

std::optional<timestamp_us> state::pending_payment_deadline() const noexcept {
  if (exists && current == status::confirmed) return payment_due_at;
  return std::nullopt;
}

bool state::all_outcomes_in() const noexcept {
  return std::all_of(lines.begin(), lines.end(),
                     [](const order_line& l) { return l.reservation != line_status::pending; });
}

AGORA_DOMAIN_AGGREGATE_GLUE()

std::string encode_state(const state& s) {
  json_writer w;
  w.begin_object();
  w.key("v").value(state_schema_version);
  w.key("exists").value(s.exists);
  w.key("order_id").value(s.order_id);
  w.key("customer_id").value(s.customer_id);
  write_opt(w, "cart_id", s.cart_id);
  w.key("currency").value(s.currency);
  w.key("lines").begin_array();
  for (const auto& l : s.lines) {
    w.begin_object().key("sku").value(l.sku).key("quantity").value(l.quantity);
    detail::write_money(w, "unit_price", l.unit_price);
    w.key("reservation").value(to_string(l.reservation));
    w.key("failure_reason").value(l.failure_reason);
    w.end_object();
  }
  w.end_array();
  detail::write_money(w, "total", s.total);
  w.key("status").value(to_string(s.current));
  w.key("history").begin_array();
  for (const auto& h : s.history) {
    w.begin_object().key("status").value(to_string(h.to)).key("at").value(h.at).end_object();
  }
  w.end_array();
  write_rejections(w, "rejection_reasons", s.rejection_reasons);
  write_opt(w, "payment_id", s.payment_id);
  detail::write_money(w, "paid", s.paid);
  detail::write_strings(w, "declined_payment_ids", s.declined_payment_ids);
  detail::write_strings(w, "refund_ids", s.refund_ids);
  w.key("refunded_minor").value(s.refunded_minor);
  w.key("cancel_reason").value(s.cancel_reason);
  w.key("payment_due_at");
  if (s.payment_due_at) {
    w.value(*s.payment_due_at);
  } else {
    w.null();
  }
  w.key("created_at").value(s.created_at);
  w.key("updated_at").value(s.updated_at);
  w.end_object();
  return std::move(w).take();
}

agora::expected<state, domain_error> decode_state(std::string_view json) {
  auto root = detail::parse_object(json, "order state");
  if (!root) return agora::unexpected{std::move(root).error()};
  detail::reader r(*root, "order state");
  if (auto v = r.i64("v"); r.ok() && v != state_schema_version) {
    return agora::unexpected{detail::unsupported_version("order state", static_cast<std::uint32_t>(v))};
  }
  state s;
  s.exists = r.boolean("exists");
  s.order_id = r.str("order_id");
  s.customer_id = r.str("customer_id");
  s.cart_id = r.opt_str("cart_id");
  s.currency = r.str("currency");
  r.objects("lines", [&](detail::reader& m) {
    order_line l;
    l.sku = m.str("sku");
    l.quantity = m.i64("quantity");
    l.unit_price = m.money_of("unit_price");
    const std::string st = m.str("reservation");
    auto parsed = parse_line_status(st);
    if (m.ok() && !parsed) m.fail("unknown line reservation status '" + st + "'");
    l.reservation = parsed.value_or(line_status::pending);
    l.failure_reason = m.str("failure_reason");
    s.lines.push_back(std::move(l));
  });
  s.total = r.money_of("total");
  s.current = read_status(r, "status");
  r.objects("history", [&](detail::reader& m) {
    status_change h;
    h.to = read_status(m, "status");
    h.at = m.i64("at");
    s.history.push_back(h);
  });
  s.rejection_reasons = read_rejections(r, "rejection_reasons");
  s.payment_id = r.opt_str("payment_id");
  s.paid = r.money_of("paid");
  s.declined_payment_ids = r.str_array("declined_payment_ids");
  s.refund_ids = r.str_array("refund_ids");
  s.refunded_minor = r.i64("refunded_minor");
  s.cancel_reason = r.str("cancel_reason");
  s.payment_due_at = r.opt_i64("payment_due_at");
  s.created_at = r.i64("created_at");
  s.updated_at = r.i64("updated_at");
  return r.finish<state>(std::move(s));
}

}  // namespace agora::domain::order
