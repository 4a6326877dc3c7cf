// A real server on port 0, driven by a real Beast client.

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "common/config.hpp"
#include "common/json_writer.hpp"
#include "http/metrics.hpp"
#include "http/rate_limiter.hpp"
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
    ASSERT_TRUE(routes_.add(method::get, "/drop", "drop", [](request&, responder) {}));
    ASSERT_TRUE(routes_.add(method::get, "/throw", "throw",
                            [](request&, responder) { throw std::runtime_error("boom"); }));
    ASSERT_TRUE(routes_.add(method::get, "/never", "never", [this](request&, responder r) {
      std::lock_guard lock(mu_);
      parked_.push_back(std::move(r));  // answered by nobody: the deadline must fire
    }));
    ASSERT_TRUE(routes_.add(method::get, "/gate/{id}", "gate", [this](request& req, responder r) {
      std::lock_guard lock(mu_);
      gated_.emplace_back(std::string(*req.path_param("id")), std::move(r));  // answered by the test
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
    ASSERT_TRUE(routes_.add(method::get, "/health/live", "health.live", [](request&, responder r) {
      r(response::json(200, "{\"status\":\"up\"}"));
    }));
    ASSERT_TRUE(routes_.add(method::get, "/whoami", "whoami", [](request& req, responder r) {
      r(response::json(200, json_of({{"ip", req.remote_ip}, {"peer", req.remote_address}})));
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
    gated_.clear();
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
  metrics_registry metrics_;  // before srv_: must outlive it
  server srv_;
  std::vector<std::thread> threads_;  // guarded by mu_; joined after stop
  std::mutex mu_;
  std::vector<responder> parked_;
  std::vector<std::pair<std::string, responder>> gated_;  // /gate/{id} requests, in arrival order

  /// How many /gate/{id} requests reached their handler.
  std::size_t arrived() {
    std::lock_guard lock(mu_);
    return gated_.size();
  }
  /// Answers the i-th gated request with {"id": <its id>}.
  void answer(std::size_t i) {
    std::lock_guard lock(mu_);
    auto& [id, r] = gated_.at(i);
    r(response::json(200, json_of({{"id", id}})));
  }
};

// Polls `cond` until it holds or 5 s pass (a bound for a busy machine, not a
// timing assumption: the condition normally holds within milliseconds).
bool eventually(const std::function<bool()>& cond) {
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The client still talks over its first connection: it reconnects silently
// when the server closes, so "the connection survives" needs this check.
void expect_same_connection(const http_client& c) {
  EXPECT_EQ(c.connects(), 1) << "the server closed the connection and the client reconnected";
}

// A plain blocking socket, for clients that misbehave on purpose.
struct raw_socket {
  explicit raw_socket(std::uint16_t port, const std::string& local_ip = {}) : sock(ioc) {
    sock.open(boost::asio::ip::tcp::v4());
    if (!local_ip.empty()) sock.bind({boost::asio::ip::make_address(local_ip), 0});
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  void send(std::string_view bytes) { boost::asio::write(sock, boost::asio::buffer(bytes.data(), bytes.size())); }
  // Everything the server sends until it closes the connection (eof = true)
  // or `wait` passes (eof = false). (Asynchronous with a bounded run: a
  // blocking read would retry past SO_RCVTIMEO inside Asio.)
  std::pair<std::string, bool> read_until_closed(std::chrono::milliseconds wait) {
    const auto until = std::chrono::steady_clock::now() + wait;
    std::string got;
    std::array<char, 4096> buf{};
    for (;;) {
      boost::system::error_code result = boost::asio::error::would_block;
      std::size_t n = 0;
      sock.async_read_some(boost::asio::buffer(buf), [&](boost::system::error_code ec, std::size_t k) {
        result = ec;
        n = k;
      });
      ioc.restart();
      ioc.run_until(until);
      if (result == boost::asio::error::would_block) {
        boost::system::error_code ignored;
        sock.cancel(ignored);
        ioc.restart();
        ioc.run();
        return {got, false};
      }
      got.append(buf.data(), n);
      if (result == boost::asio::error::eof || result == boost::asio::error::connection_reset) return {got, true};
      if (result) return {got, false};
    }
  }
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock;
};

// Status lines ("HTTP/1.1 200 ") at the start of a line: how many answers came.
std::size_t answers_in(const std::string& text) {
  static const std::regex status_line("(^|\n)HTTP/1\\.[01] [0-9]{3} ");
  return static_cast<std::size_t>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), status_line), std::sregex_iterator()));
}

std::size_t count_of(const std::string& text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

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
  expect_same_connection(c);
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
  expect_same_connection(c);
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

// A chunked body has no Content-Length to refuse up front: the limit must
// hold while the chunks arrive, and for a chunk that only announces its size.
TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  start(defaults());  // body_limit 1024
  const std::string head =
      "POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk = "200\r\n" + std::string(512, ' ') + "\r\n";  // 512 bytes each
  {
    SCOPED_TRACE("chunks adding up past the limit");
    raw_socket sock(srv_.port());
    sock.send(head + chunk + chunk + chunk + "0\r\n\r\n");
    auto [got, closed] = sock.read_until_closed(5s);
    EXPECT_EQ(answers_in(got), 1u) << got;
    EXPECT_EQ(got.rfind("HTTP/1.1 413 ", 0), 0u) << got;
    EXPECT_NE(got.find("payload-too-large"), std::string::npos) << got;
    EXPECT_TRUE(closed) << got;
  }
  {
    SCOPED_TRACE("one chunk announcing more than the limit");
    raw_socket sock(srv_.port());
    sock.send(head + "100000\r\n" + std::string(64, ' '));
    auto [got, closed] = sock.read_until_closed(5s);
    EXPECT_EQ(got.rfind("HTTP/1.1 413 ", 0), 0u) << got;
    EXPECT_TRUE(closed) << got;
  }
  {
    SCOPED_TRACE("chunks within the limit");
    raw_socket sock(srv_.port());
    sock.send(head + "7\r\n{\"a\":1}\r\n0\r\n\r\n");
    std::string got;
    std::array<char, 4096> buf{};
    while (got.find("\r\n\r\n") == std::string::npos) got.append(buf.data(), sock.sock.read_some(boost::asio::buffer(buf)));
    EXPECT_EQ(got.rfind("HTTP/1.1 201 ", 0), 0u) << got;
  }
}

// A client that stops sending in the middle of its body is closed after the
// read timeout (the header timeout is out of the way), without an answer from
// a handler that never saw a complete request.
TEST_F(ServerTest, ABodyThatStopsArrivingIsClosedAfterTheReadTimeout) {
  auto o = defaults();
  o.read_timeout = 300ms;
  o.header_timeout = 30s;
  o.request_timeout = 30s;
  start(o);
  raw_socket slow(srv_.port());
  slow.send("POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            "{\"a\":");
  auto [got, closed] = slow.read_until_closed(10s);  // bounds a failure only
  EXPECT_TRUE(closed) << "a stalled body held its connection";
  EXPECT_EQ(got.find("HTTP/1.1 201"), std::string::npos) << got;
  EXPECT_TRUE(eventually([&] { return srv_.connections() == 0; }));
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
  expect_same_connection(c2);
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
  expect_same_connection(c);
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
  expect_same_connection(c);
}

TEST_F(ServerTest, PipelinedAnswersComeInRequestOrder) {
  start(defaults());
  http_client c(srv_.port());
  c.write_request("GET", "/gate/first");
  c.write_request("GET", "/gate/second");
  c.write_request("GET", "/gate/third");
  ASSERT_TRUE(eventually([&] { return arrived() == 3; })) << arrived();
  // Answered last to first: the answers must still come first to last.
  answer(2);
  answer(1);
  answer(0);
  EXPECT_EQ(member(c.read_response().body, "id"), "first");
  EXPECT_EQ(member(c.read_response().body, "id"), "second");
  EXPECT_EQ(member(c.read_response().body, "id"), "third");
  expect_same_connection(c);
}

// With max_pipelined 2, the server reads no third request while two wait for
// their answers (handlers on a gate show what it has read), and still answers
// all six in order.
TEST_F(ServerTest, PipelineLimitStillAnswersEverything) {
  auto o = defaults();
  o.max_pipelined = 2;
  o.io_threads = 1;  // so that a round trip on another connection orders after a read that was due
  start(o);
  http_client c(srv_.port());
  std::string batch;
  for (int i = 0; i < 6; ++i) batch += "GET /gate/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  c.send_raw(batch);  // all six are in the server's socket buffer at once
  // A full round trip on another connection, served by the same io thread:
  // a read of the next pipelined request, had it been started, would have
  // completed by then.
  auto barrier = [this] {
    http_client other(srv_.port());
    ASSERT_EQ(other.request("GET", "/api/products/x").status, 200);
  };
  ASSERT_TRUE(eventually([&] { return arrived() >= 2; })) << arrived();
  barrier();
  EXPECT_EQ(arrived(), 2u) << "reading stops at the limit";
  answer(0);
  EXPECT_EQ(member(c.read_response().body, "id"), "0");
  ASSERT_TRUE(eventually([&] { return arrived() >= 3; })) << arrived();
  barrier();
  EXPECT_EQ(arrived(), 3u) << "one answer makes room for one request";
  for (std::size_t i = 1; i < 6; ++i) {
    ASSERT_TRUE(eventually([&] { return arrived() > i; })) << arrived();
    answer(i);
    EXPECT_EQ(member(c.read_response().body, "id"), std::to_string(i));
  }
  EXPECT_EQ(arrived(), 6u);
  expect_same_connection(c);
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
  c.write_request("GET", "/gate/slow");
  ASSERT_TRUE(eventually([&] { return arrived() == 1; }));
  // Answered only after several read timeouts have surely passed (a lower
  // bound on the time, whatever the machine's load).
  const auto held_since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - held_since < 3 * o.read_timeout) std::this_thread::sleep_for(10ms);
  answer(0);
  auto r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(member(r.body, "id"), "slow");
  expect_same_connection(c);
}

TEST_F(ServerTest, RequestDeadlineIs503) {
  auto o = defaults();
  o.request_timeout = 200ms;
  start(o);
  http_client c(srv_.port());
  auto r = c.request("GET", "/never");
  expect_problem(r, 503, "timeout", "/never");
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);
  expect_same_connection(c);
}

TEST_F(ServerTest, IdleTimeoutCountsFromTheLastAnswer) {
  auto o = defaults();
  o.read_timeout = 1s;  // far above the gaps between the requests below, even on a loaded machine
  start(o);
  http_client c(srv_.port());
  // Busy for over two read timeouts: each expiry of the timer finds the
  // connection recently active and waits again instead of closing it (the
  // client would reconnect silently: connects() tells).
  const auto until = std::chrono::steady_clock::now() + 2 * o.read_timeout + 200ms;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(c.request("GET", "/api/products/1").status, 200);
    std::this_thread::sleep_for(50ms);
  }
  expect_same_connection(c);
  EXPECT_TRUE(c.closed_by_peer(10s)) << "idle for a read timeout: closed";
}

TEST_F(ServerTest, EveryPipelinedRequestPastItsDeadlineIs503) {
  auto o = defaults();
  o.request_timeout = 200ms;
  start(o);
  http_client c(srv_.port());
  c.write_request("GET", "/never");
  c.write_request("GET", "/api/products/quick");  // answered at once, written after the first one's 503
  c.write_request("GET", "/never");
  expect_problem(c.read_response(), 503, "timeout", "/never");
  auto quick = c.read_response();
  EXPECT_EQ(quick.status, 200);
  EXPECT_EQ(member(quick.body, "id"), "quick");
  expect_problem(c.read_response(), 503, "timeout", "/never");
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);
  expect_same_connection(c);
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
  ASSERT_TRUE(eventually([&] { return srv_.connections() == 1; }));
  ASSERT_TRUE(eventually([&] { return srv_.connections() == 0; })) << "the stalled write was not cut";
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
  expect_same_connection(c);
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

// What an upgrade test's route keeps: the tickets and sockets it took over.
struct upgrade_taker {
  std::mutex mu;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets;
  std::vector<std::shared_ptr<upgrade_ticket>> tickets;
  std::atomic<int> stop_calls{0};
  std::atomic<bool> got_key{false};

  std::shared_ptr<upgrade_route> route(bool release_on_stop = true) {
    auto r = std::make_shared<upgrade_route>();
    r->path = "/ws";
    r->on_upgrade = [this, release_on_stop](request req, upgraded_connection conn) {
      got_key = req.header("Sec-WebSocket-Key") == "dGhlIHNhbXBsZSBub25jZQ==";
      // Stand-in for a WebSocket handshake: the new owner writes on the socket.
      auto s = std::make_shared<boost::asio::ip::tcp::socket>(std::move(conn.socket));
      static const std::string reply =
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
      boost::asio::async_write(*s, boost::asio::buffer(reply), [s](boost::system::error_code, std::size_t) {});
      auto ticket = conn.ticket;
      ticket->on_stop([this, release_on_stop, s] {
        ++stop_calls;
        if (!release_on_stop) return;
        // Closing: the socket's executor, then the ticket goes.
        boost::asio::post(s->get_executor(), [this, s] {
          boost::system::error_code ec;
          s->close(ec);
          std::lock_guard lock(mu);
          tickets.clear();
        });
      });
      std::lock_guard lock(mu);
      sockets.push_back(s);
      tickets.push_back(std::move(ticket));
    };
    return r;
  }
  void release() {
    std::lock_guard lock(mu);
    tickets.clear();
  }
};

const std::vector<std::pair<std::string, std::string>>& ws_headers() {
  static const std::vector<std::pair<std::string, std::string>> h = {
      {"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  return h;
}

// Sends a WebSocket handshake on `c`; the status of the answer's head.
int upgrade(http_client& c) {
  c.write_request("GET", "/ws", {}, ws_headers());
  return c.read_response(/*head=*/true).status;
}

TEST_F(ServerTest, UpgradeHandsTheSocketOver) {
  upgrade_taker taker;
  server_hooks hooks;
  hooks.upgrades.push_back(taker.route());
  hooks.metrics = &metrics_;
  start(defaults(), hooks);
  http_client c(srv_.port());
  EXPECT_EQ(upgrade(c), 101);
  EXPECT_TRUE(taker.got_key.load());
  EXPECT_NE(metrics_.render().find("agora_http_upgrades_total{outcome=\"accepted\"} 1"), std::string::npos);
  // Plain requests on other connections still work.
  http_client other(srv_.port());
  EXPECT_EQ(other.request("GET", "/api/products/1").status, 200);
}

TEST_F(ServerTest, AnUpgradedConnectionStaysCountedUntilItsTicketIsDropped) {
  upgrade_taker taker;
  server_hooks hooks;
  hooks.upgrades.push_back(taker.route());
  auto o = defaults();
  o.max_connections = 1;
  start(o, hooks);
  http_client ws(srv_.port());
  ASSERT_EQ(upgrade(ws), 101);
  EXPECT_EQ(srv_.connections(), 1u);
  // The upgraded connection holds the only place and is never shed (it is
  // not waiting for a request head): a newcomer is refused.
  http_client second(srv_.port());
  EXPECT_EQ(second.request("GET", "/api/products/1").status, 503);
  taker.release();
  EXPECT_TRUE(eventually([&] { return srv_.connections() == 0; }));
  http_client third(srv_.port());
  EXPECT_EQ(third.request("GET", "/api/products/1").status, 200);
}

TEST_F(ServerTest, StopAsksTheTakersToCloseAndWaitsForThem) {
  upgrade_taker taker;
  server_hooks hooks;
  hooks.upgrades.push_back(taker.route());
  start(defaults(), hooks);
  http_client ws(srv_.port());
  ASSERT_EQ(upgrade(ws), 101);
  ASSERT_EQ(srv_.connections(), 1u);
  const auto t0 = std::chrono::steady_clock::now();
  srv_.stop();
  EXPECT_EQ(taker.stop_calls.load(), 1);
  // It released the ticket when asked: stop did not wait out the grace.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, defaults().shutdown_grace);
  EXPECT_EQ(srv_.connections(), 0u);
}

TEST_F(ServerTest, HandshakesAreRateLimitedPerAddress) {
  upgrade_taker taker;
  rate_limit_options lo;
  lo.rate_per_second = 0.001;
  lo.burst = 1;
  rate_limiter limiter(lo);
  server_hooks hooks;
  hooks.upgrades.push_back(taker.route());
  hooks.upgrade_limiter = &limiter;
  hooks.metrics = &metrics_;
  start(defaults(), hooks);
  http_client first(srv_.port());
  EXPECT_EQ(upgrade(first), 101);
  http_client second(srv_.port());
  auto r = second.request("GET", "/ws", {}, ws_headers());
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.header("Retry-After").empty());
  EXPECT_NE(metrics_.render().find("agora_http_upgrades_total{outcome=\"rate_limited\"} 1"), std::string::npos);
}

TEST_F(ServerTest, AnUpgradeThatIsNotAWebSocketHandshakeIs400) {
  upgrade_taker taker;
  server_hooks hooks;
  hooks.upgrades.push_back(taker.route());
  start(defaults(), hooks);
  http_client c(srv_.port());
  auto r = c.request("GET", "/ws", {}, {{"Connection", "Upgrade"}, {"Upgrade", "h2c"}});
  expect_problem(r, 400, "bad-request", "/ws");
  EXPECT_FALSE(taker.got_key.load());
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

TEST_F(ServerTest, ConnectionsBeyondTheLimitGet503WhenAllAreBusy) {
  auto o = defaults();
  o.max_connections = 1;
  start(o);
  http_client first(srv_.port());
  EXPECT_EQ(first.request("GET", "/api/products/1").status, 200);
  // A request in flight: the connection is working for its client and is
  // not shed for a newcomer.
  first.write_request("GET", "/never");
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu_);
    return parked_.size() == 1;
  }));
  http_client second(srv_.port());
  auto r = second.request("GET", "/api/products/1");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  {
    std::lock_guard lock(mu_);
    parked_.front()(response::json(200, json_of({{"tag", "busy"}})));
  }
  EXPECT_EQ(member(first.read_response().body, "tag"), "busy");
}

TEST_F(ServerTest, AnIdleConnectionMakesRoomForANewcomerAtTheLimit) {
  auto o = defaults();
  o.max_connections = 1;
  start(o);
  http_client first(srv_.port());
  EXPECT_EQ(first.request("GET", "/api/products/1").status, 200);
  // `first` now idles in keep-alive (once the server has seen its answer
  // written; hence the polling): closing it loses nothing, refusing the
  // newcomer would.
  EXPECT_TRUE(eventually([&] {
    http_client second(srv_.port());
    return second.request("GET", "/api/products/2").status == 200;
  }));
  EXPECT_TRUE(first.closed_by_peer(3s));
}

TEST_F(ServerTest, PerAddressConnectionCap) {
  server_hooks hooks;
  hooks.metrics = &metrics_;  // outlives the server (TearDown stops it)
  auto o = defaults();
  o.max_connections_per_ip = 2;
  start(o, hooks);
  auto a = std::make_unique<http_client>(srv_.port());
  http_client b(srv_.port());
  ASSERT_EQ(a->request("GET", "/api/products/1").status, 200);
  ASSERT_EQ(b.request("GET", "/api/products/1").status, 200);
  // A third from the same address is refused, and told why.
  http_client c(srv_.port());
  auto refused = c.request("GET", "/api/products/1");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.header("Content-Type"), "application/problem+json");
  EXPECT_EQ(member(refused.body, "type"), "https://agora.dev/problems/too-many-connections");
  EXPECT_FALSE(refused.header("Retry-After").empty());
  EXPECT_NE(metrics_.render().find("agora_http_connections_refused_total{reason=\"per_ip\"} 1"), std::string::npos)
      << metrics_.render();
  // The cap is per address: another one is served.
  http_client other(srv_.port());
  other.bind_to("127.0.0.2");
  EXPECT_EQ(other.request("GET", "/api/products/1").status, 200);
  // A place freed is a place again.
  a.reset();
  EXPECT_TRUE(eventually([&] {
    http_client retry(srv_.port());
    return retry.request("GET", "/api/products/1").status == 200;
  }));
  EXPECT_EQ(b.request("GET", "/api/products/1").status, 200);  // never affected
}

TEST_F(ServerTest, TrustedProxiesAreExemptFromThePerAddressCap) {
  auto o = defaults();
  o.max_connections_per_ip = 1;
  o.trusted_proxies = {"127.0.0.1"};
  start(o);
  http_client a(srv_.port());
  http_client b(srv_.port());
  EXPECT_EQ(a.request("GET", "/api/products/1").status, 200);
  EXPECT_EQ(b.request("GET", "/api/products/1").status, 200);
  http_client c(srv_.port());
  c.bind_to("127.0.0.2");
  http_client d(srv_.port());
  d.bind_to("127.0.0.2");
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);
  EXPECT_EQ(d.request("GET", "/api/products/1").status, 429);
}

TEST_F(ServerTest, AHalfSentHeadIsClosedAfterTheHeaderTimeout) {
  server_hooks hooks;
  hooks.metrics = &metrics_;  // outlives the server (TearDown stops it)
  auto o = defaults();
  o.header_timeout = 300ms;
  o.read_timeout = 10s;  // what closed it before: far beyond the wait below
  start(o, hooks);
  raw_socket slow(srv_.port());
  slow.send("GET /api/products/1 HTTP/1.1\r\nHost: x\r\n");
  auto [got, closed] = slow.read_until_closed(4s);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got, "");  // no answer: a slowloris gets nothing to read
  EXPECT_TRUE(eventually([&] { return metrics_.render().find("agora_http_header_timeouts_total 1") != std::string::npos; }))
      << metrics_.render();
  // A connection that never sends a byte is closed the same way.
  raw_socket silent(srv_.port());
  EXPECT_TRUE(silent.read_until_closed(4s).second);
}

TEST_F(ServerTest, AHalfSentHeadOnAKeepAliveConnectionIsClosedToo) {
  auto o = defaults();
  o.header_timeout = 300ms;
  o.read_timeout = 10s;
  start(o);
  raw_socket slow(srv_.port());
  slow.send("GET /api/products/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  // The first answer, then half of a second head: closed within 2 x 300 ms of
  // it (the wait below only bounds a failure).
  std::string first;
  std::array<char, 4096> buf{};
  while (first.find("\r\n\r\n") == std::string::npos || first.find("\"id\"") == std::string::npos) {
    first.append(buf.data(), slow.sock.read_some(boost::asio::buffer(buf)));
  }
  slow.send("GET /api/products/2 HTTP/1.1\r\nHo");
  auto [got, closed] = slow.read_until_closed(4s);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got, "");
}

TEST_F(ServerTest, AnIdleKeepAliveConnectionOutlivesTheHeaderTimeout) {
  auto o = defaults();
  o.header_timeout = 100ms;
  o.read_timeout = 10s;
  start(o);
  http_client c(srv_.port());
  EXPECT_EQ(c.request("GET", "/api/products/1").status, 200);
  // Several header timeouts pass with nothing sent: idling is the read
  // timeout's business (a load balancer keeps its connections open).
  EXPECT_FALSE(c.closed_by_peer(600ms));
  EXPECT_EQ(c.request("GET", "/api/products/2").status, 200);
  EXPECT_EQ(srv_.connections(), 1u);
  expect_same_connection(c);
}

TEST_F(ServerTest, AFloodOfHalfSentHeadsCannotLockOutAHealthProbe) {
  server_hooks hooks;
  hooks.metrics = &metrics_;  // outlives the server (TearDown stops it)
  auto o = defaults();
  o.io_threads = 1;
  o.max_connections = 8;
  o.max_connections_per_ip = 0;  // the shedding alone must do it
  o.header_timeout = 30s;        // the flood is not cut by its deadline during the test
  o.read_timeout = 30s;
  start(o, hooks);
  std::vector<std::unique_ptr<raw_socket>> flood;
  for (int i = 0; i < 8; ++i) {
    flood.push_back(std::make_unique<raw_socket>(srv_.port()));
    flood.back()->send("GET /api/products/1 HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  }
  ASSERT_TRUE(eventually([&] { return srv_.connections() == 8; }));
  // One connection of the flood waiting for its head is all the probe needs;
  // the first one's read began long ago.
  http_client probe(srv_.port());
  probe.bind_to("127.0.0.2");
  auto r = probe.request("GET", "/health/live");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(metrics_.render().find("agora_http_connections_shed_total 1"), std::string::npos) << metrics_.render();
  // A second probe gets in the same way.
  http_client probe2(srv_.port());
  probe2.bind_to("127.0.0.3");
  EXPECT_EQ(probe2.request("GET", "/health/live").status, 200);
}

// Raw request bytes whose body is a second, valid request: a server that
// misreads the framing answers twice.
struct framing_case {
  const char* name;
  std::string head;
  int status;
};

TEST_F(ServerTest, AmbiguousFramingIsRefusedAndTheConnectionClosed) {
  start(defaults());
  const std::string smuggled = "GET /api/products/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string post = "POST /api/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  const std::vector<framing_case> cases = {
      {"xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n", 400},
      {"gzip", post + "Transfer-Encoding: gzip\r\n\r\n", 400},
      {"identity", post + "Transfer-Encoding: identity\r\n\r\n", 400},
      {"chunked then gzip", post + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"chunked then gzip in two fields", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
       400},
      {"gzip with Content-Length", post + "Transfer-Encoding: gzip\r\nContent-Length: 0\r\n\r\n", 400},
      {"Content-Length with gzip", post + "Content-Length: 0\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"chunked with Content-Length", post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
       400},
      {"gzip before chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"no Host in HTTP/1.1", "GET /api/products/1 HTTP/1.1\r\n\r\n", 400},
      {"two Host fields", "GET /api/products/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"two Host fields in HTTP/1.0", "GET /api/products/1 HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    raw_socket sock(srv_.port());
    sock.send(c.head + smuggled);
    auto [got, closed] = sock.read_until_closed(3s);
    EXPECT_EQ(answers_in(got), 1u) << got;
    EXPECT_EQ(got.find(" " + std::to_string(c.status) + " "), 8u) << got;
    EXPECT_NE(got.find("application/problem+json"), std::string::npos) << got;
    EXPECT_EQ(got.find("smuggled"), std::string::npos) << got;
    EXPECT_TRUE(closed) << got;
  }
  // Sound framing still works, HTTP/1.0 without Host included.
  raw_socket ok(srv_.port());
  ok.send(post + "Transfer-Encoding: chunked\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n" +
          "GET /api/products/1 HTTP/1.0\r\n\r\n");
  auto [got, closed] = ok.read_until_closed(3s);
  EXPECT_EQ(count_of(got, "HTTP/1.1 201 "), 1u) << got;
  EXPECT_EQ(count_of(got, "HTTP/1.0 200 "), 1u) << got;
  EXPECT_TRUE(closed) << got;  // HTTP/1.0 without keep-alive
}

TEST_F(ServerTest, TheAccessLogRedactsQueryValues) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto capture = std::make_shared<spdlog::logger>("capture", sink);
  capture->set_level(spdlog::level::info);
  const auto before = spdlog::default_logger();
  spdlog::set_default_logger(capture);
  start(defaults());
  {
    http_client c(srv_.port());
    EXPECT_EQ(c.request("GET", "/api/products/search?q=lamp&access_token=s3cr3t-t0ken&flag").status, 200);
    EXPECT_EQ(c.request("GET", "/nope?eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl").status, 404);
    c.send_raw("POST /api/products?password=hunter2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n");
    EXPECT_EQ(c.read_response().status, 400);
  }
  srv_.stop();
  spdlog::set_default_logger(before);
  const std::string log = out.str();
  EXPECT_NE(log.find("/api/products/search?q=***&access_token=***&flag "), std::string::npos) << log;
  EXPECT_NE(log.find("/nope?*** "), std::string::npos) << log;
  EXPECT_NE(log.find("/api/products?password=*** "), std::string::npos) << log;
  for (const char* secret : {"s3cr3t", "lamp", "eyJ", "hunter2"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in " << log;
  }
}

TEST(LoggableTarget, KeepsThePathAndTheNamesOnly) {
  EXPECT_EQ(loggable_target("/api/products/1"), "/api/products/1");
  EXPECT_EQ(loggable_target("/api/products?category=lighting&limit=5"), "/api/products?category=***&limit=***");
  EXPECT_EQ(loggable_target("/x?a&b=&&c=1=2"), "/x?a&b=***&c=***");
  EXPECT_EQ(loggable_target("/x?"), "/x");
  EXPECT_EQ(loggable_target("/x?%61ccess_token=1"), "/x?***=***");
  EXPECT_EQ(loggable_target("/x?" + std::string(33, 'k') + "=1"), "/x?***=***");
}

TEST_F(ServerTest, ClientAddressFromATrustedProxy) {
  auto o = defaults();
  o.trusted_proxies = {"127.0.0.1", "10.0.0.0/8"};
  start(o);
  http_client proxy(srv_.port());
  // The right-most entry that is not a trusted proxy: what our proxies saw.
  auto r = proxy.request("GET", "/whoami", {}, {{"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.1.2.3"}});
  EXPECT_EQ(member(r.body, "ip"), "203.0.113.9");
  EXPECT_EQ(member(r.body, "peer").rfind("127.0.0.1:", 0), 0u);
  // Several fields form one list.
  r = proxy.request("GET", "/whoami", {}, {{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-For", "203.0.113.7:4711"}});
  EXPECT_EQ(member(r.body, "ip"), "203.0.113.7");
  // A malformed header is ignored: the peer is the client.
  r = proxy.request("GET", "/whoami", {}, {{"X-Forwarded-For", "not-an-address"}});
  EXPECT_EQ(member(r.body, "ip"), "127.0.0.1");
  r = proxy.request("GET", "/whoami");
  EXPECT_EQ(member(r.body, "ip"), "127.0.0.1");
  // From an address that is not a trusted proxy, the header is the client's
  // own claim and is ignored.
  http_client direct(srv_.port());
  direct.bind_to("127.0.0.2");
  r = direct.request("GET", "/whoami", {}, {{"X-Forwarded-For", "203.0.113.9"}});
  EXPECT_EQ(member(r.body, "ip"), "127.0.0.2");
}

TEST_F(ServerTest, WithoutTrustedProxiesForwardedForIsIgnored) {
  start(defaults());
  http_client c(srv_.port());
  auto r = c.request("GET", "/whoami", {}, {{"X-Forwarded-For", "203.0.113.9"}});
  EXPECT_EQ(member(r.body, "ip"), "127.0.0.1");
}

TEST_F(ServerTest, InvalidOptionsAreRefusedByName) {
  auto o = defaults();
  o.trusted_proxies = {"10.0.0.0/33"};
  EXPECT_FALSE(o.validate().has_value());
  EXPECT_TRUE(defaults().validate().has_value());
  auto r = srv_.start(o, routes_);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("http.trusted_proxies"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("10.0.0.0/33"), std::string::npos) << r.error();
  o = defaults();
  o.header_timeout = 0ms;
  r = srv_.start(o, routes_);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("http.header_timeout"), std::string::npos) << r.error();
}

TEST_F(ServerTest, StopLetsInFlightRequestsFinish) {
  auto o = defaults();
  o.shutdown_grace = 30s;  // stop() waits as long as the request is in flight, and no longer
  start(o);
  http_client c(srv_.port());
  c.write_request("GET", "/gate/inflight");
  ASSERT_TRUE(eventually([&] { return arrived() == 1; }));  // the request is being handled
  const auto port = srv_.port();
  std::thread stopper([this] { srv_.stop(); });
  // Stopping has begun once the listener refuses connections.
  EXPECT_TRUE(eventually([&] {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket probe(ioc);
    boost::system::error_code ec;
    probe.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    return static_cast<bool>(ec);
  }));
  answer(0);
  auto r = c.read_response();
  stopper.join();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(member(r.body, "id"), "inflight");
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
  cfg.set("http.header_timeout", "2s");
  cfg.set("http.max_connections_per_ip", "16");
  cfg.set("http.trusted_proxies", "10.0.0.0/8, 192.0.2.7");
  auto parsed = server_options::from_config(cfg);
  ASSERT_TRUE(parsed) << parsed.error().message;
  auto& o = *parsed;
  EXPECT_EQ(o.header_timeout, 2s);
  EXPECT_EQ(o.max_connections_per_ip, 16u);
  ASSERT_EQ(o.trusted_proxies.size(), 2u);
  EXPECT_EQ(o.trusted_proxies[1], "192.0.2.7");
  EXPECT_EQ(o.port, 0);
  EXPECT_EQ(o.io_threads, 2);
  EXPECT_EQ(o.body_limit, 2u << 20);
  EXPECT_EQ(o.header_limit, 8u << 10);
  EXPECT_EQ(o.request_timeout, 5s);
  EXPECT_EQ(o.read_timeout, 30s);
  EXPECT_EQ(server_options{}.header_timeout, 5s);
  EXPECT_EQ(server_options{}.max_connections_per_ip, 128u);
  EXPECT_TRUE(server_options{}.trusted_proxies.empty());
  EXPECT_EQ(o.address, "127.0.0.1");
  ASSERT_EQ(o.cors_origins.size(), 2u);
  EXPECT_EQ(o.cors_origins[1], "https://b.example");
  EXPECT_TRUE(cfg.unknown_keys().empty());
  EXPECT_TRUE(cfg.errors().empty());
}

}  // namespace
}  // namespace agora::http
