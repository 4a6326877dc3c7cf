// The dashboard: order counts per status, revenue per currency, top products,
// and the catalogue and account totals.

#include <algorithm>

#include "projections/src/codec.hpp"
#include "projections/src/dashboard_model.hpp"

namespace agora::projections::detail {

namespace od = domain::order;

namespace {

// Statuses from which an order's units count as sold (until it is cancelled).
bool units_count_in(const std::string& status) {
  return status == od::to_string(od::status::confirmed) || status == od::to_string(od::status::paid) ||
         status == od::to_string(od::status::processing) ||
         status == od::to_string(od::status::shipped) ||
         status == od::to_string(od::status::delivered);
}

}  // namespace

dashboard_model::dashboard_model(std::shared_ptr<const dashboard_snapshot>* slot, kv_writer store,
                                 std::size_t hot_orders)
    : slot_(slot), store_(std::move(store)), hot_(hot_orders) {
  for (auto s : {od::status::pending, od::status::confirmed, od::status::rejected, od::status::paid,
                 od::status::processing, od::status::shipped, od::status::delivered,
                 od::status::cancelled}) {
    by_status_[od::to_string(s)] = 0;
  }
}

void dashboard_model::publish(eventstore::log_position position, const snapshot_ptr&) {
  auto d = std::make_shared<dashboard_snapshot>();
  d->position = position;
  d->orders_by_status = by_status_;
  d->total_orders = total_orders_;
  for (const auto& [currency, m] : revenue_) {
    d->revenue.push_back(revenue_view{currency, m.gross, m.refunded, m.gross - m.refunded});
  }
  std::size_t n = 0;
  for (auto it = ranking_.begin(); it != ranking_.end() && n < dashboard_top_products; ++it, ++n) {
    const auto& [units, sku] = *it;
    top_product_view t{sku, {}, {}, units};
    auto p = products_by_sku_.find(sku);
    if (p != products_by_sku_.end()) {
      t.product_id = p->second.id;
      t.name = p->second.name;
    }
    d->top_products.push_back(std::move(t));
  }
  d->low_stock_count = low_.size();
  d->total_products = active_products_;
  d->total_customers = customers_;
  std::atomic_store(slot_, std::shared_ptr<const dashboard_snapshot>(std::move(d)));
}

void dashboard_model::set_status(order_facts& o, std::string to) {
  if (o.status == to) return;
  if (!o.status.empty()) {
    --by_status_[o.status];
    dirty_status_.insert(o.status);
  }
  ++by_status_[to];
  dirty_status_.insert(to);
  o.status = std::move(to);
}

void dashboard_model::count_units(order_facts& o, std::int64_t sign) {
  for (const auto& [sku, qty] : o.lines) {
    auto& units = units_[sku];
    if (units > 0) ranking_.erase({units, sku});
    units += sign * qty;
    dirty_units_.insert(sku);
    if (units > 0) ranking_.insert({units, sku});
  }
  o.units_counted = sign > 0;
}

void dashboard_model::apply_order(const std::string& id, const od::event& ev) {
  if (const auto* p = std::get_if<od::order_placed>(&ev)) {
    // As in the orders model: a new order is not looked for on disk.
    if (dirty_orders_.count(id) != 0 || inflight_orders_.count(id) != 0 || hot_.find(id) != nullptr) return;
    auto o = std::make_shared<order_facts>();
    o->currency = p->currency;
    for (const auto& l : p->lines) o->lines.emplace_back(l.sku, l.quantity);
    set_status(*o, od::to_string(od::status::pending));
    dirty_orders_[id] = std::move(o);
    ++total_orders_;
    totals_dirty_ = true;
    return;
  }
  auto found = find_order(id);
  if (found == nullptr) return;
  // Facts are shared with hot_; the next flush writes them.
  dirty_orders_[id] = found;
  order_facts& o = *found;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, od::order_confirmed>) {
          set_status(o, od::to_string(od::status::confirmed));
        } else if constexpr (std::is_same_v<T, od::order_rejected>) {
          set_status(o, od::to_string(od::status::rejected));
        } else if constexpr (std::is_same_v<T, od::order_paid>) {
          set_status(o, od::to_string(od::status::paid));
          revenue_[x.amount.currency].gross += x.amount.minor;
          dirty_revenue_.insert(x.amount.currency);
        } else if constexpr (std::is_same_v<T, od::order_status_changed>) {
          set_status(o, od::to_string(x.to));
        } else if constexpr (std::is_same_v<T, od::order_cancelled>) {
          set_status(o, od::to_string(od::status::cancelled));
        } else if constexpr (std::is_same_v<T, od::refund_recorded>) {
          revenue_[x.amount.currency].refunded += x.amount.minor;
          dirty_revenue_.insert(x.amount.currency);
        }
      },
      ev);
  const bool should_count = units_count_in(o.status);
  if (should_count && !o.units_counted) count_units(o, +1);
  if (!should_count && o.units_counted) count_units(o, -1);
}

void dashboard_model::apply(const decoded_event& e) {
  const std::string id(e.id);
  if (const auto* o = std::get_if<od::event>(&e.event)) {
    apply_order(id, *o);
  } else if (const auto* p = std::get_if<domain::product::event>(&e.event)) {
    namespace pd = domain::product;
    if (const auto* c = std::get_if<pd::product_created>(p)) {
      if (sku_of_product_.count(id) != 0) return;
      sku_of_product_[id] = c->sku;
      products_by_sku_[c->sku] = product_facts{id, c->name, false};
      ++active_products_;
      dirty_products_.insert(c->sku);
      totals_dirty_ = true;
      return;
    }
    auto s = sku_of_product_.find(id);
    if (s == sku_of_product_.end()) return;
    // Only a new name or a discontinuation changes what is stored of a
    // product: a price change (most product events) writes nothing. Writing
    // the facts for every product event rewrote every repriced product once
    // per flush, a third of a replay over a catalogue being repriced.
    if (const auto* u = std::get_if<pd::product_details_updated>(p)) {
      auto& facts = products_by_sku_[s->second];
      if (u->name && *u->name != facts.name) {
        facts.name = *u->name;
        dirty_products_.insert(s->second);
      }
    } else if (std::holds_alternative<pd::product_discontinued>(*p)) {
      auto& facts = products_by_sku_[s->second];
      if (facts.discontinued) return;
      facts.discontinued = true;
      dirty_products_.insert(s->second);
      --active_products_;
      totals_dirty_ = true;
    }
  } else if (const auto* i = std::get_if<domain::inventory::event>(&e.event)) {
    auto& inv = inventory_[id];
    inv.apply(*i);
    dirty_stock_.insert(id);
    if (inv.available() <= inv.low_stock_threshold) {
      low_.insert(id);
    } else {
      low_.erase(id);
    }
  } else if (const auto* c = std::get_if<domain::customer::event>(&e.event)) {
    if (std::holds_alternative<domain::customer::customer_registered>(*c)) {
      ++customers_;
      totals_dirty_ = true;
    }
  }
}

namespace {

void encode_facts(const std::string& status, const std::string& currency,
                  const std::vector<std::pair<std::string, std::int64_t>>& lines, bool counted, std::string& out) {
  bin_writer w(out);
  w.str(status).str(currency).u64(lines.size());
  for (const auto& [sku, qty] : lines) w.str(sku).i64(qty);
  w.boolean(counted);
}

template <class F>
agora::expected<void, std::string> each(const kv_writer& store, char prefix, F&& f) {
  const std::string p(1, prefix);
  auto it = std::unique_ptr<rocksdb::Iterator>(store.db()->db()->NewIterator(rocksdb::ReadOptions(), store.family().get()));
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    const std::string key(it->key().data() + 1, it->key().size() - 1);
    bin_reader r(std::string_view(it->value().data(), it->value().size()));
    if (!f(key, r, std::string_view(it->value().data(), it->value().size()))) {
      return agora::unexpected{"dashboard: unreadable entry '" + std::string(1, prefix) + key + "'"};
    }
  }
  if (!it->status().ok()) return agora::unexpected{"dashboard: " + it->status().ToString()};
  return {};
}

}  // namespace

dashboard_model::facts_ptr dashboard_model::find_order(const std::string& id) {
  if (auto d = dirty_orders_.find(id); d != dirty_orders_.end()) return d->second;
  if (auto f = inflight_orders_.find(id); f != inflight_orders_.end()) return f->second;
  if (auto* h = hot_.find(id)) return *h;
  auto bytes = store_.get("o" + id);
  if (!bytes) return nullptr;
  auto o = std::make_shared<order_facts>();
  bin_reader r(*bytes);
  std::uint64_t n = 0;
  r.str(o->status);
  r.str(o->currency);
  if (!r.u64(n) || n > bytes->size()) return nullptr;
  o->lines.resize(static_cast<std::size_t>(n));
  for (auto& [sku, qty] : o->lines) {
    r.str(sku);
    r.i64(qty);
  }
  r.boolean(o->units_counted);
  if (!r.done()) return nullptr;
  return hot_.put(id, std::move(o));
}

void dashboard_model::flush(rocksdb::WriteBatch& batch) {
  // Straight into the batch: nothing here is read back through store_ while
  // applying (orders are found through dirty_orders_, inflight_orders_ and
  // hot_; the figures are in memory), so the kv_writer's pending map and its
  // copy of each value would only cost.
  auto* f = store_.family().get();
  std::string v;
  inflight_orders_.clear();
  for (auto& [id, o] : dirty_orders_) {
    v.clear();
    encode_facts(o->status, o->currency, o->lines, o->units_counted, v);
    put_prefixed(batch, f, 'o', id, v);
    inflight_orders_.emplace(id, o);
    hot_.put(id, std::move(o));
  }
  dirty_orders_.clear();
  for (const auto& s : dirty_status_) {
    v.clear();
    bin_writer(v).u64(by_status_[s]);
    put_prefixed(batch, f, 's', s, v);
  }
  dirty_status_.clear();
  for (const auto& c : dirty_revenue_) {
    v.clear();
    const auto& m = revenue_[c];
    bin_writer(v).i64(m.gross).i64(m.refunded);
    put_prefixed(batch, f, 'r', c, v);
  }
  dirty_revenue_.clear();
  for (const auto& sku : dirty_units_) {
    v.clear();
    bin_writer(v).i64(units_[sku]);
    put_prefixed(batch, f, 'u', sku, v);
  }
  dirty_units_.clear();
  for (const auto& sku : dirty_products_) {
    v.clear();
    const auto& p = products_by_sku_[sku];
    bin_writer(v).str(p.id).str(p.name).boolean(p.discontinued);
    put_prefixed(batch, f, 'p', sku, v);
  }
  dirty_products_.clear();
  for (const auto& sku : dirty_stock_) {
    v.clear();
    encode_stock(inventory_[sku], 0, v);
    put_prefixed(batch, f, 'i', sku, v);
  }
  dirty_stock_.clear();
  if (totals_dirty_) {
    v.clear();
    bin_writer(v).u64(total_orders_).u64(active_products_).u64(customers_);
    put_prefixed(batch, f, 'n', {}, v);
    totals_dirty_ = false;
  }
  store_.flush(batch);
}

agora::expected<void, std::string> dashboard_model::load() {
  if (auto v = store_.get("n")) {
    bin_reader r(*v);
    std::uint64_t orders = 0, active = 0, customers = 0;
    r.u64(orders);
    r.u64(active);
    r.u64(customers);
    if (!r.done()) return agora::unexpected{std::string("dashboard: unreadable totals")};
    total_orders_ = static_cast<std::size_t>(orders);
    active_products_ = static_cast<std::size_t>(active);
    customers_ = static_cast<std::size_t>(customers);
  }
  auto r1 = each(store_, 's', [&](const std::string& k, bin_reader& r, std::string_view) {
    std::uint64_t n = 0;
    r.u64(n);
    by_status_[k] = static_cast<std::size_t>(n);
    return r.done();
  });
  if (!r1) return r1;
  auto r2 = each(store_, 'r', [&](const std::string& k, bin_reader& r, std::string_view) {
    auto& m = revenue_[k];
    r.i64(m.gross);
    r.i64(m.refunded);
    return r.done();
  });
  if (!r2) return r2;
  auto r3 = each(store_, 'u', [&](const std::string& k, bin_reader& r, std::string_view) {
    std::int64_t units = 0;
    r.i64(units);
    units_[k] = units;
    if (units > 0) ranking_.insert({units, k});
    return r.done();
  });
  if (!r3) return r3;
  auto r4 = each(store_, 'p', [&](const std::string& k, bin_reader& r, std::string_view) {
    product_facts p;
    r.str(p.id);
    r.str(p.name);
    r.boolean(p.discontinued);
    sku_of_product_[p.id] = k;
    products_by_sku_[k] = std::move(p);
    return r.done();
  });
  if (!r4) return r4;
  return each(store_, 'i', [&](const std::string& k, bin_reader&, std::string_view bytes) {
    auto& inv = inventory_[k];
    eventstore::stream_version version = 0;
    if (!decode_stock(bytes, inv, version)) return false;
    if (inv.available() <= inv.low_stock_threshold) low_.insert(k);
    return true;
  });
}

}  // namespace agora::projections::detail
