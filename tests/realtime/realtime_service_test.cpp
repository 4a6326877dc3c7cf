// The realtime feed end to end: a real agorad node (store in a temp dir,
// actors, projections, HTTP on port 0) and real WebSocket clients (Beast, and
// Debian's python3-websockets in interop_test.cpp): subscribing and receiving,
// every authorization rule, resuming without gap or duplicate while orders are
// placed, backpressure, heartbeats, token expiry and revocation, bad client
// messages, shutdown, and the HTTP server's limits on upgraded connections.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "actors/domain/notification.hpp"
#include "app/node.hpp"
#include "common/config.hpp"
#include "eventstore/event_store.hpp"
#include "http/auth.hpp"
#include "projections/projection_runner.hpp"
#include "realtime/realtime_service.hpp"
#include "tests/api/test_node.hpp"
#include "tests/http/test_client.hpp"
#include "tests/realtime/ws_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora {
namespace {

using agora::testing::http_client;
using agora::testing::ws_client;
using hl = http_client::header_list;
using ms = std::chrono::milliseconds;

std::string str(const std::string& json, const char* key) { return agora::testing::json_str(json, key); }
std::int64_t num(const std::string& json, const char* key) { return agora::testing::json_num(json, key); }

bool eventually(const std::function<bool()>& cond, ms timeout = ms(20000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(ms(10));
  }
  return cond();
}

class RealtimeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("AGORA_ADMIN_EMAIL", "admin@shop.test", 1);
    ::setenv("AGORA_ADMIN_PASSWORD", "admin-password", 1);
  }

  void SetUp() override { agora::testing::configure_test_node(cfg_, dir_.sub("store")); }

  // A node with the test settings and `settings`; the admin logged in.
  void start(const std::vector<std::pair<std::string, std::string>>& settings = {}) {
    for (const auto& [k, v] : settings) cfg_.set(k, v);
    auto n = node::start(cfg_);
    ASSERT_TRUE(n) << n.error();
    node_ = std::move(*n);
    client_ = std::make_unique<http_client>(node_->http_port());
    admin_ = login("admin@shop.test", "admin-password");
    ASSERT_FALSE(admin_.empty());
  }
  void TearDown() override {
    client_.reset();  // its connection first, then the node
    node_.reset();
  }

  agora::testing::client_response call(std::string_view method, std::string_view target, std::string body = {},
                                       const std::string& token = {}, hl headers = {}) {
    return agora::testing::call_as(*client_, method, target, std::move(body), token, std::move(headers));
  }
  std::string login(const std::string& email, const std::string& password) {
    return agora::testing::login_token(*client_, email, password);
  }
  // Registers `email`; its token (and id in *id).
  std::string customer(const std::string& email, std::string* id = nullptr) {
    auto r = call("POST", "/api/auth/register",
                  R"({"email":")" + email + R"(","password":"password-1","name":"Cust"})");
    EXPECT_EQ(r.status, 202) << r.body;
    const std::string token = login(email, "password-1");
    if (id) *id = str(call("GET", "/api/auth/me", {}, token).body, "id");
    return token;
  }
  std::string product(const std::string& sku, int stock) {
    auto r = call("POST", "/api/products",
                  R"({"sku":")" + sku + R"(","name":"Lamp )" + sku +
                      R"(","description":"A lamp","price":1000,"currency":"EUR","category":"lighting","initial_stock":)" +
                      std::to_string(stock) + R"(,"low_stock_threshold":2})",
                  admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(r.body, "id");
  }
  std::string order(const std::string& token, const std::string& sku, int qty = 1) {
    auto r = call("POST", "/api/orders",
                  R"({"items":[{"sku":")" + sku + R"(","quantity":)" + std::to_string(qty) + "}]}", token);
    EXPECT_EQ(r.status, 201) << r.body;
    return str(r.body, "id");
  }
  int notify(const std::string& title, const std::string& body = "", const std::string& level = "info") {
    return call("POST", "/api/admin/notifications",
                R"({"title":")" + title + R"(","body":")" + body + R"(","level":")" + level + R"("})", admin_)
        .status;
  }

  // A client connected (101) and welcomed; `token` in the subprotocol header.
  std::unique_ptr<ws_client> connect(const std::string& token = {}) {
    auto c = std::make_unique<ws_client>();
    std::vector<std::string> protocols = {"agora.v1"};
    if (!token.empty()) protocols.push_back("bearer." + token);
    EXPECT_EQ(c->connect(node_->http_port(), protocols), 101) << c->refusal_body();
    auto w = c->read();
    EXPECT_TRUE(w && str(*w, "type") == "welcome") << w.value_or("<nothing>");
    return c;
  }
  // Subscribes `c` to `channels` (JSON array body) and waits for every
  // `subscribed` answer.
  void subscribe(ws_client& c, const std::string& channels, std::size_t answers = 1) {
    ASSERT_TRUE(c.send(R"({"type":"subscribe","id":7,"channels":)" + channels + "}"));
    for (std::size_t i = 0; i < answers; ++i) {
      auto m = c.read_type("subscribed");
      ASSERT_TRUE(m) << "no subscribed answer for " << channels;
    }
  }
  std::string metrics() { return call("GET", "/metrics").body; }
  double metric(const std::string& line_prefix) {
    const std::string text = metrics();
    const auto at = text.find("\n" + line_prefix + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + line_prefix.size() + 2));
  }

  testing::temp_dir dir_;
  config cfg_;
  std::unique_ptr<node> node_;
  std::unique_ptr<http_client> client_;
  std::string admin_;
};

TEST_F(RealtimeTest, AnAnonymousClientIsWelcomedAndGetsCatalogueEventsAfterTheReadModelsShowThem) {
  start();
  auto c = connect();
  subscribe(*c, R"(["products","inventory"])", 2);
  const std::string id = product("LAMP-1", 5);
  auto e = c->read_type("event");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "channel"), "products");
  EXPECT_EQ(str(*e, "event"), "ProductCreated");
  EXPECT_EQ(str(*e, "stream"), "product-" + id);
  EXPECT_GT(num(*e, "position"), 0);
  // Sent only once the read models show it: a GET right after sees it.
  EXPECT_EQ(call("GET", "/api/products/" + id).status, 200);
  // Stock changes on "inventory", reduced to public fields.
  auto inv = c->read_type("event");
  ASSERT_TRUE(inv);
  EXPECT_EQ(str(*inv, "channel"), "inventory");
  EXPECT_NE(inv->find("\"sku\":\"LAMP-1\""), std::string::npos) << *inv;
  // A ping is answered with the position.
  ASSERT_TRUE(c->send(R"({"type":"ping","id":"p1"})"));
  auto pong = c->read_type("pong");
  ASSERT_TRUE(pong);
  EXPECT_EQ(str(*pong, "id"), "p1");
  EXPECT_GE(num(*pong, "position"), num(*e, "position"));
}

TEST_F(RealtimeTest, OrdersGoToTheirCustomerAndAdminsNeverToAnotherCustomer) {
  start();
  product("CUP-1", 50);
  std::string ann_id, bob_id;
  const std::string ann = customer("ann@shop.test", &ann_id);
  const std::string bob = customer("bob@shop.test", &bob_id);
  auto ann_ws = connect(ann);
  auto admin_ws = connect(admin_);
  subscribe(*ann_ws, R"(["orders"])");
  subscribe(*admin_ws, R"(["admin","orders:)" + ann_id + R"("])", 2);

  const std::string bobs = order(bob, "CUP-1");
  const std::string anns = order(ann, "CUP-1");
  // Ann's first event is of her own order: Bob's never reaches her.
  auto first = ann_ws->read_type("event");
  ASSERT_TRUE(first);
  EXPECT_EQ(str(*first, "stream"), "order-" + anns);
  EXPECT_EQ(str(*first, "channel"), "orders");
  // A GET right after an event sees the change.
  auto got = call("GET", "/api/orders/" + anns, {}, ann);
  EXPECT_EQ(got.status, 200);
  // The admin sees both orders on "admin", and Ann's on "orders:<ann>".
  std::set<std::string> admin_streams, per_customer;
  ASSERT_TRUE(eventually([&] {
    auto m = admin_ws->read(ms(200));
    if (m && str(*m, "type") == "event") {
      (str(*m, "channel") == "admin" ? admin_streams : per_customer).insert(str(*m, "stream"));
    }
    return admin_streams.count("order-" + bobs) && admin_streams.count("order-" + anns) &&
           per_customer.count("order-" + anns);
  }));
  EXPECT_FALSE(per_customer.count("order-" + bobs));
  // Ann's connection got nothing of Bob's.
  while (auto m = ann_ws->read(ms(300))) {
    EXPECT_EQ(m->find(bobs), std::string::npos) << *m;
  }
}

TEST_F(RealtimeTest, EveryAuthorizationRuleAnswersAnErrorAndKeepsTheConnection) {
  start();
  std::string ann_id, bob_id;
  const std::string ann = customer("ann@shop.test", &ann_id);
  customer("bob@shop.test", &bob_id);

  auto expect_error = [](ws_client& c, const std::string& channel, const std::string& code) {
    ASSERT_TRUE(c.send(R"({"type":"subscribe","id":3,"channels":[")" + channel + R"("]})"));
    auto e = c.read_type("error");
    ASSERT_TRUE(e) << channel;
    EXPECT_EQ(str(*e, "code"), code) << channel;
    EXPECT_EQ(str(*e, "channel"), channel);
    EXPECT_EQ(num(*e, "id"), 3);
  };
  auto anon = connect();
  expect_error(*anon, "admin", "forbidden");
  expect_error(*anon, "orders", "forbidden");
  expect_error(*anon, "orders:" + ann_id, "forbidden");
  expect_error(*anon, "nonsense", "unknown_channel");
  subscribe(*anon, R"(["notifications","product:x1"])", 2);  // public channels are open to anyone

  auto customer_ws = connect(ann);
  expect_error(*customer_ws, "admin", "forbidden");
  expect_error(*customer_ws, "orders:" + bob_id, "forbidden");
  subscribe(*customer_ws, R"(["orders","orders:)" + ann_id + R"("])", 2);

  auto admin_ws = connect(admin_);
  subscribe(*admin_ws, R"(["admin","orders:)" + bob_id + R"("])", 2);

  // A bad token in the handshake is answered 401 Problem Details.
  ws_client bad;
  EXPECT_EQ(bad.connect(node_->http_port(), {"agora.v1", "bearer.not-a-token"}), 401);
  EXPECT_NE(bad.refusal_body().find("unauthorized"), std::string::npos) << bad.refusal_body();
  // ... and in an auth message, an error; the connection stays open.
  auto later = connect();
  ASSERT_TRUE(later->send(R"({"type":"auth","id":1,"token":"not-a-token"})"));
  auto e = later->read_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "unauthorized");
  ASSERT_TRUE(later->send(R"({"type":"auth","id":2,"token":")" + ann + R"("})"));
  auto w = later->read_type("welcome");
  ASSERT_TRUE(w);
  EXPECT_EQ(str(*w, "role"), "customer");
  EXPECT_EQ(str(*w, "customer_id"), ann_id);
  subscribe(*later, R"(["orders"])");
  // The subprotocol is selected; one without agora.v1 is refused.
  EXPECT_EQ(later->selected(), "agora.v1");
  ws_client other;
  EXPECT_EQ(other.connect(node_->http_port(), {"chat"}), 400);
}

TEST_F(RealtimeTest, AdminsGetAlertsAndBroadcastsReachEveryone) {
  start();
  const std::string id = product("MUG-1", 3);
  std::string ann_id;
  const std::string ann = customer("ann@shop.test", &ann_id);
  auto admin_ws = connect(admin_);
  auto anon = connect();
  subscribe(*admin_ws, R"(["admin"])");
  subscribe(*anon, R"(["notifications"])");
  // 3 in stock, threshold 2: an order of 2 makes it low.
  order(ann, "MUG-1", 2);
  bool low = false;
  ASSERT_TRUE(eventually([&] {
    auto m = admin_ws->read(ms(200));
    if (m && str(*m, "type") == "notification" && str(*m, "kind") == "low_stock") {
      low = true;
      EXPECT_EQ(str(*m, "level"), "warning");
      EXPECT_NE(m->find("\"product_id\":\"" + id + "\""), std::string::npos) << *m;
    }
    return low;
  }));
  // A new customer is announced without the e-mail address.
  std::string cid;
  customer("carl@shop.test", &cid);
  bool registered = false;
  ASSERT_TRUE(eventually([&] {
    auto m = admin_ws->read(ms(200));
    if (m && str(*m, "kind") == "customer_registered") {
      registered = true;
      EXPECT_EQ(m->find("carl@"), std::string::npos) << *m;
      EXPECT_NE(m->find(cid), std::string::npos) << *m;
    }
    return registered;
  }));
  // The broadcast route validates, answers 202 with a position, and every
  // notifications subscriber gets it.
  EXPECT_EQ(notify(""), 400);
  EXPECT_EQ(notify(std::string(201, 'x')), 400);
  EXPECT_EQ(notify("ok", std::string(2001, 'y')), 400);
  EXPECT_EQ(notify("ok", "", "loud"), 400);
  EXPECT_EQ(call("POST", "/api/admin/notifications", R"({"title":"x"})", ann).status, 403);
  auto r = call("POST", "/api/admin/notifications", R"({"title":"Sale","body":"All lamps -20%","level":"warning"})",
                admin_);
  ASSERT_EQ(r.status, 202) << r.body;
  const auto pos = num(r.body, "position");
  auto n = anon->read_type("notification");
  ASSERT_TRUE(n);
  EXPECT_EQ(str(*n, "kind"), "broadcast");
  EXPECT_EQ(str(*n, "title"), "Sale");
  EXPECT_EQ(str(*n, "body"), "All lamps -20%");
  EXPECT_EQ(str(*n, "level"), "warning");
  EXPECT_EQ(num(*n, "position"), pos);
  // Connection counts by channel in the admin's stats.
  auto stats = call("GET", "/api/admin/stats", {}, admin_);
  EXPECT_NE(stats.body.find("\"realtime\":{\"connections\":2"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("\"notifications\":1"), std::string::npos) << stats.body;
  EXPECT_EQ(metric("agora_realtime_connections"), 2);
  EXPECT_EQ(metric("agora_realtime_subscriptions{channel=\"admin\"}"), 1);
}

// Orders are placed from another thread while a customer's client
// disconnects and resumes with `from`: every event of their orders arrives
// exactly once, in log order (compared with the log itself).
TEST_F(RealtimeTest, ResumeAcrossADisconnectHasNoGapAndNoDuplicate) {
  start();
  product("PEN-1", 100000);
  std::string ann_id;
  const std::string ann = customer("ann@shop.test", &ann_id);
  std::vector<std::int64_t> seen;
  std::set<std::string> orders;
  std::mutex orders_mu;
  std::atomic<bool> stop{false};
  std::atomic<int> placed{0};
  auto read_for = [&](ws_client& c, ms span) {
    const auto until = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < until) {
      auto m = c.read(ms(50));
      if (m && str(*m, "type") == "event") {
        EXPECT_EQ(str(*m, "channel"), "orders");
        seen.push_back(num(*m, "position"));
      }
    }
  };
  // The first subscription without `from`: everything after it counts.
  auto first = connect(ann);
  subscribe(*first, R"(["orders"])");
  std::thread writer([&] {
    http_client own(node_->http_port());
    while (!stop.load()) {
      auto r = own.request("POST", "/api/orders", R"({"items":[{"sku":"PEN-1","quantity":1}]})",
                           {{"Authorization", "Bearer " + ann}});
      // 202: placed, but the read models did not show it in time.
      std::string id = r.status == 201 ? str(r.body, "id") : str(r.body, "stream").substr(6);
      if (r.status == 201 || r.status == 202) {
        std::lock_guard lock(orders_mu);
        orders.insert(id);
        ++placed;
      }
    }
  });
  ASSERT_TRUE(eventually([&] { return placed.load() >= 5; }));
  read_for(*first, ms(300));
  first->drop();
  for (int round = 0; round < 3; ++round) {
    // More orders while disconnected.
    const int before = placed.load();
    ASSERT_TRUE(eventually([&] { return placed.load() >= before + 3; }));
    ASSERT_FALSE(seen.empty());
    auto c = connect(ann);
    ASSERT_TRUE(c->send(R"({"type":"subscribe","id":1,"channels":[{"name":"orders","from":)" +
                        std::to_string(seen.back()) + "}]}"));
    read_for(*c, ms(300));
    c->drop();
  }
  // Resume once more, stop the writer, and read until quiet.
  ASSERT_FALSE(seen.empty());
  auto last = connect(ann);
  ASSERT_TRUE(last->send(R"({"type":"subscribe","id":1,"channels":[{"name":"orders","from":)" +
                         std::to_string(seen.back()) + "}]}"));
  read_for(*last, ms(200));
  stop = true;
  writer.join();
  const auto end_pos = node_->store().last_position();
  ASSERT_TRUE(node_->projections().wait_for_position(end_pos, ms(10000)));
  while (auto m = last->read(ms(2000))) {
    if (str(*m, "type") == "event") seen.push_back(num(*m, "position"));
  }
  // The log's events of Ann's orders, in order.
  std::vector<std::int64_t> expected;
  auto scanned = node_->store().scan_log(1, ~std::size_t{0}, [&](const eventstore::event_view& v) {
    const std::string stream(v.stream);
    if (stream.rfind("order-", 0) == 0 && orders.count(stream.substr(6))) {
      expected.push_back(static_cast<std::int64_t>(v.position));
    }
    return true;
  });
  ASSERT_TRUE(scanned);
  EXPECT_GE(orders.size(), 14u);
  EXPECT_EQ(seen, expected) << "received " << seen.size() << " events, the log has " << expected.size();
}

TEST_F(RealtimeTest, ResumeWorksAcrossARestartOfTheNode) {
  // The routed history is rebuilt from the log as the projections catch up at
  // start: a client that saw position P before a restart resumes from P after
  // it, and gets exactly what followed (including what was written while it
  // was away, before the restart).
  start();
  product("PEN-2", 1000);
  std::string ann_id;
  const std::string ann = customer("ann@shop.test", &ann_id);
  auto c = connect(ann);
  subscribe(*c, R"(["orders"])");
  std::set<std::string> orders = {order(ann, "PEN-2")};
  auto first = c->read_type("event");
  ASSERT_TRUE(first);
  std::vector<std::int64_t> seen = {num(*first, "position")};
  while (auto m = c->read(ms(500))) {
    if (str(*m, "type") == "event") seen.push_back(num(*m, "position"));
  }
  c.reset();
  orders.insert(order(ann, "PEN-2"));  // while the client is away
  client_.reset();
  node_.reset();  // a restart
  start();
  orders.insert(order(ann, "PEN-2"));  // after the restart
  ASSERT_TRUE(node_->projections().wait_for_position(node_->store().last_position(), ms(10000)));
  auto again = connect(ann);
  ASSERT_TRUE(again->send(R"({"type":"subscribe","id":1,"channels":[{"name":"orders","from":)" +
                          std::to_string(seen.back()) + "}]}"));
  ASSERT_TRUE(again->read_type("subscribed"));
  while (auto m = again->read(ms(1000))) {
    ASSERT_NE(str(*m, "type"), "error") << *m;
    if (str(*m, "type") == "event") seen.push_back(num(*m, "position"));
  }
  std::vector<std::int64_t> expected;
  ASSERT_TRUE(node_->store().scan_log(1, ~std::size_t{0}, [&](const eventstore::event_view& v) {
    const std::string stream(v.stream);
    if (stream.rfind("order-", 0) == 0 && orders.count(stream.substr(6))) {
      expected.push_back(static_cast<std::int64_t>(v.position));
    }
    return true;
  }));
  EXPECT_EQ(seen, expected);
}

TEST_F(RealtimeTest, ACartOpenedBeforeARestartStillReachesItsOwner) {
  // Cart events after the first do not name their customer: the router learns
  // the owner from CartCreated. After a restart, with the cart's creation far
  // outside the resume window, its next event must still reach the owner.
  start({{"realtime.max_resume_events", "3"}});
  product("CUP-1", 100);
  const std::string ann = customer("ann@shop.test");
  auto created = call("POST", "/api/carts", "", ann);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string cart = str(created.body, "id");
  for (int i = 0; i < 3; ++i) product("FILL-" + std::to_string(i), 1);  // pushes CartCreated out of the window
  client_.reset();
  node_.reset();
  start();
  auto c = connect(ann);
  subscribe(*c, R"(["orders"])");
  auto put = call("PUT", "/api/carts/" + cart + "/items/CUP-1", R"({"quantity":2})", ann);
  ASSERT_EQ(put.status, 200) << put.body;
  auto e = c->read_type("event");
  ASSERT_TRUE(e) << "the cart's event did not reach its owner";
  EXPECT_EQ(str(*e, "stream"), "cart-" + cart);
}

TEST_F(RealtimeTest, AFromOlderThanTheHistoryIsRefusedWithResumeTooOld) {
  start({{"realtime.max_resume_events", "5"}});
  for (int i = 0; i < 4; ++i) product("SKU-" + std::to_string(i), 1);  // > 5 events
  auto c = connect();
  ASSERT_TRUE(c->send(R"({"type":"subscribe","id":9,"channels":[{"name":"products","from":1}]})"));
  auto e = c->read_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "resume_too_old");
  EXPECT_EQ(str(*e, "channel"), "products");
  // A recent `from` replays what followed it.
  const auto pos = static_cast<std::int64_t>(node_->projections().position());
  product("SKU-9", 1);
  ASSERT_TRUE(c->send(R"({"type":"subscribe","id":10,"channels":[{"name":"products","from":)" + std::to_string(pos) +
                      "}]}"));
  auto ev = c->read_type("event");
  ASSERT_TRUE(ev);
  EXPECT_GT(num(*ev, "position"), pos);
  EXPECT_EQ(str(*ev, "event"), "ProductCreated");
}

TEST_F(RealtimeTest, AClientThatStopsReadingIsClosedWith1013AndTheOthersGoOn) {
  start({{"realtime.send_queue_messages", "8"}, {"realtime.send_queue_bytes", "64KiB"}});
  ws_client slow;
  // A small receive buffer, so that the kernel does not absorb the flood.
  ASSERT_EQ(slow.connect(node_->http_port(), {"agora.v1"}, "/ws", 4096), 101);
  ASSERT_TRUE(slow.read_type("welcome"));
  ASSERT_TRUE(slow.send(R"({"type":"subscribe","channels":["notifications"]})"));
  ASSERT_TRUE(slow.read_type("subscribed"));
  auto fast = connect();
  subscribe(*fast, R"(["notifications"])");
  // Broadcasts written straight to the store, many at a time (group
  // commits): the kernel's socket buffers take a few MiB before the server's
  // queue for the slow client fills.
  domain::notification::broadcast b{"flood", std::string(1900, 'b'), domain::notification::level::info, "t", 0};
  const std::string data = domain::notification::encode(b);
  int sent = 0;
  ASSERT_TRUE(eventually([&] {
    std::atomic<int> done{0};
    for (int i = 0; i < 200; ++i) {
      eventstore::new_event e;
      e.type = std::string(domain::notification::broadcast_type);
      e.data = data;
      std::vector<eventstore::new_event> events;
      events.push_back(std::move(e));
      node_->store().async_append("notification-flood-" + std::to_string(sent++),
                                  eventstore::expected_version::no_stream(), std::move(events),
                                  [&done](eventstore::store_result<eventstore::append_result>) { ++done; });
    }
    while (done.load() < 200) std::this_thread::sleep_for(ms(1));
    // The fast client keeps up.
    while (fast->read(ms(1))) {
    }
    return metric("agora_realtime_slow_consumer_closes_total") >= 1;
  }, ms(60000)));
  // Reading again, the slow client finds the close frame after what was
  // written before it.
  while (slow.read(ms(5000))) {
  }
  EXPECT_TRUE(slow.closed());
  EXPECT_EQ(slow.close_code(), 1013);
  EXPECT_EQ(slow.close_reason(), "send queue full");
  // The fast one is still served.
  EXPECT_EQ(notify("after"), 202);
  EXPECT_TRUE(fast->read_type("notification"));
  EXPECT_FALSE(fast->closed());
}

TEST_F(RealtimeTest, AClientSilentPastTheIdleTimeoutIsClosed) {
  start({{"realtime.idle_timeout", "600ms"}});
  auto quiet = connect();
  auto talking = connect();
  // The talking client answers the server's pings (Beast's client does so
  // while a read is pending); the quiet one reads nothing, so answers none.
  const auto until = std::chrono::steady_clock::now() + ms(2000);
  while (std::chrono::steady_clock::now() < until) talking->read(ms(100));
  EXPECT_FALSE(talking->closed());
  ASSERT_TRUE(eventually([&] { return metric("agora_realtime_idle_closes_total") >= 1; }));
  while (quiet->read(ms(2000))) {
  }
  EXPECT_TRUE(quiet->closed());
}

TEST_F(RealtimeTest, AnExpiredTokenClosesWith4401AndALogoutRevokesIt) {
  start();
  std::string ann_id;
  const std::string ann = customer("ann@shop.test", &ann_id);
  // A token of ann's account that expires in a second.
  http::jwt_signer short_lived(agora::testing::kTestJwtSecret, "agora", std::chrono::seconds(1));
  const auto account = node_->projections().accounts()->by_id(ann_id);
  ASSERT_TRUE(account);
  const std::string token = short_lived.issue(http::principal{ann_id, account->email, "customer"},
                                              system_clock::instance().now(), account->token_version);
  auto c = connect(token);
  subscribe(*c, R"(["orders"])");
  while (c->read(ms(5000))) {
  }
  EXPECT_TRUE(c->closed());
  EXPECT_EQ(c->close_code(), 4401);
  EXPECT_EQ(c->close_reason(), "token expired");

  // Revoked: the account logs out; every connection with its token closes.
  auto d = connect(ann);
  subscribe(*d, R"(["orders"])");
  EXPECT_EQ(call("POST", "/api/auth/logout", {}, ann).status / 100, 2);
  while (d->read(ms(5000))) {
  }
  EXPECT_EQ(d->close_code(), 4401);
  EXPECT_EQ(d->close_reason(), "token revoked");
}

TEST_F(RealtimeTest, BadClientMessagesGetAnErrorOrACloseNeverACrash) {
  start({{"realtime.max_message_bytes", "1KiB"}, {"realtime.max_subscriptions", "2"}});
  auto c = connect();
  for (const char* bad : {"not json", "[1,2]", "{}", R"({"type":"dance"})", R"({"type":"subscribe","channels":7})",
                          R"({"type":"subscribe","channels":[{"name":"products","from":-1}]})",
                          R"({"type":"auth"})"}) {
    ASSERT_TRUE(c->send(bad)) << bad;
    auto e = c->read_type("error");
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(str(*e, "code"), "bad_request") << bad;
  }
  // Too many subscriptions.
  ASSERT_TRUE(c->send(R"({"type":"subscribe","id":1,"channels":["products","inventory","notifications"]})"));
  auto e = c->read_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(str(*e, "code"), "too_many_subscriptions");
  // Still serving.
  ASSERT_TRUE(c->send(R"({"type":"ping"})"));
  EXPECT_TRUE(c->read_type("pong"));
  // A binary frame: 1003.
  ASSERT_TRUE(c->send("\x01\x02", /*binary=*/true));
  while (c->read(ms(5000))) {
  }
  EXPECT_EQ(c->close_code(), 1003);
  // Oversized: 1009.
  auto big = connect();
  ASSERT_TRUE(big->send(R"({"type":"ping","pad":")" + std::string(2048, 'x') + "\"}"));
  while (big->read(ms(5000))) {
  }
  EXPECT_EQ(big->close_code(), 1009);
  // And the node still serves.
  auto after = connect();
  ASSERT_TRUE(after->send(R"({"type":"ping"})"));
  EXPECT_TRUE(after->read_type("pong"));
}

TEST_F(RealtimeTest, StoppingTheNodeClosesWith1001) {
  start();
  auto c = connect();
  subscribe(*c, R"(["products"])");
  std::thread stopper([&] { node_->stop(); });
  while (c->read(ms(10000))) {
  }
  stopper.join();
  EXPECT_TRUE(c->closed());
  EXPECT_EQ(c->close_code(), 1001);
  EXPECT_EQ(c->close_reason(), "server shutting down");
}

TEST_F(RealtimeTest, UpgradedConnectionsCountAgainstTheHttpConnectionLimit) {
  start({{"http.max_connections", "3"}});
  client_.reset();  // the test's own HTTP connection held one place
  auto a = connect();
  auto b = connect();
  auto c = connect();
  ASSERT_FALSE(c->closed());
  // Three WebSockets hold every place and none waits for a request head: a
  // fourth connection is refused (503), whether HTTP or WebSocket.
  http_client probe(node_->http_port());
  EXPECT_EQ(probe.request("GET", "/health/live").status, 503);
  ws_client d;
  EXPECT_EQ(d.connect(node_->http_port()), 503);
  a->close();
  ASSERT_TRUE(eventually([&] {
    http_client again(node_->http_port());
    return again.request("GET", "/health/live").status == 200;
  }));
}

// One rebuild_progress message's data.
struct progress_data {
  std::string name;
  bool dry_run = false;
  bool done = false;
  std::int64_t position = 0;
  std::int64_t target = 0;
};

std::optional<progress_data> progress_of(const std::string& msg) {
  simdjson::dom::parser p;
  simdjson::dom::element root;
  if (p.parse(msg).get(root)) return std::nullopt;
  std::string_view kind, name;
  simdjson::dom::element d;
  if (root["kind"].get(kind) || kind != "rebuild_progress" || root["data"].get(d)) return std::nullopt;
  progress_data out;
  if (d["name"].get(name) || d["dry_run"].get(out.dry_run) || d["done"].get(out.done) ||
      d["position"].get(out.position) || d["target"].get(out.target)) {
    return std::nullopt;
  }
  out.name = std::string(name);
  return out;
}

// Reads `c` until a rebuild_progress message with done; all of them.
std::vector<progress_data> read_progress(ws_client& c) {
  std::vector<progress_data> seen;
  const auto deadline = std::chrono::steady_clock::now() + ms(20000);
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = c.read(ms(200));
    if (!m) continue;
    if (auto p = progress_of(*m)) {
      seen.push_back(*p);
      if (p->done) break;
    }
  }
  return seen;
}

TEST_F(RealtimeTest, AdminsGetTheProgressOfRebuildsAndDryRuns) {
  start();
  product("LAMP-1", 5);
  auto admin_ws = connect(admin_);
  subscribe(*admin_ws, R"(["admin"])");
  ASSERT_EQ(call("POST", "/api/admin/projections/catalog/rebuild", {}, admin_).status, 202);
  auto seen = read_progress(*admin_ws);
  ASSERT_GE(seen.size(), 2u) << "started, then swapped in";
  EXPECT_EQ(seen.front().name, "catalog");
  EXPECT_FALSE(seen.front().done);
  EXPECT_EQ(seen.front().position, 0);
  EXPECT_TRUE(seen.back().done) << "the rebuilt model is served";
  EXPECT_FALSE(seen.back().dry_run);
  EXPECT_GT(seen.back().position, 0);
  EXPECT_EQ(seen.back().position, seen.back().target);

  ASSERT_EQ(call("POST", "/api/admin/projections/orders/dry-run", {}, admin_).status, 202);
  seen = read_progress(*admin_ws);
  ASSERT_GE(seen.size(), 2u);
  for (const auto& p : seen) {
    EXPECT_EQ(p.name, "orders");
    EXPECT_TRUE(p.dry_run);
    EXPECT_LE(p.position, p.target);
  }
  EXPECT_TRUE(seen.back().done);
  auto r = call("GET", "/api/admin/projections/orders/dry-run", {}, admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(str(r.body, "state"), "done");
  EXPECT_NE(r.body.find(R"("equal":true)"), std::string::npos) << r.body;

  // Only an admin may start one, of a model that exists.
  EXPECT_EQ(call("POST", "/api/admin/projections/orders/dry-run", {}, customer("eve@shop.test")).status, 403);
  EXPECT_EQ(call("POST", "/api/admin/projections/nonsense/dry-run", {}, admin_).status, 404);
}

TEST_F(RealtimeTest, RealtimeConnectionsBeyondTheLimitGet503) {
  start({{"realtime.max_connections", "1"}});
  auto first = connect();
  ws_client second;
  EXPECT_EQ(second.connect(node_->http_port()), 503);
  EXPECT_NE(second.refusal_body().find("too many realtime connections"), std::string::npos);
  first->close();
  ASSERT_TRUE(eventually([&] { return node_->realtime().stats().connections == 0; }));
  ws_client third;
  EXPECT_EQ(third.connect(node_->http_port()), 101);
}

TEST_F(RealtimeTest, ConnectionsPerUserAreLimited) {
  start({{"realtime.max_connections_per_user", "2"}});
  const std::string ann = customer("ann@shop.test");
  auto a = connect(ann);
  auto b = connect(ann);
  ws_client c;
  ASSERT_EQ(c.connect(node_->http_port(), {"agora.v1", "bearer." + ann}), 101);
  while (c.read(ms(5000))) {
  }
  EXPECT_EQ(c.close_code(), 1008);
  EXPECT_EQ(c.close_reason(), "too many connections for this user");
}

}  // namespace
}  // namespace agora
