#include "api/src/render.hpp"

#include <simdjson.h>

namespace agora::api::detail {

void write_stock(json_writer& w, const projections::stock_view& s) {
  w.begin_object();
  w.key("sku").value(s.sku);
  w.key("on_hand").value(s.on_hand);
  w.key("reserved").value(s.reserved);
  w.key("held").value(s.held);
  w.key("available").value(s.available);
  w.key("low_stock_threshold").value(s.low_stock_threshold);
  w.key("low_stock").value(s.is_low());
  w.key("version").value(static_cast<std::uint64_t>(s.inventory_version));
  w.key("updated_at").value(format_rfc3339(s.updated_at));
  w.end_object();
}

void write_product(json_writer& w, const projections::catalog_item& item) {
  const auto& p = *item.product;
  w.begin_object();
  w.key("id").value(p.id);
  w.key("sku").value(p.sku);
  w.key("name").value(p.name);
  w.key("description").value(p.description);
  w.key("price").value(p.price);
  w.key("currency").value(p.currency);
  w.key("category").value(p.category);
  w.key("image_urls").begin_array();
  for (const auto& u : p.image_urls) w.value(u);
  w.end_array();
  w.key("discontinued").value(p.discontinued);
  w.key("available").value(item.available_for_sale);
  w.key("stock");
  if (item.stock) {
    w.begin_object();
    w.key("on_hand").value(item.stock->on_hand);
    w.key("reserved").value(item.stock->reserved);
    w.key("held").value(item.stock->held);
    w.key("available").value(item.stock->available);
    w.end_object();
  } else {
    w.null();
  }
  w.key("version").value(static_cast<std::uint64_t>(p.version));
  w.key("created_at").value(format_rfc3339(p.created_at));
  w.key("updated_at").value(format_rfc3339(p.updated_at));
  w.end_object();
}

void write_order(json_writer& w, const projections::order_view& o) {
  w.begin_object();
  w.key("id").value(o.id);
  w.key("customer_id").value(o.customer_id);
  w.key("status").value(o.status);
  w.key("items").begin_array();
  for (const auto& i : o.items) {
    w.begin_object().key("sku").value(i.sku).key("quantity").value(i.quantity).key("price").value(i.price).end_object();
  }
  w.end_array();
  w.key("total").value(o.total);
  w.key("currency").value(o.currency);
  w.key("refunded").value(o.refunded);
  w.key("rejection_reasons").begin_array();
  for (const auto& r : o.rejection_reasons) w.begin_object().key("sku").value(r.sku).key("reason").value(r.reason).end_object();
  w.end_array();
  // When an unpaid order is cancelled (orders.payment_deadline), and why one was.
  w.key("payment_due_at");
  if (o.payment_due_at) {
    w.value(format_rfc3339(*o.payment_due_at));
  } else {
    w.null();
  }
  w.key("cancel_reason");
  if (o.status == "cancelled") {
    w.value(o.cancel_reason);
  } else {
    w.null();
  }
  w.key("version").value(static_cast<std::uint64_t>(o.version));
  w.key("created_at").value(format_rfc3339(o.created_at));
  w.key("updated_at").value(format_rfc3339(o.updated_at));
  w.end_object();
}

void write_account(json_writer& w, const projections::account_view& a, bool with_name) {
  w.begin_object();
  w.key("id").value(a.id);
  w.key("email").value(a.email);
  if (with_name) w.key("name").value(a.name);
  w.key("role").value(a.role);
  w.end_object();
}

std::string render_product(const projections::catalog_item& item) {
  json_writer w(512);
  write_product(w, item);
  return std::move(w).take();
}

std::string render_stock(const projections::stock_view& s) {
  json_writer w(256);
  write_stock(w, s);
  return std::move(w).take();
}

std::string render_order(const projections::order_view& o) {
  json_writer w(512);
  write_order(w, o);
  return std::move(w).take();
}

std::string render_cart(std::string_view state_json) {
  // The cart aggregate's own state (actors/domain/cart.cpp encode_state):
  // {"exists","cart_id","customer_id","status","lines":{sku:{"quantity","unit_price":{"minor","currency"}}},
  //  "expires_at", ...}
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(state_json.data(), state_json.size(), true).get(doc)) return {};
  bool exists = false;
  if (doc["exists"].get(exists) || !exists) return {};
  json_writer w(512);
  std::string_view s;
  w.begin_object();
  w.key("id").value(doc["cart_id"].get(s) ? std::string_view() : s);
  w.key("customer_id").value(doc["customer_id"].get(s) ? std::string_view() : s);
  w.key("status").value(doc["status"].get(s) ? std::string_view() : s);
  std::int64_t total = 0;
  std::string currency;
  w.key("items").begin_array();
  simdjson::dom::object lines;
  if (!doc["lines"].get(lines)) {
    for (auto [sku, line] : lines) {
      std::int64_t qty = 0, price = 0;
      if (line["quantity"].get(qty)) qty = 0;
      simdjson::dom::element unit;
      if (!line["unit_price"].get(unit)) {
        if (unit["minor"].get(price)) price = 0;
        std::string_view c;
        if (!unit["currency"].get(c)) currency.assign(c);
      }
      total += qty * price;
      w.begin_object().key("sku").value(sku).key("quantity").value(qty).key("price").value(price).end_object();
    }
  }
  w.end_array();
  w.key("total").value(total);
  w.key("currency").value(currency);
  std::int64_t expires = 0;
  w.key("expires_at");
  if (!doc["expires_at"].get(expires) && expires > 0) {
    w.value(format_rfc3339(expires));
  } else {
    w.null();
  }
  w.end_object();
  return std::move(w).take();
}

}  // namespace agora::api::detail
