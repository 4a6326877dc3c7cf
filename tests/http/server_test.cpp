// A real server on port 0, driven by a real Beast client.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/time.h>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "common/config.hpp"
#include "common/json_writer.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "http/upgrade.hpp"
#include "tests/http/test_client.hpp"

namespace agora::http {
namespace {

using agora::testing::client_response;
using agora::testing::http_client;
using namespace std::chrono_literals;

std::string json_of(std::initializer_list<std::pair<const char*, std::string>> members) {
  json_writer w;
  w.begin_object();
  for (const auto& [k, v] : members) w.key(k).value(v);
  w.end_object();
  return std::move(w).take();
}

// The string member `key` of a JSON object (empty when absent).
std::string member(const std::string& json, const char* key) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc)) return "<not json>";
  std::string_view v;
  if (doc[key].get_string().get(v)) return {};
  return std::string(v);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(routes_.add(method::get, "/api/products/{id}", "products.get", [](request& req, responder r) {
      r(response::json(200, json_of({{"id", std::string(*req.path_param("id"))}})));
    }));
    ASSERT_TRUE(routes_.add(method::get, "/api/products/search", "products.search", [](request& req, responder r) {
      r(response::json(200, json_of({{"q", std::string(req.param("q").value_or(""))}})));
    }));
    ASSERT_TRUE(routes_.add(method::get, "/api/carts/{id}/items/{sku}", "carts.item", [](request& req, responder r) {
      r(response::json(200, json_of({{"cart", std::string(*req.path_param("id"))},
                                     {"sku", std::string(*req.path_param("sku"))}})));
    }));
    ASSERT_TRUE(routes_.add(method::post, "/api/products", "products.create", [](request& req, responder r) {
      if (auto bad = require_json(req)) return r(std::move(*bad));
      r(response::json(201, json_of({{"size", std::to_string(req.body.size())}})));
    }));
    ASSERT_TRUE(routes_.add(method::get, "/async", "async", [this](request& req, responder r) {
      std::string id = req.request_id;  // the request is gone once we return
      std::lock_guard lock(mu_);
      threads_.emplace_back([r = std::move(r), id]() mutable {
        std::this_thread::sleep_for(30ms);
        r(response::json(200, json_of({{"from", "thread"}, {"id", id}})));
      });
    }));
    ASSERT_TRUE(routes_.add(method::get, "/delay/{ms}", "delay", [this](request& req, responder r) {
      int ms = std::stoi(std::string(*req.path_param("ms")));
      std::string tag(req.param("tag").value_or(""));
      std::lock_guard lock(mu_);
      threads_.emplace_back([r = std::move(r), ms, tag]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        r(response::json(200, json_of({{"tag", tag}})));
      });
    }));
    ASSERT_TRUE(routes_.add(method::get, "/drop", "drop", [](request&, responder) {}));
    ASSERT_TRUE(routes_.add(method::get, "/throw", "throw",
                            [](request&, responder) { throw std::runtime_error("boom"); }));
    ASSERT_TRUE(routes_.add(method::get, "/never", "never", [this](request&, responder r) {
      std::lock_guard lock(mu_);
      parked_.push_back(std::move(r));  // answered by nobody: the deadline must fire
    }));
    ASSERT_TRUE(routes_.add(method::get, "/thread", "thread", [](request&, responder r) {
      r(response::json(200, json_of({{"thread", std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()))}})));
    }));
    ASSERT_TRUE(routes_.add(method::get, "/echo-header", "echo", [](request& req, responder r) {
      response res = response::json(200, "{}");
      res.headers.set("X-Echo", std::string(req.param("v").value_or("")));
      res.headers.set("Content-Length", "999");  // the server's framing wins
      r(std::move(res));
    }));
    ASSERT_TRUE(routes_.add(method::get, "/big", "big", [](request&, responder r) {
      r(response::json(200, "\"" + std::string(64u << 20, 'x') + "\""));
    }));
    ASSERT_TRUE(routes_.add(method::get, "/cached", "cached", [](request&, responder r) {
      response res = response::json(200, "{}");
      res.headers.set("Cache-Control", "public, max-age=60");
      r(std::move(res));
    }));
  }

  void TearDown() override {
    srv_.stop();
    std::lock_guard lock(mu_);
    for (auto& t : threads_) t.join();
    parked_.clear();
  }

  server_options defaults() {
    server_options o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.io_threads = 2;
    o.body_limit = 1024;
    o.header_limit = 2048;
    o.read_timeout = 5s;
    o.request_timeout = 5s;
    o.shutdown_grace = 2s;
    return o;
  }

  void start(server_options o, server_hooks hooks = {}) {
    auto r = srv_.start(o, routes_, std::move(hooks));
    ASSERT_TRUE(r.has_value()) << r.error();
    ASSERT_NE(srv_.port(), 0);
  }

  router routes_;
  server srv_;
  std::vector<std::thread> threads_;  // guarded by mu_; joined after stop
  std::mutex mu_;
  std::vector<responder> parked_;
};

void expect_problem(const client_response& res, int status, const std::string& type_suffix, const std::string& path) {
  EXPECT_EQ(res.status, status);
  EXPECT_EQ(res.header("Content-Type"), "application/problem+json");
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(res.body);
  simdjson::ondemand::document doc;
  ASSERT_FALSE(parser.iterate(padded).get(doc)) << res.body;
  std::string_view type, title, instance, request_id;
  std::int64_t st = 0;
  ASSERT_FALSE(doc["type"].get_string().get(type)) << res.body;
  EXPECT_EQ(type, "https://agora.dev/problems/" + type_suffix);
  ASSERT_FALSE(doc["title"].get_string().get(title)) << res.body;
  EXPECT_FALSE(title.empty());
  ASSERT_FALSE(doc["status"].get_int64().get(st)) << res.body;
  EXPECT_EQ(st, status);
  if (path.empty()) {
    // The request line may not have been readable (400/431): instance is
    // optional then.
  } else {
    ASSERT_FALSE(doc["instance"].get_string().get(instance)) << res.body;
    EXPECT_EQ(instance, path);
  }
  ASSERT_FALSE(doc["request_id"].get_string().get(request_id)) << res.body;
  EXPECT_EQ(request_id, res.header("X-Request-Id"));
}

TEST_F(ServerTest, RoutesWithPathParameters) {
  start(defaults());
  http_client c(srv_.port());
  auto a = c.request("GET", "/api/products/p-42");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.header("Content-Type"), "application/json");
  EXPECT_EQ(member(a.body, "id"), "p-42");
  auto b = c.request("GET", "/api/carts/c%201/items/SKU-9");
  EXPECT_EQ(member(b.body, "cart"), "c 1");
  EXPECT_EQ(member(b.body, "sku"), "SKU-9");
  // A literal segment beats a parameter; query strings are decoded.
  auto s = c.request("GET", "/api/products/search?q=desk+lamp%21&q=ignored");
  EXPECT_EQ(member(s.body, "q"), "desk lamp!");
}

TEST_F(ServerTest, UnknownPathIs404Problem) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("GET", "/nope?x=1");
  expect_problem(r, 404, "not-found", "/nope");
}

TEST_F(ServerTest, OtherMethodIs405WithAllow) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("DELETE", "/api/products/1");
  expect_problem(r, 405, "method-not-allowed", "/api/products/1");
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
  auto p = c.request("PUT", "/api/products");
  EXPECT_EQ(p.status, 405);
  EXPECT_EQ(p.header("Allow"), "POST");
}

TEST_F(ServerTest, HeadAnswersLikeGetWithoutBody) {
  start(defaults());
  http_client c(srv_.port());
  c.write_request("HEAD", "/api/products/p-1");
  auto r = c.read_response(/*head=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(json_of({{"id", "p-1"}}).size()));
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(c.request("GET", "/api/products/p-2").status, 200);  // the connection is still in sync
}

TEST_F(ServerTest, ResponderCalledFromAnotherThread) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("GET", "/async", {}, {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(member(r.body, "from"), "thread");
  EXPECT_EQ(member(r.body, "id"), "abc-123");
}

TEST_F(ServerTest, DroppedResponderIs500) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("GET", "/drop");
  expect_problem(r, 500, "internal", "/drop");
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);  // the connection survives
}

TEST_F(ServerTest, ThrowingHandlerIs500) {
  start(defaults());
  http_client c(srv_.port());
  expect_problem(c.request("GET", "/throw"), 500, "internal", "/throw");
}

TEST_F(ServerTest, BodyOverLimitIs413) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("POST", "/api/products", std::string(4096, 'x'));
  expect_problem(r, 413, "payload-too-large", "/api/products");
  EXPECT_EQ(r.header("Connection"), "close");
  // Within the limit is fine.
  http_client c2(srv_.port());
  EXPECT_EQ(c2.request("POST", "/api/products", "{\"a\":1}").status, 201);
}

TEST_F(ServerTest, ExpectContinueGetsA100BeforeTheBody) {
  start(defaults());
  http_client c(srv_.port());
  c.send_raw("POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 7\r\nExpect: 100-continue\r\n\r\n");
  // The client holds the body back until the interim answer comes.
  EXPECT_EQ(c.read_response(true).status, 100);
  c.send_raw("{\"a\":1}");
  EXPECT_EQ(c.read_response().status, 201);
  // A body over the limit is refused before the client sends it: no 100.
  c.send_raw("POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: 4096\r\nExpect: 100-continue\r\n\r\n");
  auto r = c.read_response();
  expect_problem(r, 413, "payload-too-large", "/api/products");
  // A client that sends the body at once gets no stray 100 either.
  http_client c2(srv_.port());
  c2.send_raw("POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              "Content-Length: 7\r\nExpect: 100-continue\r\n\r\n{\"a\":1}");
  EXPECT_EQ(c2.read_response().status, 201);
  EXPECT_EQ(c2.request("GET", "/api/products/1").status, 200);
}

TEST_F(ServerTest, HeaderOverLimitIs431) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("GET", "/api/products/1", {}, {{"X-Big", std::string(4096, 'a')}});
  expect_problem(r, 431, "headers-too-large", "");
}

TEST_F(ServerTest, WrongContentTypeIs415) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("POST", "/api/products", "a=1", {{"Content-Type", "application/x-www-form-urlencoded"}});
  expect_problem(r, 415, "unsupported-media-type", "/api/products");
  auto ok = c.request("POST", "/api/products", "{}", {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(ok.status, 201);
}

TEST_F(ServerTest, MalformedRequestIs400) {
  start(defaults());
  http_client c(srv_.port());
  c.send_raw("GET /api/products/1 HTTX/1.1\r\nHost: x\r\n\r\n");
  auto r = c.read_response();
  expect_problem(r, 400, "bad-request", "");
  EXPECT_TRUE(c.closed_by_peer(2s));
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  start(defaults());
  http_client c(srv_.port());
  for (int i = 0; i < 10; ++i) {
    auto r = c.request("GET", "/api/products/" + std::to_string(i));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(member(r.body, "id"), std::to_string(i));
  }
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(srv_.connections(), 1u);
}

TEST_F(ServerTest, PipelinedAnswersComeInRequestOrder) {
  start(defaults());
  http_client c(srv_.port());
  // The first answer is the slowest: the others must wait for it.
  c.write_request("GET", "/delay/150?tag=first");
  c.write_request("GET", "/delay/1?tag=second");
  c.write_request("GET", "/api/products/third");
  EXPECT_EQ(member(c.read_response().body, "tag"), "first");
  EXPECT_EQ(member(c.read_response().body, "tag"), "second");
  EXPECT_EQ(member(c.read_response().body, "id"), "third");
}

TEST_F(ServerTest, PipelineLimitStillAnswersEverything) {
  auto o = defaults();
  o.max_pipelined = 2;
  start(o);
  http_client c(srv_.port());
  std::string batch;
  for (int i = 0; i < 6; ++i) batch += "GET /api/products/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  c.send_raw(batch);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(member(c.read_response().body, "id"), std::to_string(i));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  auto o = defaults();
  o.read_timeout = 200ms;
  start(o);
  http_client c(srv_.port());
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);
  EXPECT_TRUE(c.closed_by_peer(3s));
}

TEST_F(ServerTest, SlowHandlerIsNotCutByTheReadTimeout) {
  auto o = defaults();
  o.read_timeout = 100ms;
  start(o);
  http_client c(srv_.port());
  auto r = c.request("GET", "/delay/300?tag=slow");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(member(r.body, "tag"), "slow");
}

TEST_F(ServerTest, RequestDeadlineIs503) {
  auto o = defaults();
  o.request_timeout = 200ms;
  start(o);
  http_client c(srv_.port());
  auto r = c.request("GET", "/never");
  expect_problem(r, 503, "timeout", "/never");
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);
}

TEST_F(ServerTest, IdleTimeoutCountsFromTheLastAnswer) {
  auto o = defaults();
  o.read_timeout = 300ms;
  start(o);
  http_client c(srv_.port());
  // Busy for well over one read timeout: the timer's first expiry finds the
  // connection recently active and waits again instead of closing it.
  const auto until = std::chrono::steady_clock::now() + 800ms;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(c.request("GET", "/api/products/1").status, 200);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_FALSE(c.closed_by_peer(100ms));
  EXPECT_TRUE(c.closed_by_peer(3s));
}

TEST_F(ServerTest, EveryPipelinedRequestPastItsDeadlineIs503) {
  auto o = defaults();
  o.request_timeout = 200ms;
  start(o);
  http_client c(srv_.port());
  c.write_request("GET", "/never");
  c.write_request("GET", "/delay/50?tag=quick");
  c.write_request("GET", "/never");
  expect_problem(c.read_response(), 503, "timeout", "/never");
  auto quick = c.read_response();
  EXPECT_EQ(quick.status, 200);
  EXPECT_EQ(member(quick.body, "tag"), "quick");
  expect_problem(c.read_response(), 503, "timeout", "/never");
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);
}

TEST_F(ServerTest, ConnectionsAreSpreadOverTheIoThreads) {
  auto o = defaults();
  o.io_threads = 3;
  start(o);
  std::vector<std::unique_ptr<http_client>> clients;
  std::set<std::string> threads;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(std::make_unique<http_client>(srv_.port()));
    auto r = clients.back()->request("GET", "/thread");
    ASSERT_EQ(r.status, 200);
    threads.insert(member(r.body, "thread"));
  }
  EXPECT_EQ(threads.size(), 3u);
  // A connection stays on its thread.
  auto again = clients.front()->request("GET", "/thread");
  auto first = clients.back()->request("GET", "/thread");
  EXPECT_EQ(member(clients.front()->request("GET", "/thread").body, "thread"), member(again.body, "thread"));
  EXPECT_EQ(member(clients.back()->request("GET", "/thread").body, "thread"), member(first.body, "thread"));
}

TEST_F(ServerTest, AClientThatStopsReadingIsCutByTheWriteTimeout) {
  auto o = defaults();
  o.write_timeout = 300ms;
  start(o);
  // A raw socket with a small receive buffer that never reads: 64 MiB cannot
  // be written, so the write timeout must close the connection.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock(ioc);
  sock.open(boost::asio::ip::tcp::v4());
  sock.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), srv_.port()});
  // Without the timeout, the reads below would get everything and then wait
  // on an open connection: give up after 5 s (a failure, not a hang).
  const timeval tv{5, 0};
  ASSERT_EQ(::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
  const std::string req = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::asio::write(sock, boost::asio::buffer(req));
  std::this_thread::sleep_for(1500ms);
  // Now read: the connection ends (FIN or reset) long before 64 MiB arrive.
  std::size_t got = 0;
  std::vector<char> buf(1u << 16);
  boost::system::error_code ec;
  while (!ec) got += sock.read_some(boost::asio::buffer(buf), ec);
  EXPECT_LT(got, std::size_t{64} << 20);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) << ec.message();
}

TEST_F(ServerTest, HeaderValuesCannotSplitTheResponse) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("GET", "/echo-header?v=a%0D%0AX-Injected:%20yes");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("X-Injected"), "");
  EXPECT_EQ(r.header("X-Echo"), "a  X-Injected: yes");
  EXPECT_EQ(r.header("Content-Length"), "2");
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);  // the framing held
}

TEST_F(ServerTest, RequestIdIsEchoedOrGenerated) {
  start(defaults());
  http_client c(srv_.port());
  EXPECT_EQ(c.request("GET", "/api/products/1", {}, {{"X-Request-Id", "req.1_A-b"}}).header("X-Request-Id"),
            "req.1_A-b");
  auto bad = c.request("GET", "/api/products/1", {}, {{"X-Request-Id", "has space"}});
  EXPECT_EQ(bad.header("X-Request-Id").size(), 36u);  // a fresh UUID
  auto none = c.request("GET", "/api/products/1");
  EXPECT_EQ(none.header("X-Request-Id").size(), 36u);
  EXPECT_NE(none.header("X-Request-Id"), bad.header("X-Request-Id"));
  auto too_long = c.request("GET", "/api/products/1", {}, {{"X-Request-Id", std::string(129, 'a')}});
  EXPECT_EQ(too_long.header("X-Request-Id").size(), 36u);
}

TEST_F(ServerTest, SecurityHeadersOnEveryResponse) {
  start(defaults());
  http_client c(srv_.port());
  for (const char* target : {"/api/products/1", "/nope", "/cached"}) {
    auto r = c.request("GET", target);
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff") << target;
    EXPECT_EQ(r.header("X-Frame-Options"), "DENY") << target;
    EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer") << target;
    EXPECT_FALSE(r.header("X-Request-Id").empty()) << target;
  }
  EXPECT_EQ(c.request("GET", "/api/products/1").header("Cache-Control"), "no-store");
  EXPECT_EQ(c.request("GET", "/cached").header("Cache-Control"), "public, max-age=60");
  EXPECT_EQ(c.request("GET", "/api/products/1", {}, {{"Origin", "https://x.example"}})
                .header("Access-Control-Allow-Origin"),
            "");  // no CORS unless configured
}

TEST_F(ServerTest, CorsPreflightAndSimpleRequests) {
  auto o = defaults();
  o.cors_origins = {"https://shop.example"};
  start(o);
  http_client c(srv_.port());
  auto pre = c.request("OPTIONS", "/api/products/1", {},
                       {{"Origin", "https://shop.example"},
                        {"Access-Control-Request-Method", "GET"},
                        {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_EQ(pre.header("Access-Control-Allow-Methods"), "GET, HEAD");
  EXPECT_EQ(pre.header("Access-Control-Allow-Headers"), "authorization");
  EXPECT_EQ(pre.header("Vary"), "Origin");
  EXPECT_FALSE(pre.header("Access-Control-Max-Age").empty());

  auto simple = c.request("GET", "/api/products/1", {}, {{"Origin", "https://shop.example"}});
  EXPECT_EQ(simple.header("Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_NE(simple.header("Access-Control-Expose-Headers").find("X-Request-Id"), std::string::npos);

  auto other = c.request("GET", "/api/products/1", {}, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.header("Access-Control-Allow-Origin"), "");
  auto other_pre = c.request("OPTIONS", "/api/products/1", {},
                             {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(other_pre.header("Access-Control-Allow-Origin"), "");
}

TEST_F(ServerTest, UpgradeToUnknownPathIs404) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("GET", "/ws", {},
                     {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
                      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  expect_problem(r, 404, "not-found", "/ws");
}

TEST_F(ServerTest, UpgradeHandsTheSocketOver) {
  auto route = std::make_shared<upgrade_route>();
  route->path = "/ws";
  std::atomic<bool> got_key{false};
  route->on_upgrade = [&got_key](request req, boost::asio::ip::tcp::socket&& socket) {
    got_key = req.header("Sec-WebSocket-Key") == "dGhlIHNhbXBsZSBub25jZQ==";
    // Stand-in for a WebSocket handshake: the new owner writes on the socket.
    auto s = std::make_shared<boost::asio::ip::tcp::socket>(std::move(socket));
    static const std::string reply =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    boost::asio::async_write(*s, boost::asio::buffer(reply), [s](boost::system::error_code, std::size_t) {});
  };
  server_hooks hooks;
  hooks.upgrades.push_back(route);
  start(defaults(), hooks);
  http_client c(srv_.port());
  c.write_request("GET", "/ws", {},
                  {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
                   {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  auto r = c.read_response(/*head=*/true);
  EXPECT_EQ(r.status, 101);
  EXPECT_TRUE(got_key.load());
  // Plain requests on other connections still work.
  http_client other(srv_.port());
  EXPECT_EQ(other.request("GET", "/api/products/1").status, 200);
}

TEST_F(ServerTest, RecordsRequestMetrics) {
  metrics_registry reg;
  server_hooks hooks;
  hooks.metrics = &reg;
  start(defaults(), hooks);
  http_client c(srv_.port());
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);
  EXPECT_EQ(c.request("GET", "/api/products/2").status, 200);
  EXPECT_EQ(c.request("GET", "/nope").status, 404);
  std::string text = reg.render();
  EXPECT_NE(text.find("agora_http_requests_total{route=\"products.get\",method=\"GET\",status=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("agora_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("agora_http_request_duration_seconds_count{route=\"products.get\"} 2"), std::string::npos)
      << text;
  srv_.stop();
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitGet503) {
  auto o = defaults();
  o.max_connections = 1;
  start(o);
  http_client first(srv_.port());
  EXPECT_EQ(first.request("GET", "/api/products/1").status, 200);
  http_client second(srv_.port());
  auto r = second.request("GET", "/api/products/1");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(first.request("GET", "/api/products/1").status, 200);
}

TEST_F(ServerTest, StopLetsInFlightRequestsFinish) {
  start(defaults());
  http_client c(srv_.port());
  c.write_request("GET", "/delay/300?tag=inflight");
  std::this_thread::sleep_for(50ms);  // the request is being handled
  std::thread stopper([this] { srv_.stop(); });
  auto r = c.read_response();
  stopper.join();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(member(r.body, "tag"), "inflight");
  EXPECT_EQ(r.header("Connection"), "close");
}

TEST_F(ServerTest, BindFailureIsAnError) {
  start(defaults());
  server other;
  auto o = defaults();
  o.port = srv_.port();
  // SO_REUSEADDR does not allow two listeners on one port.
  auto r = other.start(o, routes_);
  EXPECT_FALSE(r.has_value());
}

TEST(ServerOptions, FromConfig) {
  config cfg;
  cfg.set("http.port", "0");
  cfg.set("http.io_threads", "2");
  cfg.set("http.body_limit", "2MiB");
  cfg.set("http.request_timeout", "5s");
  cfg.set("http.cors_origins", "https://a.example, https://b.example");
  auto o = server_options::from_config(cfg);
  EXPECT_EQ(o.port, 0);
  EXPECT_EQ(o.io_threads, 2);
  EXPECT_EQ(o.body_limit, 2u << 20);
  EXPECT_EQ(o.header_limit, 8u << 10);
  EXPECT_EQ(o.request_timeout, 5s);
  EXPECT_EQ(o.read_timeout, 30s);
  EXPECT_EQ(o.address, "127.0.0.1");
  ASSERT_EQ(o.cors_origins.size(), 2u);
  EXPECT_EQ(o.cors_origins[1], "https://b.example");
  EXPECT_TRUE(cfg.unknown_keys().empty());
  EXPECT_TRUE(cfg.errors().empty());
}

}  // namespace
}  // namespace agora::http
