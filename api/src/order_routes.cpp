// Orders: customers place and see their own; admins see all and move them on.

#include <simdjson.h>

#include "actors/domain/order.hpp"
#include "actors/domain/redaction.hpp"
#include "api/src/gateway_impl.hpp"
#include "common/json_writer.hpp"
#include "projections/change_tags.hpp"

namespace agora::api {

namespace {

std::size_t limit_of(const http::request& req) {
  const auto v = req.param("limit");
  if (!v) return 20;
  std::size_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9' || n > projections::max_page_size) return 0;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return std::min(n, projections::max_page_size);
}

}  // namespace

void gateway::impl::order_routes(http::router& r) {
  // The order, if the caller may see it (its customer, or an admin).
  auto visible = [this](const http::request& req) -> std::shared_ptr<const projections::order_view> {
    auto o = deps_.projections->orders()->order(req.path_param("id").value_or(""));
    if (!o || (req.user->role != "admin" && o->customer_id != req.user->user_id)) return nullptr;
    return o;
  };
  auto render_order_now = [this](const std::string& id) {
    return [this, id]() -> std::optional<http::response> {
      auto o = deps_.projections->orders()->order(id);
      if (!o) return std::nullopt;
      return http::response::json(200, detail::render_order(*o));
    };
  };

  add(r, {http::method::post, "/api/orders", "orders.place", "Place an order; answers once confirmed or rejected", access::customer, "OrderCreate", 201, "Order", {202, 409, 422, 500, 503}},
      [this, render_order_now](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_order(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        // Prices at the time of placing, from the catalog.
        auto cat = deps_.projections->catalog();
        domain::order::place p;
        p.order_id = new_id();
        p.customer_id = req.user->user_id;
        p.now = now();
        std::vector<field_error> problems;
        for (std::size_t i = 0; i < body->items.size(); ++i) {
          const auto& line = body->items[i];
          auto item = cat->product_by_sku(line.sku);
          const std::string field = "items[" + std::to_string(i) + "].sku";
          if (!item || item->product->discontinued) {
            problems.push_back({field, "no product for sale has SKU " + line.sku});
            continue;
          }
          if (!p.currency.empty() && p.currency != item->product->currency) {
            problems.push_back({field, "is priced in " + item->product->currency + ", the order in " + p.currency});
            continue;
          }
          p.currency = item->product->currency;
          p.lines.push_back({line.sku, line.quantity, domain::money{item->product->price, item->product->currency}});
        }
        if (!problems.empty()) {
          std::vector<http::field_error> errs;
          for (auto& e : problems) errs.push_back({e.field, e.message});
          return respond(http::problem(req, 422, "unknown-sku", "Cannot order these items", "see errors", std::move(errs)));
        }
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        const std::string id = p.order_id;
        auto ctx = context(req);
        ctx.new_aggregate = true;  // the id was minted above
        deps_.commands->send(id, domain::order::command{std::move(p)}, ctx,
                         [this, copy, out, id, render_order_now](actors::command_result res) {
          if (!res) return (*out)(detail::command_failed(*copy, res.error()));
          auto render = render_order_now(id);
          answer_write(*copy, std::move(*out), *res, 201, [render, id]() -> std::optional<http::response> {
            auto resp = render();
            if (resp) resp->headers.set("Location", "/api/orders/" + id);
            return resp;
          });
        });
      });

  add_read(r, {http::method::get, "/api/orders", "orders.list", "Own orders (admins: all), newest first", access::user, "", 200, "OrderPage", {304, 400, 503}, {"status", "limit", "cursor", "min_position"}},
           true, [this](const http::request& req) -> read_result {
             const auto limit = limit_of(req);
             if (limit == 0) return {detail::invalid_body(req, {{"limit", "must be 1..200"}}), {}, false};
             projections::order_query q;
             q.status = std::string(req.param("status").value_or(""));
             q.limit = limit;
             q.cursor = std::string(req.param("cursor").value_or(""));
             const bool admin = req.user->role == "admin";
             auto snap = deps_.projections->orders();
             auto page = admin ? snap->all(q) : snap->by_customer(req.user->user_id, q);
             json_writer w(4096);
             w.begin_object().key("items").begin_array();
             for (const auto& o : page.items) detail::write_order(w, *o);
             w.end_array().key("next_cursor");
             if (page.next_cursor.empty()) {
               w.null();
             } else {
               w.value(page.next_cursor);
             }
             w.end_object();
             return {http::response::json(200, std::move(w).take()),
                     {admin ? std::string(projections::tags::orders_all)
                            : projections::tags::orders_of_customer(req.user->user_id)},
                     true};
           });

  add_read(r, {http::method::get, "/api/orders/{id}", "orders.get", "One order", access::user, "", 200, "Order", {304, 400, 503}, {"min_position"}},
           true, [visible](const http::request& req) -> read_result {
             auto o = visible(req);
             if (!o) return {detail::not_found(req, "order"), {}, false};
             return {json_with_etag(200, detail::render_order(*o), o->version), {projections::tags::order(o->id)}, true};
           });

  add_read(r, {http::method::get, "/api/orders/{id}/events", "orders.events", "The order's event history", access::user, "", 200, "EventPage", {304, 400, 503}, {"min_position"}},
           true, [visible](const http::request& req) -> read_result {
             auto o = visible(req);
             if (!o) return {detail::not_found(req, "order"), {}, false};
             json_writer w(2048);
             w.begin_object().key("items").begin_array();
             // The history holds only events of this order's own stream (the
             // orders read model takes only order events, by stream kind), so
             // no customer event can show here; every event still goes through
             // the same redaction as Kafka, so a secret field ever added to an
             // order event cannot leak through this route either.
             const std::string stream = std::string(domain::order::kind) + "-" + o->id;
             for (const auto& h : o->history) {
               const auto redacted = domain::redact_event_data(stream, h.type, h.data, domain::redaction_policy{});
               const std::string_view data = redacted ? std::string_view(*redacted) : std::string_view(h.data);
               w.begin_object();
               w.key("position").value(static_cast<std::uint64_t>(h.position));
               w.key("version").value(static_cast<std::uint64_t>(h.version));
               w.key("type").value(h.type);
               w.key("at").value(format_rfc3339(h.at));
               w.key("data").raw(data.empty() ? std::string_view("null") : data);
               w.end_object();
             }
             w.end_array().end_object();
             return {json_with_etag(200, std::move(w).take(), o->version), {projections::tags::order(o->id)}, true};
           });

  // Runs `then` if the order exists and belongs to the caller. The read model
  // may not have it yet (just placed): then ask the order aggregate itself.
  auto owned = [this](std::shared_ptr<http::request> req, std::shared_ptr<http::responder> out, std::function<void()> then) {
    const std::string id(req->path_param("id").value_or(""));
    if (auto o = deps_.projections->orders()->order(id)) {
      if (o->customer_id != req->user->user_id) return (*out)(detail::not_found(*req, "order"));
      return then();
    }
    deps_.commands->get_state(actors::aggregate_kind::order, id,
                          [req, out, then](agora::expected<std::string, actors::command_error> st) {
                            if (!st) return (*out)(detail::command_failed(*req, st.error()));
                            simdjson::dom::parser p;
                            simdjson::dom::element doc;
                            std::string_view customer;
                            bool exists = false;
                            if (p.parse(st->data(), st->size(), true).get(doc) || doc["exists"].get(exists) || !exists ||
                                doc["customer_id"].get(customer) || customer != req->user->user_id) {
                              return (*out)(detail::not_found(*req, "order"));
                            }
                            then();
                          });
  };
  auto answer = [this, render_order_now](std::shared_ptr<http::request> req, std::shared_ptr<http::responder> out) {
    return [this, req, out, render_order_now](actors::command_result res) {
      if (!res) return (*out)(detail::command_failed(*req, res.error()));
      answer_write(*req, std::move(*out), *res, 200, render_order_now(std::string(req->path_param("id").value_or(""))));
    };
  };

  add(r, {http::method::post, "/api/orders/{id}/pay", "orders.pay", "Pay a confirmed order", access::customer, "Payment", 200, "Order", {202, 409, 422, 500, 503}},
      [this, owned, answer](http::request& req, http::responder respond) {
        if (!req.body.empty()) {
          if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        }
        auto body = decode_pay(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        owned(copy, out, [this, copy, out, answer, method = body->method] {
          deps_.commands->pay(std::string(copy->path_param("id").value_or("")), method, context(*copy), answer(copy, out));
        });
      });

  add(r, {http::method::post, "/api/orders/{id}/cancel", "orders.cancel", "Cancel an order before it ships", access::customer, "Cancel", 200, "Order", {202, 409, 422, 500, 503}},
      [this, owned, answer](http::request& req, http::responder respond) {
        if (!req.body.empty()) {
          if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        }
        auto body = decode_cancel(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        owned(copy, out, [this, copy, out, answer, reason = body->reason] {
          domain::order::cancel c{reason.empty() ? std::string("cancelled by the customer") : reason, now()};
          deps_.commands->send(std::string(copy->path_param("id").value_or("")), domain::order::command{c}, context(*copy),
                           answer(copy, out));
        });
      });

  add(r, {http::method::post, "/api/orders/{id}/status", "orders.status", "Move an order on (processing, shipped, delivered)", access::admin, "StatusChange", 200, "Order", {202, 409, 422, 500, 503}},
      [this, answer](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_status(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        const auto to = domain::order::parse_status(body->status);
        if (!to) return respond(detail::invalid_body(req, {{"status", "unknown status"}}));
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        domain::order::change_status c{*to, now()};
        deps_.commands->send(std::string(req.path_param("id").value_or("")), domain::order::command{c}, context(req),
                         answer(copy, out));
      });
}

}  // namespace agora::api
