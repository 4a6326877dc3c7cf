#include "projections/src/change_router.hpp"

#include <utility>
#include <variant>

#include "projections/change_tags.hpp"

namespace agora::projections::detail {

namespace {

// Order events the dashboard's figures do not count.
bool is_dashboard_order_event(const domain::order::event& e) {
  namespace od = domain::order;
  return !(std::holds_alternative<od::line_reserved>(e) ||
           std::holds_alternative<od::line_reservation_failed>(e) ||
           std::holds_alternative<od::payment_declined>(e));
}

event_notice notice_of(const eventstore::event_view& v) {
  event_notice n;
  n.stream = std::string(v.stream);
  n.type = std::string(v.type);
  n.position = v.position;
  n.version = v.version;
  n.timestamp = v.timestamp;
  return n;
}

}  // namespace

change_router::before_event change_router::observe(const decoded_event& e, const routing_lookup& models) {
  before_event b;
  if (e.kind == stream_kind::inventory) b.was_low = models.is_low(std::string(e.id));
  return b;
}

event_notice change_router::undecodable(const eventstore::event_view& v) { return notice_of(v); }

routed_event change_router::route(const decoded_event& e, const before_event& before,
                                  const routing_lookup& models) {
  const auto& v = *e.view;
  const std::string id(e.id);
  routed_event r;
  r.notice = notice_of(v);
  auto& n = r.notice;
  auto& t = r.tags;
  switch (e.kind) {
    case stream_kind::product: {
      n.data = std::string(v.data);
      t.push_back(tags::product(id));
      t.emplace_back(tags::catalog);
      const auto& pe = std::get<domain::product::event>(e.event);
      if (std::holds_alternative<domain::product::product_created>(pe) ||
          std::holds_alternative<domain::product::product_discontinued>(pe)) {
        t.emplace_back(tags::dashboard);
      }
      n.channels = {channels::product(id), channels::broadcast};
      break;
    }
    case stream_kind::inventory: {
      n.data = std::string(v.data);
      t.push_back(tags::sku(id));
      t.emplace_back(tags::catalog);
      n.channels.emplace_back(channels::admin);
      if (const auto* pid = models.product_id_for_sku(id)) {
        t.push_back(tags::product(*pid));
        n.channels.push_back(channels::product(*pid));
      }
      const bool was_low = before.was_low.value_or(false);
      const bool is_low = models.is_low(id).value_or(false);
      if (was_low || is_low) t.emplace_back(tags::low_stock);
      if (was_low != is_low) {
        t.emplace_back(tags::dashboard);
        n.stock = is_low ? stock_transition::became_low : stock_transition::recovered;
      }
      break;
    }
    case stream_kind::order: {
      n.data = std::string(v.data);
      t.push_back(tags::order(id));
      t.emplace_back(tags::orders_all);
      if (is_dashboard_order_event(std::get<domain::order::event>(e.event))) t.emplace_back(tags::dashboard);
      if (const auto* c = models.customer_of(id)) {
        t.push_back(tags::orders_of_customer(*c));
        n.channels.push_back(channels::user(*c));
      }
      n.channels.emplace_back(channels::admin);
      break;
    }
    case stream_kind::cart: {
      n.data = std::string(v.data);
      const auto& ce = std::get<domain::cart::event>(e.event);
      if (const auto* created = std::get_if<domain::cart::cart_created>(&ce)) {
        cart_owner_[id] = created->customer_id;
      }
      auto owner = cart_owner_.find(id);
      if (owner != cart_owner_.end()) {
        n.channels.push_back(channels::user(owner->second));
        // A cart that is checked out or expired takes no more events.
        if (std::holds_alternative<domain::cart::cart_checked_out>(ce) ||
            std::holds_alternative<domain::cart::cart_expired>(ce)) {
          cart_owner_.erase(owner);
        }
      }
      break;
    }
    case stream_kind::customer: {
      // No data: customer events carry the password hash.
      t.push_back(tags::customer(id));
      n.channels.push_back(channels::user(id));
      if (std::holds_alternative<domain::customer::customer_registered>(std::get<domain::customer::event>(e.event))) {
        t.emplace_back(tags::dashboard);
        n.channels.emplace_back(channels::admin);
      }
      break;
    }
    case stream_kind::notification:
      // Broadcasts: no read model shows them, so no tag.
      n.data = std::string(v.data);
      n.channels.emplace_back(channels::notifications);
      break;
    case stream_kind::claim:
    case stream_kind::unknown:
      break;
  }
  return r;
}

bool change_collector::room() {
  if (truncated_) return false;
  if (notices_.size() < max_) return true;
  truncated_ = true;
  notices_.clear();
  tags_.clear();
  return false;
}

void change_collector::add(routed_event r) {
  if (!room()) return;
  for (auto& t : r.tags) tags_.insert(std::move(t));
  notices_.push_back(std::move(r.notice));
}

void change_collector::add(event_notice n) {
  if (room()) notices_.push_back(std::move(n));
}

change_batch change_collector::take(eventstore::log_position position) {
  change_batch b;
  b.position = position;
  if (truncated_) {
    b.tags = {tags::all};
  } else {
    b.tags.assign(tags_.begin(), tags_.end());
    b.events = std::move(notices_);
  }
  notices_.clear();
  tags_.clear();
  truncated_ = false;
  return b;
}

}  // namespace agora::projections::detail
