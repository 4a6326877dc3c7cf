// The REST API end to end: a real agorad node (store in a temp dir, actors,
// projections, HTTP on port 0) and a real HTTP client, for every route, the
// auth rules, the cache, read-your-writes, and a table of bad inputs that must
// be refused without writing anything.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "api/gateway.hpp"
#include "app/node.hpp"
#include "common/config.hpp"
#include "http/auth.hpp"
#include "tests/api/admin_node_test.hpp"
#include "tests/api/test_node.hpp"
#include "tests/http/test_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora {
namespace {

using agora::testing::http_client;
using hl = http_client::header_list;
using agora::testing::kTestJwtSecret;
constexpr const char* kSecret = kTestJwtSecret;
std::string str(const std::string& json, const char* key) { return agora::testing::json_str(json, key); }
std::int64_t num(const std::string& json, const char* key) { return agora::testing::json_num(json, key); }

class GatewayTest : public agora::testing::admin_node_test {
 protected:
  void configure(config& cfg) override { cfg.set("api.read_your_writes_wait", "300ms"); }
  // Stops the node and starts it again on the same store with `settings`
  // added (limits start afresh).
  void restart(const std::vector<std::pair<std::string, std::string>>& settings) {
    client_.reset();
    node_.reset();
    for (const auto& [k, v] : settings) cfg_.set(k, v);
    auto n = node::start(cfg_);
    ASSERT_TRUE(n) << n.error();
    node_ = std::move(*n);
    client_ = std::make_unique<http_client>(node_->http_port());
  }

  agora::testing::client_response call(std::string_view method, std::string_view target, std::string body = {},
                                       const std::string& token = {}, hl headers = {}) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return client_->request(method, target, std::move(body), headers);
  }
  std::string login(const std::string& email, const std::string& password) {
    auto r = call("POST", "/api/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
    return r.status == 200 ? str(r.body, "token") : std::string();
  }
  std::string customer(const std::string& email) {
    auto r = call("POST", "/api/auth/register",
                  R"({"email":")" + email + R"(","password":"password-1","name":"Cust"})");
    EXPECT_EQ(r.status, 202) << r.body;
    return login(email, "password-1");
  }
  std::string product(const std::string& sku, int stock, int price = 1000) {
    auto r = call("POST", "/api/products",
                  R"({"sku":")" + sku + R"(","name":"Lamp )" + sku + R"(","description":"A desk lamp","price":)" +
                      std::to_string(price) + R"(,"currency":"EUR","category":"lighting","initial_stock":)" +
                      std::to_string(stock) + R"(,"low_stock_threshold":2})",
                  admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(r.body, "id");
  }
  std::uint64_t position() const { return node_->store().last_position(); }

};

TEST_F(GatewayTest, AuthRules) {
  const auto me = call("GET", "/api/auth/me", {}, admin_);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(str(me.body, "role"), "admin");
  EXPECT_EQ(call("GET", "/api/auth/me").status, 401);
  EXPECT_EQ(call("GET", "/api/auth/me", {}, "not.a.token").status, 401);

  const std::string ann = customer("ann@shop.test");
  ASSERT_FALSE(ann.empty());
  EXPECT_EQ(call("GET", "/api/admin/stats", {}, ann).status, 403);
  EXPECT_EQ(call("POST", "/api/orders", R"({"items":[{"sku":"X","quantity":1}]})", admin_).status, 403)
      << "an admin cannot place orders";
  EXPECT_EQ(login("ann@shop.test", "wrong-password"), "");
  EXPECT_EQ(call("POST", "/api/auth/login", R"({"email":"nobody@shop.test","password":"whatever1"})").status, 401);
  auto dup = call("POST", "/api/auth/register", R"({"email":"ANN@shop.test","password":"password-1","name":"A"})");
  EXPECT_EQ(dup.status, 202) << dup.body << ": a taken address is not confirmed";

  // A token signed with our key but expired.
  http::jwt_signer signer(kSecret, "agora", std::chrono::seconds(60));
  const auto old = signer.issue(http::principal{"u", "u@x.y", "customer"}, system_clock::instance().now() - 3'600'000'000);
  auto expired = call("GET", "/api/auth/me", {}, old);
  EXPECT_EQ(expired.status, 401);
}

TEST_F(GatewayTest, CatalogCacheEtagsAndIfMatch) {
  const std::string id = product("LAMP-1", 5);
  ASSERT_FALSE(id.empty());
  auto first = call("GET", "/api/products/" + id);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.header("X-Cache-Status"), "MISS");
  auto second = call("GET", "/api/products/" + id);
  EXPECT_EQ(second.header("X-Cache-Status"), "HIT");
  EXPECT_EQ(second.body, first.body);
  const std::string etag = second.header("ETag");
  auto not_modified = call("GET", "/api/products/" + id, {}, {}, {{"If-None-Match", etag}});
  EXPECT_EQ(not_modified.status, 304);
  // If-None-Match compares weakly and may list several tags (RFC 9110 13.1.2).
  auto listed = call("GET", "/api/products/" + id, {}, {}, {{"If-None-Match", "\"other\", W/" + etag}});
  EXPECT_EQ(listed.status, 304);
  EXPECT_EQ(call("GET", "/api/products/" + id, {}, {}, {{"If-None-Match", "\"other\""}}).status, 200);

  // A change the product shows evicts it: the next read is a MISS with the new price.
  auto stale = call("PATCH", "/api/products/" + id, R"({"price":1500})", admin_, {{"If-Match", "\"9\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  auto patched = call("PATCH", "/api/products/" + id, R"({"price":1500})", admin_, {{"If-Match", "\"1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(num(patched.body, "price"), 1500);
  auto third = call("GET", "/api/products/" + id);
  EXPECT_EQ(third.header("X-Cache-Status"), "MISS");
  EXPECT_EQ(num(third.body, "price"), 1500);

  // Stock changes show on the product too (tag sku:LAMP-1).
  ASSERT_EQ(call("POST", "/api/inventory/LAMP-1/adjustments", R"({"delta":-4,"reason":"broken"})", admin_).status, 200);
  auto fourth = call("GET", "/api/products/" + id);
  EXPECT_EQ(fourth.header("X-Cache-Status"), "MISS");
  EXPECT_NE(fourth.body.find("\"on_hand\":1"), std::string::npos) << fourth.body;
  // ...and in its tag: a revalidation with the tag read before the stock
  // change gets the new stock, not 304.
  EXPECT_NE(fourth.header("ETag"), third.header("ETag"));
  auto revalidated = call("GET", "/api/products/" + id, {}, {}, {{"If-None-Match", third.header("ETag")}});
  EXPECT_EQ(revalidated.status, 200);
  EXPECT_NE(revalidated.body.find("\"on_hand\":1"), std::string::npos) << revalidated.body;
  // The product part of a read's tag still guards an edit: a stock change
  // since the read is no conflict, a product change is.
  auto edit = call("PATCH", "/api/products/" + id, R"({"name":"Lamp one"})", admin_, {{"If-Match", fourth.header("ETag")}});
  EXPECT_EQ(edit.status, 200) << edit.body;
  auto conflict = call("PATCH", "/api/products/" + id, R"({"name":"Lamp two"})", admin_, {{"If-Match", fourth.header("ETag")}});
  EXPECT_EQ(conflict.status, 412) << conflict.body;
  EXPECT_EQ(call("PATCH", "/api/products/" + id, R"({"name":"x"})", admin_, {{"If-Match", "\"2.\""}}).status, 412);

  auto low = call("GET", "/api/inventory?low_stock=true", {}, admin_);
  ASSERT_EQ(low.status, 200);
  EXPECT_NE(low.body.find("LAMP-1"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/inventory/LAMP-1").status, 200);
  EXPECT_EQ(call("GET", "/api/inventory/NOPE").status, 404);

  product("DESK-9", 3);
  auto search = call("GET", "/api/products?q=lamp");
  ASSERT_EQ(search.status, 200);
  EXPECT_NE(search.body.find("LAMP-1"), std::string::npos);
  auto suggest = call("GET", "/api/products/suggest?prefix=lam");
  EXPECT_NE(suggest.body.find("Lamp"), std::string::npos) << suggest.body;
  auto cats = call("GET", "/api/categories");
  EXPECT_NE(cats.body.find("\"lighting\""), std::string::npos);
  EXPECT_EQ(call("DELETE", "/api/products/" + id, {}, admin_).status, 200);
  EXPECT_EQ(call("GET", "/api/products/nope").status, 404);
}

TEST_F(GatewayTest, OrdersCartsAndReadYourWrites) {
  product("CUP-1", 3, 450);
  const std::string ann = customer("ann@shop.test");
  const std::string bob = customer("bob@shop.test");

  auto placed = call("POST", "/api/orders", R"({"items":[{"sku":"CUP-1","quantity":2}]})", ann);
  ASSERT_EQ(placed.status, 201) << placed.body;
  EXPECT_EQ(str(placed.body, "status"), "confirmed");
  EXPECT_EQ(num(placed.body, "total"), 900);
  const std::string order = str(placed.body, "id");
  const std::string pos = placed.header("X-Event-Position");
  ASSERT_FALSE(pos.empty());
  EXPECT_FALSE(placed.header("ETag").empty());

  auto mine = call("GET", "/api/orders/" + order + "?min_position=" + pos, {}, ann);
  EXPECT_EQ(mine.status, 200);
  EXPECT_EQ(call("GET", "/api/orders/" + order, {}, bob).status, 404) << "another customer's order is not found";
  EXPECT_EQ(call("GET", "/api/orders/" + order, {}, admin_).status, 200);
  auto future = call("GET", "/api/orders/" + order + "?min_position=999999", {}, ann);
  EXPECT_EQ(future.status, 503);
  EXPECT_EQ(call("GET", "/api/orders/" + order + "?min_position=abc", {}, ann).status, 400);

  // Over-ordering is refused by the saga, not oversold.
  auto too_many = call("POST", "/api/orders", R"({"items":[{"sku":"CUP-1","quantity":2}]})", bob);
  ASSERT_EQ(too_many.status, 201);
  EXPECT_EQ(str(too_many.body, "status"), "rejected");

  auto list = call("GET", "/api/orders", {}, ann);
  EXPECT_NE(list.body.find(order), std::string::npos);
  EXPECT_EQ(list.body.find(str(too_many.body, "id")), std::string::npos);
  auto events = call("GET", "/api/orders/" + order + "/events", {}, ann);
  EXPECT_NE(events.body.find("OrderConfirmed"), std::string::npos);

  auto paid = call("POST", "/api/orders/" + order + "/pay", R"({"method":"card"})", ann);
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(str(paid.body, "status"), "paid");
  EXPECT_EQ(call("POST", "/api/orders/" + order + "/pay", {}, bob).status, 404);
  auto processing = call("POST", "/api/orders/" + order + "/status", R"({"status":"processing"})", admin_);
  EXPECT_EQ(str(processing.body, "status"), "processing");
  auto cancelled = call("POST", "/api/orders/" + order + "/cancel", R"({"reason":"changed my mind"})", ann);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(str(cancelled.body, "status"), "cancelled");
  auto again = call("POST", "/api/orders/" + order + "/cancel", {}, ann);
  EXPECT_EQ(again.status, 200) << "cancelling twice records nothing";

  // Carts: hold, check out into an order.
  auto cart = call("POST", "/api/carts", {}, ann);
  ASSERT_EQ(cart.status, 201) << cart.body;
  const std::string cart_id = str(cart.body, "id");
  auto set = call("PUT", "/api/carts/" + cart_id + "/items/CUP-1", R"({"quantity":1})", ann);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(call("GET", "/api/carts/" + cart_id, {}, bob).status, 404);
  auto too_much = call("PUT", "/api/carts/" + cart_id + "/items/CUP-1", R"({"quantity":50})", ann);
  EXPECT_EQ(too_much.status, 409) << too_much.body;
  auto own = call("GET", "/api/carts/" + cart_id, {}, ann);
  ASSERT_EQ(own.status, 200);
  EXPECT_NE(own.body.find("\"sku\":\"CUP-1\",\"quantity\":1"), std::string::npos) << own.body;
  EXPECT_EQ(call("PUT", "/api/carts/" + cart_id + "/items/NOPE", R"({"quantity":1})", ann).status, 422);
  auto removed = call("DELETE", "/api/carts/" + cart_id + "/items/CUP-1", {}, ann);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.body.find("CUP-1"), std::string::npos) << removed.body;
  ASSERT_EQ(call("PUT", "/api/carts/" + cart_id + "/items/CUP-1", R"({"quantity":1})", ann).status, 200);
  auto out = call("POST", "/api/carts/" + cart_id + "/checkout", {}, ann);
  ASSERT_EQ(out.status, 201) << out.body;
  EXPECT_EQ(str(out.body, "status"), "confirmed");

  auto stats = call("GET", "/api/admin/stats", {}, admin_);
  ASSERT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("orders_by_status"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/admin/projections", {}, admin_).status, 200);
  EXPECT_EQ(call("POST", "/api/admin/projections/orders/rebuild", {}, admin_).status, 202);
  EXPECT_EQ(call("POST", "/api/admin/projections/nope/rebuild", {}, admin_).status, 404);
}

// Stock hoarding: the per-customer limits answer 422 with a Problem naming
// the limit, and an unpaid order is cancelled at its deadline with its stock
// given back (docs/API.md, "Stock hoarding").
TEST_F(GatewayTest, HoardingLimitsAndThePaymentDeadline) {
  node_.reset();
  cfg_.set("actors.max_units_held_per_customer", "3");
  cfg_.set("actors.max_open_carts_per_customer", "2");
  cfg_.set("orders.payment_deadline", "3s");
  auto n = node::start(cfg_);
  ASSERT_TRUE(n) << n.error();
  node_ = std::move(*n);
  client_ = std::make_unique<http_client>(node_->http_port());
  admin_ = login("admin@shop.test", "admin-password");
  const std::string id = product("HOARD-1", 10, 300);
  const std::string cat = customer("cat@shop.test");
  const std::string dan = customer("dan@shop.test");

  auto a = call("POST", "/api/carts", {}, cat);
  auto b = call("POST", "/api/carts", {}, cat);
  ASSERT_EQ(a.status, 201) << a.body;
  ASSERT_EQ(b.status, 201) << b.body;
  auto third = call("POST", "/api/carts", {}, cat);
  EXPECT_EQ(third.status, 422) << third.body;
  EXPECT_EQ(str(third.body, "code"), "limit_exceeded") << third.body;
  EXPECT_NE(third.body.find("at most 2 open carts"), std::string::npos) << third.body;
  EXPECT_EQ(call("POST", "/api/carts", {}, dan).status, 201) << "another customer has carts of its own";

  const std::string cart_a = str(a.body, "id");
  const std::string cart_b = str(b.body, "id");
  ASSERT_EQ(call("PUT", "/api/carts/" + cart_a + "/items/HOARD-1", R"({"quantity":3})", cat).status, 200);
  auto over = call("PUT", "/api/carts/" + cart_b + "/items/HOARD-1", R"({"quantity":1})", cat);
  EXPECT_EQ(over.status, 422) << over.body;
  EXPECT_EQ(str(over.body, "code"), "limit_exceeded") << over.body;
  EXPECT_NE(over.body.find("at most 3 units of sku HOARD-1"), std::string::npos) << over.body;
  auto direct = call("POST", "/api/orders", R"({"items":[{"sku":"HOARD-1","quantity":1}]})", cat);
  ASSERT_EQ(direct.status, 201) << direct.body;
  EXPECT_EQ(str(direct.body, "status"), "rejected") << "an order does not get around the limit";

  // Checking out the held cart is not refused by its own hold; then nobody pays.
  auto out = call("POST", "/api/carts/" + cart_a + "/checkout", {}, cat);
  ASSERT_EQ(out.status, 201) << out.body;
  const std::string order = str(out.body, "id");
  if (str(out.body, "status") == "confirmed") {
    EXPECT_FALSE(str(out.body, "payment_due_at").empty()) << out.body;
  }
  std::string seen;
  for (int i = 0; i < 300; ++i) {  // bounded: the deadline is 3 s away
    seen = call("GET", "/api/orders/" + order, {}, cat).body;
    if (str(seen, "status") == "cancelled") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(str(seen, "status"), "cancelled") << seen;
  EXPECT_EQ(str(seen, "cancel_reason"), "payment_deadline") << seen;
  std::int64_t available = -1;
  for (int i = 0; i < 200 && available != 10; ++i) {
    auto p = call("GET", "/api/products/" + id);
    simdjson::dom::parser parser;
    auto doc = parser.parse(p.body);
    if (doc.error() || doc["stock"]["available"].get(available)) available = -1;
    if (available != 10) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(available, 10) << "the unpaid order's stock is available again";
  // The checked-out cart gave its slot back.
  EXPECT_EQ(call("POST", "/api/carts", {}, cat).status, 201);
}

TEST_F(GatewayTest, BadInputIsRefusedAndWritesNothing) {
  product("PEN-1", 10);
  const std::string ann = customer("ann@shop.test");
  struct bad {
    const char* name;
    const char* method;
    std::string target;
    std::string body;
    std::string token;
    int status;
    hl headers;
  };
  http::jwt_signer signer(kSecret, "agora", std::chrono::seconds(60));
  const auto expired = signer.issue(http::principal{"u", "u@x.y", "customer"}, system_clock::instance().now() - 3'600'000'000);
  const std::vector<bad> table = {
      {"malformed JSON", "POST", "/api/orders", R"({"items":[)", ann, 400, {}},
      {"wrong type", "POST", "/api/orders", R"({"items":"PEN-1"})", ann, 400, {}},
      {"negative quantity", "POST", "/api/orders", R"({"items":[{"sku":"PEN-1","quantity":-1}]})", ann, 400, {}},
      {"huge quantity", "POST", "/api/orders", R"({"items":[{"sku":"PEN-1","quantity":1000000}]})", ann, 400, {}},
      {"unknown sku", "POST", "/api/orders", R"({"items":[{"sku":"NOPE","quantity":1}]})", ann, 422, {}},
      {"missing field", "POST", "/api/orders", R"({"items":[{"quantity":1}]})", ann, 400, {}},
      {"empty body", "POST", "/api/orders", "", ann, 415, {}},
      {"not json", "POST", "/api/orders", "items=1", ann, 415, {{"Content-Type", "text/plain"}}},
      {"oversized body", "POST", "/api/orders", std::string(2u << 20, 'x'), ann, 413, {}},
      {"bad token", "POST", "/api/orders", R"({"items":[{"sku":"PEN-1","quantity":1}]})", "bad.token.here", 401, {}},
      {"expired token", "POST", "/api/orders", R"({"items":[{"sku":"PEN-1","quantity":1}]})", expired, 401, {}},
      {"no token", "POST", "/api/orders", R"({"items":[{"sku":"PEN-1","quantity":1}]})", "", 401, {}},
      {"bad product", "POST", "/api/products", R"({"sku":"X","name":"","price":-5,"currency":"eur","category":"c"})", admin_, 400, {}},
      {"zero adjustment", "POST", "/api/inventory/PEN-1/adjustments", R"({"delta":0,"reason":"x"})", admin_, 400, {}},
      {"short password", "POST", "/api/auth/register", R"({"email":"x@y.z","password":"short","name":"X"})", "", 400, {}},
      {"bad status", "POST", "/api/orders/nope/status", R"({"status":"teleported"})", admin_, 400, {}},
      {"bad limit", "GET", "/api/products?limit=0", "", "", 400, {}},
  };
  for (const auto& c : table) {
    const auto before = position();
    hl headers = c.headers;
    if (c.body.empty() && c.status == 415) headers.emplace_back("Content-Type", "text/plain");
    auto r = call(c.method, c.target, c.body, c.token, headers);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body.substr(0, 300);
    if (c.status != 413) {
      EXPECT_EQ(r.header("Content-Type").rfind("application/problem+json", 0), 0u) << c.name;
      EXPECT_FALSE(str(r.body, "type").empty()) << c.name;
    }
    EXPECT_EQ(position(), before) << c.name << " wrote something";
    if (c.status == 413) client_ = std::make_unique<http_client>(node_->http_port());  // the server closed it
  }
}

TEST_F(GatewayTest, OpenApiMatchesTheRoutes) {
  auto doc = call("GET", "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  simdjson::dom::parser p;
  simdjson::dom::element root;
  ASSERT_EQ(p.parse(doc.body).get(root), simdjson::SUCCESS);
  std::string_view version;
  ASSERT_EQ(root["openapi"].get(version), simdjson::SUCCESS);
  EXPECT_EQ(version.substr(0, 2), "3.");
  simdjson::dom::object paths;
  ASSERT_EQ(root["paths"].get(paths), simdjson::SUCCESS);
  std::map<std::string, std::set<std::string>> documented;
  for (auto [path, ops] : paths) {
    simdjson::dom::object methods;  // a named object: ranging over a temporary's value() dangles
    ASSERT_EQ(ops.get(methods), simdjson::SUCCESS);
    for (auto [m, op] : methods) documented[std::string(path)].insert(std::string(m));
  }
  // The contract of docs/API.md.
  const std::map<std::string, std::set<std::string>> contract = {
      {"/api/auth/register", {"post"}}, {"/api/auth/login", {"post"}}, {"/api/auth/me", {"get"}},
      {"/api/auth/logout", {"post"}}, {"/api/auth/password", {"post"}}, {"/api/admin/customers/{id}/role", {"put"}},
      {"/api/products", {"get", "post"}}, {"/api/products/suggest", {"get"}},
      {"/api/products/{id}", {"get", "patch", "delete"}}, {"/api/categories", {"get"}},
      {"/api/inventory/{sku}", {"get"}}, {"/api/inventory/{sku}/adjustments", {"post"}}, {"/api/inventory", {"get"}},
      {"/api/carts", {"post"}}, {"/api/carts/{id}", {"get"}}, {"/api/carts/{id}/items/{sku}", {"put", "delete"}},
      {"/api/carts/{id}/checkout", {"post"}}, {"/api/orders", {"get", "post"}}, {"/api/orders/{id}", {"get"}},
      {"/api/orders/{id}/events", {"get"}}, {"/api/orders/{id}/pay", {"post"}}, {"/api/orders/{id}/cancel", {"post"}},
      {"/api/orders/{id}/status", {"post"}}, {"/api/admin/stats", {"get"}}, {"/api/admin/projections", {"get"}},
      {"/api/admin/notifications", {"post"}},
      {"/api/admin/projections/{name}/rebuild", {"post"}}, {"/api/admin/projections/{name}/checksum", {"get"}},
      {"/api/admin/projections/{name}/dry-run", {"get", "post"}},
      {"/api/admin/projections/checksums", {"get"}}, {"/api/admin/backup", {"post"}}, {"/health/live", {"get"}}, {"/health/ready", {"get"}},
      {"/health/detailed", {"get"}}, {"/metrics", {"get"}}, {"/openapi.json", {"get"}},
  };
  EXPECT_EQ(documented, contract);
  // docs/openapi.json is this document, committed; keep it current.
  std::ifstream committed(AGORA_SOURCE_DIR "/docs/openapi.json");
  const std::string on_disk((std::istreambuf_iterator<char>(committed)), std::istreambuf_iterator<char>());
  if (on_disk != doc.body + "\n") {
    std::ofstream fresh("openapi.json");
    fresh << doc.body << "\n";
    ADD_FAILURE() << "docs/openapi.json is out of date: cp " << std::filesystem::current_path().string()
                  << "/openapi.json " << AGORA_SOURCE_DIR << "/docs/openapi.json";
  }
  // And the router agrees: each documented path answers 405 with exactly the
  // documented methods in Allow for a method it does not have.
  for (const auto& [path, methods] : contract) {
    std::string concrete = path;
    for (std::size_t i; (i = concrete.find('{')) != std::string::npos;) {
      concrete.replace(i, concrete.find('}', i) - i + 1, "x");
    }
    auto r = call("TRACE", concrete);
    EXPECT_EQ(r.status, 405) << path;
    std::string allow = r.header("Allow");
    for (auto& ch : allow) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const auto& m : methods) EXPECT_NE(allow.find(m), std::string::npos) << path << " Allow: " << allow;
  }
}

TEST_F(GatewayTest, OperationsEndpoints) {
  EXPECT_EQ(call("GET", "/health/live").status, 200);
  auto ready = call("GET", "/health/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  auto detailed = call("GET", "/health/detailed");
  EXPECT_NE(detailed.body.find("projection.catalog"), std::string::npos);
  product("M-1", 1);
  auto metrics = call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const char* name : {"agora_http_requests_total", "agora_http_request_duration_seconds_bucket",
                           "agora_projection_lag_catalog", "agora_actors_live", "agora_store_append_batch_size",
                           "agora_cache_hits"}) {
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
  }
  EXPECT_FALSE(call("GET", "/health/live").header("X-Request-Id").empty());
  auto echoed = call("GET", "/health/live", {}, {}, {{"X-Request-Id", "req-123"}});
  EXPECT_EQ(echoed.header("X-Request-Id"), "req-123");
}

TEST_F(GatewayTest, AnEncodedQueryCannotFillAnotherQuerysCacheEntry) {
  // Two lamps in "lighting", two pans elsewhere. Decoded, the first query has
  // one parameter named "category=lighting&limit" (unknown: all products); if
  // the cache key joined decoded pairs with '&' and '=', it would fill the
  // entry that the real "category=lighting&limit=5" then hits.
  product("LAMP-1", 1);
  product("LAMP-2", 1);
  for (const char* sku : {"PAN-1", "PAN-2"}) {
    auto r = call("POST", "/api/products",
                  std::string(R"({"sku":")") + sku +
                      R"(","name":"Pan","description":"A pan","price":900,"currency":"EUR","category":"kitchen","initial_stock":1})",
                  admin_);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  const auto count_items = [](const std::string& body) {
    simdjson::dom::parser p;
    simdjson::dom::array items;
    auto doc = p.parse(body);
    if (doc.error() || doc["items"].get(items)) return std::size_t(0);
    return items.size();
  };
  const std::string min = "&min_position=" + std::to_string(position());
  auto poisoned = call("GET", "/api/products?category%3Dlighting%26limit=5" + min);
  ASSERT_EQ(poisoned.status, 200) << poisoned.body;
  auto real = call("GET", "/api/products?category=lighting&limit=5" + min);
  ASSERT_EQ(real.status, 200) << real.body;
  EXPECT_EQ(real.header("X-Cache-Status"), "MISS");
  EXPECT_EQ(count_items(real.body), 2u) << real.body;
  auto again = call("GET", "/api/products?limit=5&category=lighting");
  EXPECT_EQ(again.header("X-Cache-Status"), "HIT") << "the same query in another order shares the entry";
  EXPECT_EQ(count_items(again.body), 2u) << again.body;
}

// ---- issue 11: the login and token path ----------------------------------------

std::string login_body(const std::string& email, const std::string& password) {
  return R"({"email":")" + email + R"(","password":")" + password + R"("})";
}

TEST_F(GatewayTest, FailedLoginsLockTheAccountWithBackoff) {
  restart({{"auth.login_lockout.failures", "3"}, {"auth.login_lockout.base_lock", "1s"},
           {"auth.login_lockout.max_lock", "2s"}});
  ASSERT_FALSE(customer("ann@shop.test").empty());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(call("POST", "/api/auth/login", login_body("ann@shop.test", "wrong-" + std::to_string(i))).status, 401);
  }
  auto locked = call("POST", "/api/auth/login", login_body("ann@shop.test", "wrong-3"));
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(locked.header("Retry-After"), "1");
  // Locked is locked: the right password too is refused (before any hash).
  auto right = call("POST", "/api/auth/login", login_body("ANN@shop.test", "password-1"));
  EXPECT_EQ(right.status, 429) << "the lock is per normalized address";
  EXPECT_FALSE(login("admin@shop.test", "admin-password").empty()) << "another account is not locked";
  // After the lock the real password works (bounded polling: the lock is 1 s).
  std::string token;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (token.empty() && std::chrono::steady_clock::now() < deadline) {
    auto r = call("POST", "/api/auth/login", login_body("ann@shop.test", "password-1"));
    if (r.status == 200) {
      token = str(r.body, "token");
    } else {
      ASSERT_EQ(r.status, 429) << r.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_FALSE(token.empty()) << "the right password works once the lock ends";
  EXPECT_EQ(call("GET", "/api/auth/me", {}, token).status, 200);
}

TEST_F(GatewayTest, LoginsHaveTheirOwnStricterLimitPerIp) {
  restart({{"auth.login_rate_limit.burst", "3"}, {"auth.login_rate_limit.per_minute", "1"}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(call("POST", "/api/auth/login", login_body("nobody" + std::to_string(i) + "@shop.test", "whatever1")).status,
              401);
  }
  auto limited = call("POST", "/api/auth/login", login_body("nobody9@shop.test", "whatever1"));
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.header("Retry-After").empty());
  auto reg = call("POST", "/api/auth/register", R"({"email":"zed@shop.test","password":"password-1","name":"Z"})");
  EXPECT_EQ(reg.status, 429) << "registration hashes too: same bucket";
  EXPECT_EQ(call("GET", "/api/products").status, 200) << "other routes have the general limit";
}

TEST_F(GatewayTest, PasswordChangeRoleChangeAndLogoutEndOlderTokens) {
  const std::string t1 = customer("ann@shop.test");
  const std::string bob = customer("bob@shop.test");
  auto me = call("GET", "/api/auth/me", {}, t1);
  ASSERT_EQ(me.status, 200);
  const std::string id = str(me.body, "id");

  // Password change: the current password is checked; the old token ends; the
  // answer carries a new one.
  EXPECT_EQ(call("POST", "/api/auth/password", R"({"current_password":"nope-nope","new_password":"password-2"})", t1)
                .status,
            403);
  auto changed =
      call("POST", "/api/auth/password", R"({"current_password":"password-1","new_password":"password-2"})", t1);
  ASSERT_EQ(changed.status, 200) << changed.body;
  const std::string t2 = str(changed.body, "token");
  EXPECT_EQ(call("GET", "/api/auth/me", {}, t1).status, 401) << "the token from before the change";
  EXPECT_EQ(call("GET", "/api/auth/me", {}, t2).status, 200);
  EXPECT_EQ(login("ann@shop.test", "password-1"), "");
  const std::string t3 = login("ann@shop.test", "password-2");
  ASSERT_FALSE(t3.empty());

  // Role change (admins only): the account's tokens end; the role comes from
  // the account, not from the token.
  EXPECT_EQ(call("PUT", "/api/admin/customers/" + id + "/role", R"({"role":"admin"})", bob).status, 403);
  EXPECT_EQ(call("PUT", "/api/admin/customers/" + id + "/role", R"({"role":"root"})", admin_).status, 400);
  EXPECT_EQ(call("PUT", "/api/admin/customers/nobody/role", R"({"role":"admin"})", admin_).status, 404);
  auto promoted = call("PUT", "/api/admin/customers/" + id + "/role", R"({"role":"admin"})", admin_);
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(str(promoted.body, "role"), "admin");
  EXPECT_EQ(call("GET", "/api/auth/me", {}, t2).status, 401);
  EXPECT_EQ(call("GET", "/api/auth/me", {}, t3).status, 401);
  const std::string t4 = login("ann@shop.test", "password-2");
  ASSERT_FALSE(t4.empty());
  EXPECT_EQ(call("GET", "/api/admin/stats", {}, t4).status, 200);

  // Logout ends every token of the account; logging in again works.
  const std::string t4b = login("ann@shop.test", "password-2");
  auto out = call("POST", "/api/auth/logout", {}, t4);
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(call("GET", "/api/auth/me", {}, t4).status, 401);
  EXPECT_EQ(call("GET", "/api/auth/me", {}, t4b).status, 401) << "all of the account's tokens";
  const std::string t5 = login("ann@shop.test", "password-2");
  EXPECT_EQ(call("GET", "/api/auth/me", {}, t5).status, 200);
  EXPECT_EQ(call("GET", "/api/auth/me", {}, bob).status, 200) << "other accounts keep theirs";
}

TEST_F(GatewayTest, TheRoleComesFromTheAccountNotTheToken) {
  const std::string bob = customer("bob@shop.test");
  const std::string id = str(call("GET", "/api/auth/me", {}, bob).body, "id");
  // A token that says admin (signed with the key, at the account's token
  // version) does not make a customer an admin.
  http::jwt_signer signer(kSecret, "agora", std::chrono::seconds(3600));
  const auto says_admin = signer.issue(http::principal{id, "bob@shop.test", "admin"}, system_clock::instance().now(), 0);
  EXPECT_EQ(call("GET", "/api/admin/stats", {}, says_admin).status, 403);
  auto me = call("GET", "/api/auth/me", {}, says_admin);
  EXPECT_EQ(str(me.body, "role"), "customer");
}

TEST_F(GatewayTest, RefusedTokensDoNotSayWhichCheckFailed) {
  http::jwt_signer signer(kSecret, "agora", std::chrono::seconds(60));
  const auto expired = signer.issue(http::principal{"u", "u@x.y", "customer"}, system_clock::instance().now() - 3'600'000'000);
  http::jwt_signer other(std::string(40, 'z'), "agora", std::chrono::seconds(60));
  const auto forged = other.issue(http::principal{"u", "u@x.y", "customer"}, system_clock::instance().now());
  for (const auto& token : {expired, forged, std::string("not.a.token")}) {
    auto r = call("GET", "/api/auth/me", {}, token);
    EXPECT_EQ(r.status, 401);
    for (const char* reason : {"expired", "signature", "malformed", "issuer", "version"}) {
      EXPECT_EQ(r.body.find(reason), std::string::npos) << reason << " in " << r.body;
    }
  }
}

TEST_F(GatewayTest, BadTokensAndUnknownPathsAreRateLimitedPerIp) {
  restart({{"http.rate_limit.burst", "5"}, {"http.rate_limit.per_minute", "1"}});
  auto flood = [this](const std::string& target, const std::string& token, int expected) {
    for (int i = 0; i < 20; ++i) {
      auto r = call("GET", target, {}, token);
      if (r.status == 429) {
        EXPECT_FALSE(r.header("Retry-After").empty()) << target;
        return i;
      }
      EXPECT_EQ(r.status, expected) << target;
    }
    return -1;
  };
  EXPECT_EQ(flood("/api/auth/me", "bad.token.here", 401), 5) << "a flood of bad tokens is limited";
  restart({});
  EXPECT_EQ(flood("/api/no/such/thing", "", 404), 5) << "a flood of unknown paths is limited";
}

// One account spread over several addresses is limited as a whole: the
// per-user bucket refuses it while each address still has tokens left.
TEST_F(GatewayTest, RequestsAreRateLimitedPerUserAcrossAddresses) {
  const std::string ann = customer("ann@shop.test");
  const std::string bob = customer("bob@shop.test");
  ASSERT_FALSE(ann.empty());
  ASSERT_FALSE(bob.empty());
  restart({{"http.rate_limit.burst", "6"}, {"http.rate_limit.per_minute", "1"}});  // the buckets start full
  http_client from_b(node_->http_port());
  from_b.bind_to("127.0.0.2");
  auto me = [](http_client& c, const std::string& token) {
    return c.request("GET", "/api/auth/me", {}, {{"Authorization", "Bearer " + token}});
  };
  for (int i = 0; i < 4; ++i) ASSERT_EQ(me(*client_, ann).status, 200) << i;  // address A: 4, ann: 4
  ASSERT_EQ(me(from_b, ann).status, 200);                                      // address B: 1, ann: 5
  ASSERT_EQ(me(from_b, ann).status, 200);                                      // address B: 2, ann: 6
  auto limited = me(from_b, ann);                                              // address B: 3, ann: over
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.header("Content-Type"), "application/problem+json");
  EXPECT_FALSE(limited.header("Retry-After").empty());
  EXPECT_EQ(me(*client_, ann).status, 429) << "the account is limited from every address";
  // Neither address is exhausted: others are served from both.
  EXPECT_EQ(me(from_b, bob).status, 200);
  EXPECT_EQ(from_b.request("GET", "/api/products").status, 200);
  EXPECT_EQ(call("GET", "/api/products").status, 200);
}

TEST_F(GatewayTest, RegistrationDoesNotSayWhetherTheAddressWasTaken) {
  auto first = call("POST", "/api/auth/register", R"({"email":"ann@shop.test","password":"password-1","name":"Ann"})");
  auto again = call("POST", "/api/auth/register", R"({"email":"ANN@shop.test","password":"password-9","name":"Other"})");
  EXPECT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(first.body, again.body);
  EXPECT_EQ(first.header("X-Event-Position"), again.header("X-Event-Position"));
  EXPECT_EQ(first.header("ETag"), again.header("ETag"));
  EXPECT_FALSE(login("ann@shop.test", "password-1").empty()) << "the first registration made the account";
  EXPECT_EQ(login("ann@shop.test", "password-9"), "") << "the second changed nothing";
}

TEST_F(GatewayTest, OutdatedHashesAreUpgradedOnLoginWithoutEndingTokens) {
  const std::string before = customer("ann@shop.test");  // hashed at t=1
  const std::string id = str(call("GET", "/api/auth/me", {}, before).body, "id");
  ASSERT_FALSE(id.empty());
  restart({{"auth.password_ops_limit", "2"}});
  ASSERT_FALSE(login("ann@shop.test", "password-1").empty());
  bool upgraded = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!upgraded && std::chrono::steady_clock::now() < deadline) {
    auto events = node_->store().read_stream("customer-" + id, 1, 100);
    ASSERT_TRUE(events);
    for (const auto& e : *events) {
      upgraded = upgraded || (e.type == "PasswordChanged" && e.data.find("\"rehash\":true") != std::string::npos &&
                              e.data.find("t=2") != std::string::npos);
    }
    if (!upgraded) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(upgraded) << "the login rehashed at the configured cost";
  ASSERT_TRUE(node_->projections().wait_for_position(node_->store().last_position(), std::chrono::seconds(10)));
  EXPECT_EQ(call("GET", "/api/auth/me", {}, before).status, 200) << "a rehash is not a password change";
  EXPECT_FALSE(login("ann@shop.test", "password-1").empty());
}

TEST_F(GatewayTest, PasswordCostBelowTheFloorIsRefusedAtStart) {
  config weak;
  weak.set("store.path", dir_.sub("weak"));
  weak.set("http.port", "0");
  weak.set("kafka.brokers", "off");
  weak.set("auth.jwt_secret", kSecret);
  weak.set("auth.password_ops_limit", "1");
  weak.set("auth.password_mem_limit", "8KiB");
  auto n = node::start(weak);
  ASSERT_FALSE(n) << "a cost below libsodium's INTERACTIVE minimum starts only with auth.allow_weak_password_cost";
  EXPECT_NE(n.error().find("auth.password_ops_limit"), std::string::npos) << n.error();
}

TEST_F(GatewayTest, TheDummyHashIsMadeAtStart) {
  // No login of an unknown address has happened: the hash it would verify
  // against is made anyway, on the hashing pool, as the gateway starts.
  bool ready = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!ready && std::chrono::steady_clock::now() < deadline) {
    ready = call("GET", "/metrics").body.find("\nagora_auth_dummy_hash_ready 1") != std::string::npos;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(ready);
  EXPECT_EQ(call("POST", "/api/auth/login", login_body("nobody@shop.test", "whatever1")).status, 401);
}

TEST_F(GatewayTest, AgoractlHashesAtTheConfiguredCost) {
  client_.reset();
  node_.reset();  // agoractl user add needs the store to itself
  const std::string conf = dir_.sub("agora.conf");
  {
    std::ofstream f(conf);
    f << "[auth]\npassword_ops_limit = 3\npassword_mem_limit = 8KiB\nallow_weak_password_cost = true\n";
  }
  const std::string cmd = "echo 'a-long-password' | " AGORACTL_PATH " user add --email ops@shop.test --store '" +
                          dir_.sub("store") + "' --config '" + conf + "' > /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  restart({});
  auto events = node_->store().read_log(1, 100000);
  ASSERT_TRUE(events);
  bool found = false;
  for (const auto& e : *events) {
    if (e.type != "CustomerRegistered" || e.data.find("ops@shop.test") == std::string::npos) continue;
    found = true;
    EXPECT_NE(e.data.find("m=8,t=3"), std::string::npos) << "hashed at the configured cost";
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(login("ops@shop.test", "a-long-password").empty());
}

// gateway_options answers the first refusal of its parts (password cost,
// login rate limit, login lockout), naming the key; defaults pass.
TEST(GatewayOptions, FromConfigRefusesOutOfRangeValuesNamingTheKey) {
  for (const char* key : {"auth.login_rate_limit.burst", "auth.login_lockout.failures", "auth.password_ops_limit"}) {
    config cfg;
    cfg.set(key, "0");
    const auto o = api::gateway_options::from_config(cfg);
    ASSERT_FALSE(o) << key;
    EXPECT_EQ(o.error().key, key);
    EXPECT_NE(o.error().message.find(key), std::string::npos) << o.error().message;
  }
  config defaults;
  const auto o = api::gateway_options::from_config(defaults);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->login_free_failures, api::gateway_options{}.login_free_failures);
}

}  // namespace
}  // namespace agora
