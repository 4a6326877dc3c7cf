// The orders: the model that folds order events into order views and the
// newest-first indexes on disk (layout: orders_model.hpp), and the snapshot
// queries over them.

#include <algorithm>
#include <vector>

#include "projections/src/codec.hpp"
#include "projections/src/orders_model.hpp"
#include "projections/src/text.hpp"

namespace agora::projections {

namespace {

// Inverting the position makes ascending key order newest first.
std::string order_key(eventstore::log_position placed) { return detail::fixed_hex(~placed); }

std::size_t clamp_limit(std::size_t limit) {
  return std::min(std::max<std::size_t>(limit, 1), max_page_size);
}

bool decode_head(const std::string& bytes, order_view& o) { return detail::decode_order_head(bytes, o); }

std::string head_key(std::string_view id) {
  std::string k("o");
  k.append(id);
  return k;
}

std::string history_prefix(std::string_view id) {
  std::string k("h");
  k.append(id);
  k.push_back('\0');
  return k;
}

// One page of the index under `prefix` ('a', 's', 'c' or 'd' and what
// follows), after the cursor (an order key); the orders come without history.
page<std::shared_ptr<const order_view>> page_of(const orders_snapshot::state& st, const std::string& prefix,
                                                const order_query& q) {
  page<std::shared_ptr<const order_view>> out;
  if (!st.view) return out;
  const std::size_t limit = clamp_limit(q.limit);
  std::string after;
  // A cursor is an order key: 16 hex digits. Anything else starts at the top.
  if (q.cursor.size() == 16 && detail::hex_decode(q.cursor)) after = q.cursor;
  const std::string from = prefix + after;
  bool more = false;
  std::vector<std::string> heads;
  auto it = st.view->iterator();
  for (it->Seek(from); it->Valid(); it->Next()) {
    const auto key = it->key();
    if (!key.starts_with(prefix)) break;
    if (!after.empty() && std::string_view(key.data() + prefix.size(), key.size() - prefix.size()) == after) continue;
    if (heads.size() == limit) {
      more = true;
      break;
    }
    heads.push_back(head_key(std::string_view(it->value().data(), it->value().size())));
  }
  // The orders of a page are spread over the years: looked up together.
  // Each is written in the same batch as its index entry, so always there.
  for (auto& bytes : st.view->multi_get(heads)) {
    auto o = std::make_shared<order_view>();
    if (bytes && decode_head(*bytes, *o)) out.items.push_back(std::move(o));
  }
  if (more && !out.items.empty()) out.next_cursor = order_key(out.items.back()->placed_position);
  return out;
}

}  // namespace

orders_snapshot::orders_snapshot(std::shared_ptr<const state> s) noexcept : s_(std::move(s)) {}

eventstore::log_position orders_snapshot::position() const noexcept { return s_->position; }

std::shared_ptr<const order_view> orders_snapshot::order(std::string_view order_id) const {
  if (!s_->view || order_id.empty()) return nullptr;
  auto bytes = s_->view->get(head_key(order_id));
  if (!bytes) return nullptr;
  auto o = std::make_shared<order_view>();
  if (!decode_head(*bytes, *o)) return nullptr;
  const std::string prefix = history_prefix(order_id);
  auto it = s_->view->iterator();
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    order_history_entry h;
    if (detail::decode_history_entry(std::string_view(it->value().data(), it->value().size()), h)) {
      o->history.push_back(std::move(h));
    }
  }
  return o;
}

page<std::shared_ptr<const order_view>> orders_snapshot::by_customer(std::string_view customer_id,
                                                                     const order_query& q) const {
  if (q.status.empty()) return page_of(*s_, "c" + std::string(customer_id) + '\0', q);
  return page_of(*s_, "d" + std::string(customer_id) + '\0' + q.status + '\0', q);
}

page<std::shared_ptr<const order_view>> orders_snapshot::all(const order_query& q) const {
  if (q.status.empty()) return page_of(*s_, "a", q);
  return page_of(*s_, "s" + q.status + '\0', q);
}

std::size_t orders_snapshot::count() const noexcept { return s_->count; }

namespace detail {

orders_model::orders_model(std::shared_ptr<const orders_snapshot>* slot, kv_writer store, std::size_t hot_orders)
    : slot_(slot), store_(std::move(store)), hot_(hot_orders) {}

agora::expected<void, std::string> orders_model::load() { return count_.load(store_); }

orders_model::head_ptr orders_model::find(const std::string& id) {
  if (auto d = dirty_.find(id); d != dirty_.end()) return d->second.next;
  if (auto f = inflight_.find(id); f != inflight_.end()) return f->second;
  if (auto* h = hot_.find(id)) return *h;
  auto bytes = store_.get(head_key(id));
  if (!bytes) return nullptr;
  auto o = std::make_shared<order_view>();
  if (!decode_head(*bytes, *o)) return nullptr;
  return hot_.put(id, std::move(o));
}

const std::string* orders_model::customer_of(const std::string& order_id) {
  auto o = find(order_id);
  // find() left it in dirty_ or hot_, which keep it alive until the next apply.
  return o == nullptr ? nullptr : &o->customer_id;
}

void orders_model::flush(rocksdb::WriteBatch& batch) {
  auto* f = store_.family().get();
  std::string bytes;
  inflight_.clear();
  // Index entries move once per flush, from the status on disk to the
  // latest: an order placed, confirmed and paid between two flushes writes
  // its index entries once.
  for (auto& [id, d] : dirty_) {
    const order_view& o = *d.next;
    const std::string key = order_key(o.placed_position);
    const std::string cust = o.customer_id + '\0';
    if (!d.on_disk) {
      batch.Put(f, "a" + key, id);
      batch.Put(f, "c" + cust + key, id);
    } else if (d.disk_status != o.status) {
      batch.Delete(f, "s" + d.disk_status + '\0' + key);
      batch.Delete(f, "d" + cust + d.disk_status + '\0' + key);
    }
    if (!d.on_disk || d.disk_status != o.status) {
      batch.Put(f, "s" + o.status + '\0' + key, id);
      batch.Put(f, "d" + cust + o.status + '\0' + key, id);
    }
    bytes.clear();
    encode_order_head(o, bytes);
    batch.Put(f, head_key(id), bytes);
    inflight_.emplace(id, d.next);
    hot_.put(id, std::move(d.next));
  }
  dirty_.clear();
  // In key order: RocksDB's memtable inserts a key next to the last one for
  // less than a random one costs (the skip list's search starts from the
  // last insert), and history entries are most of an orders batch. (Sorting
  // the heads and index entries too gained nothing: the sort on this thread
  // cost what the writer saved.)
  std::sort(history_.begin(), history_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [k, v] : history_) batch.Put(f, k, v);
  history_.clear();
  count_.flush(store_);
  store_.flush(batch);
}

void orders_model::publish(eventstore::log_position position, const snapshot_ptr& snap) {
  auto st = std::make_shared<orders_snapshot::state>();
  st->position = position;
  st->view = store_.view(snap);
  st->count = count_.value();
  std::atomic_store(slot_, std::make_shared<const orders_snapshot>(std::move(st)));
}

void orders_model::put(const head_ptr& old, head_ptr next) {
  auto d = dirty_.find(next->id);
  if (d == dirty_.end()) {
    // The first change since the last flush: what is on disk is `old`.
    dirty_entry e;
    e.on_disk = old != nullptr;
    if (old) e.disk_status = old->status;
    d = dirty_.emplace(next->id, std::move(e)).first;
  }
  if (old == nullptr) {
    count_.increment();
  }
  d->second.next = std::move(next);
}

void orders_model::put_history(const std::string& id, const order_history_entry& h) {
  std::string bytes;
  encode_history_entry(h, bytes);
  history_.emplace_back(history_prefix(id) + be64(h.version), std::move(bytes));
}

void orders_model::apply(const decoded_event& e) {
  namespace od = domain::order;
  const auto* ev = std::get_if<od::event>(&e.event);
  if (ev == nullptr) return;
  const std::string id(e.id);
  const auto& v = *e.view;
  order_history_entry h{v.position, v.version, std::string(v.type), 0, std::string(v.data)};

  if (const auto* p = std::get_if<od::order_placed>(ev)) {
    // Placed twice cannot happen (the aggregate refuses it); one still in
    // memory is ignored. No read of the disk for it: that is a miss for
    // every new order.
    if (dirty_.count(id) != 0 || inflight_.count(id) != 0 || hot_.find(id) != nullptr) return;
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
    put_history(id, h);
    put(nullptr, std::move(o));
    return;
  }

  head_ptr old = find(id);
  if (old == nullptr) return;  // events of an order never placed: nothing to show
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
  put_history(id, h);
  put(old, std::move(next));
}

}  // namespace detail
}  // namespace agora::projections
