// The orders: the model that folds order events into order views and the
// newest-first indexes, and the snapshot queries over them.

#include <algorithm>

#include "projections/src/orders_model.hpp"
#include "projections/src/text.hpp"

namespace agora::projections {

namespace {

// Inverting the position makes ascending key order newest first.
std::string order_key(eventstore::log_position placed) { return detail::fixed_hex(~placed); }

std::size_t clamp_limit(std::size_t limit) {
  return std::min(std::max<std::size_t>(limit, 1), max_page_size);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// One page of `index` under `prefix`, after the cursor (an order key); the
// views come from `by_id`.
page<std::shared_ptr<const order_view>> page_of(const orders_snapshot::state& st,
                                                const detail::cow_map<std::string, orders_snapshot::state::order_ref>& index,
                                                const std::string& prefix, const order_query& q) {
  page<std::shared_ptr<const order_view>> out;
  const std::size_t limit = clamp_limit(q.limit);
  std::string after;
  // A cursor is an order key: 16 hex digits. Anything else starts at the top.
  if (q.cursor.size() == 16 && detail::hex_decode(q.cursor)) after = q.cursor;
  const std::string from = prefix + after;
  bool more = false;
  index.scan_up(&from, [&](const std::string& key, const orders_snapshot::state::order_ref& id) {
    if (!starts_with(key, prefix)) return false;
    if (!after.empty() && std::string_view(key).substr(prefix.size()) == after) return true;
    if (out.items.size() == limit) {
      more = true;
      return false;
    }
    // Written in the same batch as the index entry, so always there.
    if (const auto* o = st.by_id.find(*id)) out.items.push_back(*o);
    return true;
  });
  if (more && !out.items.empty()) out.next_cursor = order_key(out.items.back()->placed_position);
  return out;
}

}  // namespace

orders_snapshot::orders_snapshot(std::shared_ptr<const state> s) noexcept : s_(std::move(s)) {}

eventstore::log_position orders_snapshot::position() const noexcept { return s_->position; }

std::shared_ptr<const order_view> orders_snapshot::order(std::string_view order_id) const {
  const auto* o = s_->by_id.find(std::string(order_id));
  return o == nullptr ? nullptr : *o;
}

page<std::shared_ptr<const order_view>> orders_snapshot::by_customer(std::string_view customer_id,
                                                                     const order_query& q) const {
  std::string prefix(customer_id);
  prefix.push_back('\0');
  if (q.status.empty()) return page_of(*s_, s_->by_customer, prefix, q);
  return page_of(*s_, s_->by_customer_status, prefix + q.status + '\0', q);
}

page<std::shared_ptr<const order_view>> orders_snapshot::all(const order_query& q) const {
  if (q.status.empty()) return page_of(*s_, s_->all, std::string(), q);
  return page_of(*s_, s_->by_status, q.status + '\0', q);
}

std::size_t orders_snapshot::count() const noexcept { return s_->by_id.size(); }

namespace detail {

orders_model::orders_model(std::shared_ptr<const orders_snapshot>* slot) : slot_(slot) {}

const std::string* orders_model::customer_of(const std::string& order_id) const {
  const auto* o = st_.by_id.find(order_id);
  return o == nullptr ? nullptr : &(*o)->customer_id;
}

void orders_model::publish(eventstore::log_position position) {
  st_.position = position;
  std::atomic_store(slot_, std::make_shared<const orders_snapshot>(
                               std::make_shared<const orders_snapshot::state>(st_)));
}

void orders_model::put(const std::shared_ptr<const order_view>& old,
                       std::shared_ptr<const order_view> next) {
  const bool placed = old == nullptr;
  const bool moved = !placed && old->status != next->status;
  if (placed || moved) {
    const std::string key = order_key(next->placed_position);
    const std::string cust = next->customer_id + '\0';
    // The id string shared by the four index entries of this order.
    orders_snapshot::state::order_ref id;
    if (placed) {
      id = std::make_shared<const std::string>(next->id);
      st_.all.put(key, id);
      st_.by_customer.put(cust + key, id);
    } else {
      const std::string old_status_key = old->status + '\0' + key;
      if (const auto* ref = st_.by_status.find(old_status_key)) id = *ref;
      if (!id) id = std::make_shared<const std::string>(next->id);
      st_.by_status.erase(old_status_key);
      st_.by_customer_status.erase(cust + old->status + '\0' + key);
    }
    st_.by_status.put(next->status + '\0' + key, id);
    st_.by_customer_status.put(cust + next->status + '\0' + key, std::move(id));
  }
  const std::string id = next->id;
  st_.by_id.put(id, std::move(next));
}

void orders_model::apply(const decoded_event& e) {
  namespace od = domain::order;
  const auto* ev = std::get_if<od::event>(&e.event);
  if (ev == nullptr) return;
  const std::string id(e.id);
  const auto& v = *e.view;
  order_history_entry h{v.position, v.version, std::string(v.type), 0, std::string(v.data)};

  if (const auto* p = std::get_if<od::order_placed>(ev)) {
    if (st_.by_id.find(id) != nullptr) return;  // placed twice cannot happen; ignore
    auto o = std::make_shared<order_view>();
    o->id = id;
    o->customer_id = p->customer_id;
    o->status = od::to_string(od::status::pending);
    for (const auto& l : p->lines) o->items.push_back(order_item_view{l.sku, l.quantity, l.unit_price.minor});
    o->total = p->total.minor;
    o->currency = p->currency;
    o->version = v.version;
    o->placed_position = v.position;
    o->created_at = p->at;
    o->updated_at = p->at;
    h.at = p->at;
    o->history.push_back(std::move(h));
    put(nullptr, std::move(o));
    return;
  }

  const auto* cur = st_.by_id.find(id);
  if (cur == nullptr) return;  // events of an order never placed: nothing to show
  std::shared_ptr<const order_view> old = *cur;
  auto next = std::make_shared<order_view>(*old);
  next->version = v.version;
  timestamp_us at = 0;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        at = x.at;
        if constexpr (std::is_same_v<T, od::order_confirmed>) {
          next->status = od::to_string(od::status::confirmed);
          next->payment_due_at = x.payment_due_at;
        } else if constexpr (std::is_same_v<T, od::order_rejected>) {
          next->status = od::to_string(od::status::rejected);
          for (const auto& r : x.reasons) next->rejection_reasons.push_back({r.sku, r.reason});
        } else if constexpr (std::is_same_v<T, od::order_paid>) {
          next->status = od::to_string(od::status::paid);
          next->payment_due_at.reset();
        } else if constexpr (std::is_same_v<T, od::order_status_changed>) {
          next->status = od::to_string(x.to);
        } else if constexpr (std::is_same_v<T, od::order_cancelled>) {
          next->status = od::to_string(od::status::cancelled);
          next->cancel_reason = x.reason;
          next->payment_due_at.reset();
        } else if constexpr (std::is_same_v<T, od::refund_recorded>) {
          next->refunded += x.amount.minor;
        }
        // OrderPlaced is handled above; line outcomes and declined payments
        // change no field shown, only the history.
      },
      *ev);
  next->updated_at = at;
  h.at = at;
  next->history.push_back(std::move(h));
  put(old, std::move(next));
}

}  // namespace detail
}  // namespace agora::projections
