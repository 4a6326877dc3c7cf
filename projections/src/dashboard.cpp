// The dashboard: order counts per status, revenue per currency, top products,
// and the catalogue and account totals.

#include <algorithm>

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

dashboard_model::dashboard_model(std::shared_ptr<const dashboard_snapshot>* slot) : slot_(slot) {
  for (auto s : {od::status::pending, od::status::confirmed, od::status::rejected, od::status::paid,
                 od::status::processing, od::status::shipped, od::status::delivered,
                 od::status::cancelled}) {
    by_status_[od::to_string(s)] = 0;
  }
}

void dashboard_model::publish(eventstore::log_position position) {
  auto d = std::make_shared<dashboard_snapshot>();
  d->position = position;
  d->orders_by_status = by_status_;
  d->total_orders = orders_.size();
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
  if (!o.status.empty()) --by_status_[o.status];
  ++by_status_[to];
  o.status = std::move(to);
}

void dashboard_model::count_units(order_facts& o, std::int64_t sign) {
  for (const auto& [sku, qty] : o.lines) {
    auto& units = units_[sku];
    if (units > 0) ranking_.erase({units, sku});
    units += sign * qty;
    if (units > 0) ranking_.insert({units, sku});
  }
  o.units_counted = sign > 0;
}

void dashboard_model::apply_order(const std::string& id, const od::event& ev) {
  if (const auto* p = std::get_if<od::order_placed>(&ev)) {
    if (orders_.count(id) != 0) return;
    order_facts o;
    o.currency = p->currency;
    for (const auto& l : p->lines) o.lines.emplace_back(l.sku, l.quantity);
    set_status(o, od::to_string(od::status::pending));
    orders_.emplace(id, std::move(o));
    return;
  }
  auto it = orders_.find(id);
  if (it == orders_.end()) return;
  order_facts& o = it->second;
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
        } else if constexpr (std::is_same_v<T, od::order_status_changed>) {
          set_status(o, od::to_string(x.to));
        } else if constexpr (std::is_same_v<T, od::order_cancelled>) {
          set_status(o, od::to_string(od::status::cancelled));
        } else if constexpr (std::is_same_v<T, od::refund_recorded>) {
          revenue_[x.amount.currency].refunded += x.amount.minor;
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
      return;
    }
    auto s = sku_of_product_.find(id);
    if (s == sku_of_product_.end()) return;
    auto& facts = products_by_sku_[s->second];
    if (const auto* u = std::get_if<pd::product_details_updated>(p)) {
      if (u->name) facts.name = *u->name;
    } else if (std::holds_alternative<pd::product_discontinued>(*p) && !facts.discontinued) {
      facts.discontinued = true;
      --active_products_;
    }
  } else if (const auto* i = std::get_if<domain::inventory::event>(&e.event)) {
    auto& inv = inventory_[id];
    inv.apply(*i);
    if (inv.available() <= inv.low_stock_threshold) {
      low_.insert(id);
    } else {
      low_.erase(id);
    }
  } else if (const auto* c = std::get_if<domain::customer::event>(&e.event)) {
    if (std::holds_alternative<domain::customer::customer_registered>(*c)) ++customers_;
  }
}

}  // namespace agora::projections::detail
