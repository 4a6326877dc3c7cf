// Carts: a customer's own only. Carts are read from the cart aggregate itself
// (there is no cart read model: a cart is one customer's working state).

#include <simdjson.h>

#include "actors/domain/cart.hpp"
#include "api/src/gateway_impl.hpp"

namespace agora::api {

namespace {

std::string customer_of(std::string_view state_json) {
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  std::string_view c;
  bool exists = false;
  if (p.parse(state_json.data(), state_json.size(), true).get(doc)) return {};
  if (doc["exists"].get(exists) || !exists || doc["customer_id"].get(c)) return {};
  return std::string(c);
}

}  // namespace

void gateway::impl::cart_routes(http::router& r) {
  // Runs `then` if cart `id` exists and belongs to the caller; 404 otherwise.
  auto owned = [this](std::shared_ptr<http::request> req, std::shared_ptr<http::responder> out,
                      std::function<void(std::string state)> then) {
    const std::string id(req->path_param("id").value_or(""));
    deps_.commands->get_state(actors::aggregate_kind::cart, id,
                          [req, out, then](agora::expected<std::string, actors::command_error> st) {
                            if (!st) return (*out)(detail::command_failed(*req, st.error()));
                            if (customer_of(*st) != req->user->user_id) return (*out)(detail::not_found(*req, "cart"));
                            then(std::move(*st));
                          });
  };
  // Answers a cart command with the cart (the aggregate's state in the ack).
  auto cart_answer = [](std::shared_ptr<http::request> req, std::shared_ptr<http::responder> out, int status) {
    return [req, out, status](actors::command_result res) {
      if (!res) return (*out)(detail::command_failed(*req, res.error()));
      auto body = detail::render_cart(res->state_json);
      auto resp = body.empty() ? detail::not_found(*req, "cart") : json_with_etag(status, std::move(body), res->version);
      if (res->last_position) resp.headers.set("X-Event-Position", std::to_string(res->last_position));
      (*out)(std::move(resp));
    };
  };

  add(r, {http::method::post, "/api/carts", "carts.create", "Open a cart", access::customer, "", 201, "Cart", {500, 503}},
      [this, cart_answer](http::request& req, http::responder respond) {
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        const std::string id = new_id();
        domain::cart::create c{id, req.user->user_id, now()};
        auto ctx = context(req, true);
        ctx.new_aggregate = true;  // the id was minted above
        deps_.commands->send(id, domain::cart::command{c}, ctx, cart_answer(copy, out, 201));
      });

  add(r, {http::method::get, "/api/carts/{id}", "carts.get", "A cart", access::customer, "", 200, "Cart", {500, 503}},
      [owned](http::request& req, http::responder respond) {
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        owned(copy, out, [out](std::string state) { (*out)(http::response::json(200, detail::render_cart(state))); });
      });

  auto set_line = [this, owned, cart_answer](std::shared_ptr<http::request> copy, std::shared_ptr<http::responder> out,
                                             std::int64_t quantity) {
    const std::string sku(copy->path_param("sku").value_or(""));
    auto item = deps_.projections->catalog()->product_by_sku(sku);
    if (quantity > 0 && (!item || item->product->discontinued)) {
      return (*out)(http::problem(*copy, 422, "unknown-sku", "Not for sale", "no product for sale has SKU " + sku,
                                  {{"sku", "unknown or discontinued"}}));
    }
    const domain::money price = item ? domain::money{item->product->price, item->product->currency} : domain::money{};
    owned(copy, out, [this, copy, out, sku, quantity, price, cart_answer](std::string) {
      // The cart actor sets the hold's expiry itself (actors.cart_hold_ttl).
      domain::cart::set_line_quantity c{sku, quantity, price, 0, now()};
      const std::string id(copy->path_param("id").value_or(""));
      deps_.commands->send(id, domain::cart::command{c}, context(*copy, true), cart_answer(copy, out, 200));
    });
  };

  add(r, {http::method::put, "/api/carts/{id}/items/{sku}", "carts.set_item", "Set a line's quantity (holds stock)", access::customer, "CartItem", 200, "Cart", {409, 422, 500, 503}},
      [set_line](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_cart_item(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        set_line(std::make_shared<http::request>(req), std::make_shared<http::responder>(std::move(respond)), body->quantity);
      });

  add(r, {http::method::del, "/api/carts/{id}/items/{sku}", "carts.remove_item", "Remove a line (releases its hold)", access::customer, "", 200, "Cart", {409, 422, 500, 503}},
      [set_line](http::request& req, http::responder respond) {
        set_line(std::make_shared<http::request>(req), std::make_shared<http::responder>(std::move(respond)), 0);
      });

  add(r, {http::method::post, "/api/carts/{id}/checkout", "carts.checkout", "Place the cart's order", access::customer, "", 201, "Order", {202, 409, 422, 500, 503}},
      [this, owned](http::request& req, http::responder respond) {
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        owned(copy, out, [this, copy, out](std::string) {
          const std::string id(copy->path_param("id").value_or(""));
          const std::string order_id = new_id();
          domain::cart::checkout c{order_id, now()};
          deps_.commands->send(id, domain::cart::command{c}, context(*copy), [this, copy, out, order_id](actors::command_result res) {
            if (!res) return (*out)(detail::command_failed(*copy, res.error()));
            answer_write(*copy, std::move(*out), *res, 201, [this, order_id]() -> std::optional<http::response> {
              auto o = deps_.projections->orders()->order(order_id);
              if (!o) return std::nullopt;
              auto resp = http::response::json(200, detail::render_order(*o));
              resp.headers.set("Location", "/api/orders/" + order_id);
              return resp;
            });
          });
        });
      });
}

}  // namespace agora::api
