// The read models' checksums (checksum() on each snapshot): every entry a
// reader can see, field by field, in key order. Kept in one file so that a
// field added to a view is easy to add here too.

#include "projections/src/accounts_model.hpp"
#include "projections/src/catalog_model.hpp"
#include "projections/src/checksum.hpp"
#include "projections/src/codec.hpp"
#include "projections/src/dashboard_model.hpp"
#include "projections/src/orders_model.hpp"

namespace agora::projections {

using detail::content_hash;

std::uint64_t catalog_snapshot::checksum() const {
  content_hash h;
  h.add(std::string_view("catalog")).add(static_cast<std::uint64_t>(s_->products.size()));
  s_->products.scan_up(nullptr, [&](const std::string& id, const std::shared_ptr<const product_view>& p) {
    h.add(id).add(p->sku).add(p->name).add(p->description).add(p->price).add(p->currency).add(p->category);
    h.add(static_cast<std::uint64_t>(p->image_urls.size()));
    for (const auto& u : p->image_urls) h.add(u);
    h.add(p->discontinued).add(p->created_at).add(p->updated_at).add(p->version);
    return true;
  });
  h.add(static_cast<std::uint64_t>(s_->stock.size()));
  s_->stock.scan_up(nullptr, [&](const std::string& sku, const std::shared_ptr<const stock_view>& s) {
    h.add(sku).add(s->on_hand).add(s->reserved).add(s->held).add(s->available).add(s->low_stock_threshold);
    h.add(s->inventory_version).add(s->created_at).add(s->updated_at);
    return true;
  });
  if (s_->categories) {
    h.add(static_cast<std::uint64_t>(s_->categories->size()));
    for (const auto& [name, count] : *s_->categories) h.add(name).add(static_cast<std::uint64_t>(count));
  }
  return h.value();
}

namespace {

// Visits each entry of `view` under the one-byte `prefix`, in key order, with
// the key after the prefix.
template <class F>
void each_entry(const detail::kv_view& view, char prefix, F&& f) {
  const std::string p(1, prefix);
  auto it = view.iterator();
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    f(std::string_view(it->key().data() + 1, it->key().size() - 1),
      std::string_view(it->value().data(), it->value().size()));
  }
}

}  // namespace

std::uint64_t orders_snapshot::checksum() const {
  content_hash h;
  h.add(std::string_view("orders")).add(static_cast<std::uint64_t>(s_->count));
  if (!s_->view) return h.value();
  // Heads ('o') and history entries ('h') are both in order id order: one
  // iterator walks each, side by side.
  auto hist = s_->view->iterator();
  hist->Seek("h");
  each_entry(*s_->view, 'o', [&](std::string_view id, std::string_view bytes) {
    order_view o;
    if (!detail::decode_order_head(bytes, o)) {
      h.add(std::string_view("unreadable")).add(id);
      return;
    }
    h.add(id).add(o.customer_id).add(o.status).add(static_cast<std::uint64_t>(o.items.size()));
    for (const auto& i : o.items) h.add(i.sku).add(i.quantity).add(i.price);
    h.add(o.total).add(o.currency).add(o.refunded).add(o.version).add(o.placed_position);
    h.add(o.created_at).add(o.updated_at).add(static_cast<std::uint64_t>(o.rejection_reasons.size()));
    for (const auto& r : o.rejection_reasons) h.add(r.sku).add(r.reason);
    std::string prefix("h");
    prefix.append(id);
    prefix.push_back('\0');
    if (!hist->Valid() || hist->key().compare(prefix) < 0) hist->Seek(prefix);
    std::vector<order_history_entry> history;
    for (; hist->Valid() && hist->key().starts_with(prefix); hist->Next()) {
      order_history_entry e;
      if (detail::decode_history_entry(std::string_view(hist->value().data(), hist->value().size()), e)) {
        history.push_back(std::move(e));
      }
    }
    h.add(static_cast<std::uint64_t>(history.size()));
    for (const auto& e : history) h.add(e.position).add(e.version).add(e.type).add(e.at).add(e.data);
    h.add(o.payment_due_at.has_value()).add(o.payment_due_at.value_or(0)).add(o.cancel_reason);
  });
  return h.value();
}

std::uint64_t accounts_snapshot::checksum() const {
  content_hash h;
  h.add(std::string_view("accounts")).add(static_cast<std::uint64_t>(s_->count));
  if (!s_->view) return h.value();
  each_entry(*s_->view, 'i', [&](std::string_view id, std::string_view bytes) {
    account_view a;
    if (!detail::decode_account(bytes, a)) {
      h.add(std::string_view("unreadable")).add(id);
      return;
    }
    h.add(id).add(a.email).add(a.name).add(a.role).add(a.password_hash).add(a.token_version);
    h.add(a.version).add(a.created_at).add(a.updated_at);
  });
  // The e-mail index is derived from the accounts but is what login reads:
  // its keys and targets are part of what readers see.
  each_entry(*s_->view, 'e', [&](std::string_view email, std::string_view id) { h.add(email).add(id); });
  return h.value();
}

std::uint64_t dashboard_snapshot::checksum() const {
  content_hash h;
  h.add(std::string_view("dashboard")).add(static_cast<std::uint64_t>(orders_by_status.size()));
  for (const auto& [status, n] : orders_by_status) h.add(status).add(static_cast<std::uint64_t>(n));
  h.add(static_cast<std::uint64_t>(total_orders)).add(static_cast<std::uint64_t>(revenue.size()));
  for (const auto& r : revenue) h.add(r.currency).add(r.gross).add(r.refunded).add(r.net);
  h.add(static_cast<std::uint64_t>(top_products.size()));
  for (const auto& t : top_products) h.add(t.sku).add(t.product_id).add(t.name).add(t.units);
  h.add(static_cast<std::uint64_t>(low_stock_count)).add(static_cast<std::uint64_t>(total_products));
  h.add(static_cast<std::uint64_t>(total_customers));
  return h.value();
}

}  // namespace agora::projections
