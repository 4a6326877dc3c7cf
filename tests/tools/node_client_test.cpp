// agoractl's HTTP client against fake servers on loopback: URLs it accepts,
// and each way a node can fail it (refused, silent, too much, closed between
// requests), each a message rather than a hang or an exception.

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <string>
#include <thread>

#include "tools/agoractl/node_client.hpp"

namespace agora::agoractl {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

node_url loopback(std::uint16_t port) {
  auto u = parse_node_url("http://127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(u) << u.error();
  return *u;
}

// A server on a loopback port that runs `serve` on each accepted connection,
// `connections` times, on its own thread.
class fake_server {
 public:
  using handler = std::function<void(tcp::socket&)>;
  fake_server(int connections, handler serve) : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, connections, serve = std::move(serve)] {
      for (int i = 0; i < connections; ++i) {
        tcp::socket s(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(s, ec);
        if (ec) return;
        serve(s);
      }
    });
  }
  ~fake_server() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// Reads one request's head (the client sends no body on a GET).
void read_head(tcp::socket& s) {
  asio::streambuf buf;
  boost::system::error_code ec;
  asio::read_until(s, buf, "\r\n\r\n", ec);
}

void answer(tcp::socket& s, const std::string& body, bool keep_alive = true) {
  std::string r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                  "\r\n" + (keep_alive ? "" : "Connection: close\r\n") + "\r\n" + body;
  boost::system::error_code ec;
  asio::write(s, asio::buffer(r), ec);
}

TEST(NodeUrl, AcceptsPlainHttpWithHostAndPort) {
  auto u = parse_node_url("http://10.0.0.5:8080/");
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->host, "10.0.0.5");
  EXPECT_EQ(u->port, 8080);
  auto v6 = parse_node_url("http://[::1]:9000");
  ASSERT_TRUE(v6) << v6.error();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  auto named = parse_node_url("http://node-1.internal");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->port, 80);
}

TEST(NodeUrl, RefusesWhatItCannotUse) {
  for (const char* bad : {"https://node:443", "node:8080", "http://", "http://node:0", "http://node:70000",
                          "http://node:80x", "http://node:8080/api", "http://[::1"}) {
    EXPECT_FALSE(parse_node_url(bad)) << bad;
  }
  EXPECT_NE(parse_node_url("https://node").error().find("https is not supported"), std::string::npos);
}

TEST(NodeClient, ARefusedConnectionSaysSo) {
  std::uint16_t port = 0;
  {
    fake_server closed(0, [](tcp::socket&) {});
    port = closed.port();
  }  // nobody listens there any more
  node_client c(loopback(port), std::chrono::seconds(5));
  auto r = c.request("GET", "/api/admin/projections");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "cannot reach the node at http://127.0.0.1:" + std::to_string(port) + ": connection refused");
}

TEST(NodeClient, ASilentNodeTimesOut) {
  std::atomic<bool> done{false};
  fake_server silent(1, [&](tcp::socket& s) {
    read_head(s);
    while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // never answers
  });
  node_client c(loopback(silent.port()), std::chrono::milliseconds(300));
  auto r = c.request("GET", "/api/admin/projections");
  done = true;
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("did not answer within 300 ms"), std::string::npos) << r.error();
}

TEST(NodeClient, AnAnswerOverTheLimitIsRefused) {
  fake_server big(1, [](tcp::socket& s) {
    read_head(s);
    answer(s, std::string(2000, 'x'));
  });
  node_client c(loopback(big.port()), std::chrono::seconds(5), /*body_limit=*/1000);
  auto r = c.request("GET", "/x");
  ASSERT_FALSE(r) << r->status << " " << r->body.size();
  EXPECT_NE(r.error().find("answered more than 1000 bytes"), std::string::npos) << r.error();
}

TEST(NodeClient, AChunkedAnswerOverTheLimitIsRefused) {
  fake_server big(1, [](tcp::socket& s) {
    read_head(s);
    std::string r = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) r += "1f4\r\n" + std::string(500, 'x') + "\r\n";
    r += "0\r\n\r\n";
    boost::system::error_code ec;
    asio::write(s, asio::buffer(r), ec);
  });
  node_client c(loopback(big.port()), std::chrono::seconds(5), /*body_limit=*/1000);
  auto r = c.request("GET", "/x");
  ASSERT_FALSE(r) << r->status << " " << r->body.size();
  EXPECT_NE(r.error().find("answered more than 1000 bytes"), std::string::npos) << r.error();
}

TEST(NodeClient, SendsTheTokenAndTheBodyAndReadsTheAnswer) {
  std::string seen;
  fake_server echo(1, [&](tcp::socket& s) {
    asio::streambuf buf;
    boost::system::error_code ec;
    asio::read_until(s, buf, "}", ec);  // the head and the JSON body
    seen.assign(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
    std::string r = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nRetry-After: 2\r\n"
                    "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
    asio::write(s, asio::buffer(r), ec);
  });
  node_client c(loopback(echo.port()), std::chrono::seconds(5));
  auto r = c.request("POST", "/api/admin/backup", R"({"dir":"/b"})", "tok.en");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->retry_after, "2");
  EXPECT_EQ(r->content_type, "application/problem+json");
  EXPECT_NE(seen.find("Authorization: Bearer tok.en\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Content-Type: application/json\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find(R"({"dir":"/b"})"), std::string::npos) << seen;
}

TEST(NodeClient, ReconnectsWhenTheNodeClosedAKeptConnection) {
  // Each connection answers one request as keep-alive, then the server
  // closes it (as a node's idle timeout does): the next request must go
  // through on a fresh connection.
  fake_server once_each(2, [](tcp::socket& s) {
    read_head(s);
    answer(s, R"({"n":1})");
    boost::system::error_code ec;
    s.shutdown(tcp::socket::shutdown_both, ec);
    s.close(ec);
  });
  node_client c(loopback(once_each.port()), std::chrono::seconds(5));
  auto first = c.request("GET", "/a");
  ASSERT_TRUE(first) << first.error();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // lets the close arrive (either way, it must work)
  auto second = c.request("GET", "/b");
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(second->body, R"({"n":1})");
}

}  // namespace
}  // namespace agora::agoractl
