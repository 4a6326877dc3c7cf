// Catalog and inventory routes.

#include <algorithm>
#include <charconv>

#include "actors/domain/inventory.hpp"
#include "actors/domain/product.hpp"
#include "api/src/gateway_impl.hpp"
#include "common/json_writer.hpp"
#include "projections/change_tags.hpp"

namespace agora::api {

namespace {

std::size_t parse_limit(const http::request& req, std::size_t def = 20) {
  const auto v = req.param("limit");
  if (!v) return def;
  std::size_t n = 0;
  const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n == 0) return 0;  // 0: invalid
  return std::min(n, projections::max_page_size);
}

read_result bad_limit(const http::request& req) {
  return {detail::invalid_body(req, {{"limit", "must be a whole number from 1 to " +
                                                   std::to_string(projections::max_page_size)}}),
          {}, false};
}

// A product answer's entity tag: "<product version>.<stock version>" (0 when
// no inventory item has its SKU yet).
std::string product_etag(const projections::catalog_item& item) {
  const std::uint64_t stock = item.stock ? item.stock->inventory_version : 0;
  return "\"" + std::to_string(item.product->version) + "." + std::to_string(stock) + "\"";
}

std::vector<std::string> product_tags(const projections::catalog_item& item) {
  return {projections::tags::product(item.product->id), projections::tags::sku(item.product->sku)};
}

}  // namespace

void gateway::impl::catalog_routes(http::router& r) {
  add_read(r, {http::method::get, "/api/products", "products.list", "List or search products", access::anyone, "", 200, "ProductPage", {304, 400, 503}, {"q", "category", "limit", "cursor", "min_position"}},
           false, [this](const http::request& req) -> read_result {
             const auto limit = parse_limit(req);
             if (limit == 0) return bad_limit(req);
             const auto cat = deps_.projections->catalog();
             json_writer w(4096);
             w.begin_object().key("items").begin_array();
             std::string next;
             const std::string q(req.param("q").value_or(""));
             if (!q.empty()) {
               projections::search_query sq;
               sq.text = q;
               sq.category = std::string(req.param("category").value_or(""));
               sq.limit = limit;
               sq.cursor = std::string(req.param("cursor").value_or(""));
               auto page = cat->search(sq);
               for (const auto& hit : page.items) detail::write_product(w, hit.item);
               next = std::move(page.next_cursor);
             } else {
               projections::list_query lq;
               lq.category = std::string(req.param("category").value_or(""));
               lq.limit = limit;
               lq.cursor = std::string(req.param("cursor").value_or(""));
               auto page = cat->list(lq);
               for (const auto& item : page.items) detail::write_product(w, item);
               next = std::move(page.next_cursor);
             }
             w.end_array().key("next_cursor");
             if (next.empty()) {
               w.null();
             } else {
               w.value(next);
             }
             w.end_object();
             return {http::response::json(200, std::move(w).take()), {projections::tags::catalog}, true};
           });

  add_read(r, {http::method::get, "/api/products/suggest", "products.suggest", "Autocomplete product names", access::anyone, "", 200, "Suggestions", {304, 400, 503}, {"prefix", "limit", "min_position"}},
           false, [this](const http::request& req) -> read_result {
             const auto prefix = req.param("prefix");
             if (!prefix || prefix->empty()) {
               return {detail::invalid_body(req, {{"prefix", "is required"}}), {}, false};
             }
             const auto limit = parse_limit(req, 10);
             if (limit == 0) return bad_limit(req);
             json_writer w(512);
             w.begin_object().key("suggestions").begin_array();
             for (const auto& s : deps_.projections->catalog()->suggest(*prefix, limit)) w.value(s);
             w.end_array().end_object();
             return {http::response::json(200, std::move(w).take()), {projections::tags::catalog}, true};
           });

  add_read(r, {http::method::get, "/api/products/{id}", "products.get", "One product with its stock", access::anyone, "", 200, "Product", {304, 400, 503}, {"min_position"}},
           false, [this](const http::request& req) -> read_result {
             const auto id = req.path_param("id").value_or("");
             auto item = deps_.projections->catalog()->product(id);
             if (!item) return {detail::not_found(req, "product"), {}, false};
             // The answer shows the product and its stock, so its tag names both
             // versions ("<product>.<stock>"): a stock change alone must not
             // let a revalidation answer 304 with the old stock.
             auto resp = http::response::json(200, detail::render_product(*item));
             resp.headers.set("ETag", product_etag(*item));
             return {std::move(resp), product_tags(*item), true};
           });

  add_read(r, {http::method::get, "/api/categories", "categories.list", "Categories with product counts", access::anyone, "", 200, "Categories", {304, 400, 503}, {"min_position"}},
           false, [this](const http::request&) -> read_result {
             json_writer w(512);
             w.begin_object().key("items").begin_array();
             for (const auto& c : deps_.projections->catalog()->categories()) {
               w.begin_object().key("name").value(c.category).key("count").value(static_cast<std::uint64_t>(c.count)).end_object();
             }
             w.end_array().end_object();
             return {http::response::json(200, std::move(w).take()), {projections::tags::catalog}, true};
           });

  // Admin writes.
  add(r, {http::method::post, "/api/products", "products.create", "Create a product (and its stock)", access::admin, "ProductCreate", 201, "Product", {202, 409, 422, 500, 503}},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_product(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        domain::product::create c;
        c.product_id = new_id();
        c.sku = body->sku;
        c.name = body->name;
        c.description = body->description;
        c.price = domain::money{body->price, body->currency};
        c.category = body->category;
        c.image_urls = body->image_urls;
        c.now = now();
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        const std::string id = c.product_id;
        const auto b = std::move(*body);
        deps_.commands->send(id, domain::product::command{std::move(c)}, context(req),
                         [this, copy, out, id, b](actors::command_result res) {
          if (!res) return (*out)(detail::command_failed(*copy, res.error()));
          auto render = [this, id]() -> std::optional<http::response> {
            auto item = deps_.projections->catalog()->product(id);
            if (!item) return std::nullopt;
            auto resp = http::response::json(200, detail::render_product(*item));
            resp.headers.set("Location", "/api/products/" + id);
            return resp;
          };
          const auto product_ack = *res;
          if (!b.initial_stock && !b.low_stock_threshold) {
            return answer_write(*copy, std::move(*out), product_ack, 201, render);
          }
          // The stock item for the SKU; if it already exists (stock arrived
          // before the product) it is left as it is.
          domain::inventory::register_item reg{b.sku, b.initial_stock.value_or(0), b.low_stock_threshold.value_or(0), now()};
          deps_.commands->send(b.sku, domain::inventory::command{reg}, context(*copy),
                           [this, copy, out, product_ack, render](actors::command_result inv) {
            auto ack = product_ack;
            if (inv) ack.last_position = std::max(ack.last_position, inv->last_position);
            answer_write(*copy, std::move(*out), ack, 201, render);
          });
        });
      });

  add(r, {http::method::patch, "/api/products/{id}", "products.update", "Change a product (If-Match)", access::admin, "ProductPatch", 200, "Product", {202, 409, 412, 422, 500, 503}},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_product_patch(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        std::optional<std::uint64_t> expected;
        if (auto im = req.header("If-Match")) {
          std::string_view v = *im;
          if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
          // A GET's tag is "<product version>.<stock version>"; a write's is
          // "<product version>". Only the product's version guards an edit of
          // the product: a stock change since the read is no conflict.
          std::uint64_t n = 0;
          const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
          const bool whole = p == v.data() + v.size();
          const bool with_stock = !whole && *p == '.' && p + 1 < v.data() + v.size() &&
                                  std::all_of(p + 1, v.data() + v.size(), [](char c) { return c >= '0' && c <= '9'; });
          if (ec != std::errc() || !(whole || with_stock)) {
            return respond(http::problem(req, 412, "precondition-failed", "Precondition failed",
                                         "If-Match must be an ETag of this product, e.g. \"3\" or \"3.7\""));
          }
          expected = n;
        }
        const std::string id(req.path_param("id").value_or(""));
        auto cat = deps_.projections->catalog();
        auto item = cat->product(id);
        if (!item) return respond(detail::not_found(req, "product"));
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        auto render = [this, id]() -> std::optional<http::response> {
          auto it = deps_.projections->catalog()->product(id);
          if (!it) return std::nullopt;
          return http::response::json(200, detail::render_product(*it));
        };
        const bool details = body->name || body->description || body->category || body->image_urls;
        auto price_step = [this, copy, out, id, render, b = *body, currency = item->product->currency](
                              std::optional<std::uint64_t> exp, std::optional<actors::command_ack> prior) {
          if (!b.price) return answer_write(*copy, std::move(*out), *prior, 200, render);
          domain::product::change_price cp{domain::money{*b.price, b.currency.value_or(currency)}, now()};
          auto ctx = context(*copy);
          ctx.expected_version = exp;
          deps_.commands->send(id, domain::product::command{cp}, ctx, [this, copy, out, render, prior](actors::command_result res) {
            if (!res) return (*out)(detail::command_failed(*copy, res.error()));
            auto ack = *res;
            if (prior && ack.last_position == 0) ack.last_position = prior->last_position;
            answer_write(*copy, std::move(*out), ack, 200, render);
          });
        };
        if (!details) return price_step(expected, std::nullopt);
        domain::product::update_details u{body->name, body->description, body->category, body->image_urls, now()};
        auto ctx = context(req);
        ctx.expected_version = expected;
        deps_.commands->send(id, domain::product::command{u}, ctx, [copy, out, price_step](actors::command_result res) {
          if (!res) return (*out)(detail::command_failed(*copy, res.error()));
          price_step(res->version, *res);
        });
      });

  add(r, {http::method::del, "/api/products/{id}", "products.discontinue", "Discontinue a product", access::admin, "", 200, "Product", {202, 409, 500, 503}},
      [this](http::request& req, http::responder respond) {
        const std::string id(req.path_param("id").value_or(""));
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        domain::product::discontinue c{"discontinued by an admin", now()};
        deps_.commands->send(id, domain::product::command{c}, context(req), [this, copy, out, id](actors::command_result res) {
          if (!res) return (*out)(detail::command_failed(*copy, res.error()));
          answer_write(*copy, std::move(*out), *res, 200, [this, id]() -> std::optional<http::response> {
            auto it = deps_.projections->catalog()->product(id);
            if (!it) return std::nullopt;
            return http::response::json(200, detail::render_product(*it));
          });
        });
      });
}

void gateway::impl::inventory_routes(http::router& r) {
  add_read(r, {http::method::get, "/api/inventory/{sku}", "inventory.get", "Stock of a SKU", access::anyone, "", 200, "Inventory", {304, 400, 503}, {"min_position"}},
           false, [this](const http::request& req) -> read_result {
             const std::string sku(req.path_param("sku").value_or(""));
             auto s = deps_.projections->catalog()->stock(sku);
             if (!s) return {detail::not_found(req, "inventory item"), {}, false};
             return {json_with_etag(200, detail::render_stock(*s), s->inventory_version), {projections::tags::sku(sku)}, true};
           });

  add_read(r, {http::method::get, "/api/inventory", "inventory.low_stock", "Items low on stock (low_stock=true)", access::admin, "", 200, "InventoryPage", {304, 400, 503}, {"low_stock", "limit", "cursor", "min_position"}},
           false, [this](const http::request& req) -> read_result {
             if (req.param("low_stock").value_or("") != "true") {
               return {detail::invalid_body(req, {{"low_stock", "only low_stock=true is supported"}}), {}, false};
             }
             const auto limit = parse_limit(req, 50);
             if (limit == 0) return bad_limit(req);
             auto page = deps_.projections->catalog()->low_stock(limit, req.param("cursor").value_or(""));
             json_writer w(2048);
             w.begin_object().key("items").begin_array();
             for (const auto& s : page.items) detail::write_stock(w, *s);
             w.end_array().key("next_cursor");
             if (page.next_cursor.empty()) {
               w.null();
             } else {
               w.value(page.next_cursor);
             }
             w.end_object();
             return {http::response::json(200, std::move(w).take()), {projections::tags::low_stock}, true};
           });

  add(r, {http::method::post, "/api/inventory/{sku}/adjustments", "inventory.adjust", "Adjust stock (delta, reason)", access::admin, "Adjustment", 200, "Inventory", {202, 409, 422, 500, 503}},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_adjustment(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        const std::string sku(req.path_param("sku").value_or(""));
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        // Receiving stock is an adjustment up with a reason; the domain's
        // receive_stock is the same fact without one.
        domain::inventory::command c = domain::inventory::adjust{body->delta, body->reason, now()};
        deps_.commands->send(sku, std::move(c), context(req), [this, copy, out, sku](actors::command_result res) {
          if (!res) return (*out)(detail::command_failed(*copy, res.error()));
          answer_write(*copy, std::move(*out), *res, 200, [this, sku]() -> std::optional<http::response> {
            auto s = deps_.projections->catalog()->stock(sku);
            if (!s) return std::nullopt;
            return http::response::json(200, detail::render_stock(*s));
          });
        });
      });
}

}  // namespace agora::api
