#pragma once
// A small synchronous HTTP/1.1 client for tests, on Beast. Keeps its
// connection alive across requests and reconnects when the server closed it.
// Every operation has a timeout, so a broken server fails a test instead of
// hanging it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "http/request.hpp"

namespace agora::testing {

/// What the client received.
struct client_response {
  int status = 0;
  agora::http::header_map headers;
  std::string body;

  std::string header(std::string_view name) const {
    auto v = headers.get(name);
    return v ? std::string(*v) : std::string();
  }
};

class http_client {
 public:
  using header_list = std::vector<std::pair<std::string, std::string>>;

  explicit http_client(std::uint16_t port, std::string host = "127.0.0.1",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : port_(port), host_(std::move(host)), timeout_(timeout), socket_(ioc_) {}

  /// Sends one request and reads its response (reconnecting if needed).
  /// Throws std::runtime_error on a network error or timeout.
  client_response request(std::string_view method, std::string_view target, std::string body = {},
                          const header_list& headers = {}) {
    write_request(method, target, std::move(body), headers);
    return read_response();
  }

  /// Writes one request without reading the answer (pipelining).
  void write_request(std::string_view method, std::string_view target, std::string body = {},
                     const header_list& headers = {}) {
    ensure_connected();
    namespace bhttp = boost::beast::http;
    bhttp::request<bhttp::string_body> req;
    req.method_string(boost::beast::string_view(method.data(), method.size()));
    req.target(boost::beast::string_view(target.data(), target.size()));
    req.version(11);
    req.set(bhttp::field::host, host_ + ":" + std::to_string(port_));
    bool has_ct = false;
    for (const auto& [k, v] : headers) {
      req.insert(k, v);
      if (agora::http::iequals(k, "Content-Type")) has_ct = true;
    }
    if (!body.empty() && !has_ct) req.set(bhttp::field::content_type, "application/json");
    req.body() = std::move(body);
    if (!req.body().empty() || method == "POST" || method == "PUT" || method == "PATCH") req.prepare_payload();
    boost::system::error_code result = boost::asio::error::would_block;
    bhttp::async_write(socket_, req, [&](boost::system::error_code ec, std::size_t) { result = ec; });
    run(result, "write");
  }

  /// Writes raw bytes (malformed requests, hand-made pipelines).
  void send_raw(std::string_view bytes) {
    ensure_connected();
    boost::system::error_code result = boost::asio::error::would_block;
    boost::asio::async_write(socket_, boost::asio::buffer(bytes.data(), bytes.size()),
                             [&](boost::system::error_code ec, std::size_t) { result = ec; });
    run(result, "write");
  }

  /// Reads one response. For a HEAD request, pass head = true (no body follows).
  client_response read_response(bool head = false) {
    namespace bhttp = boost::beast::http;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    parser.skip(head);
    boost::system::error_code result = boost::asio::error::would_block;
    bhttp::async_read(socket_, buffer_, parser, [&](boost::system::error_code ec, std::size_t) { result = ec; });
    run(result, "read");
    auto msg = parser.release();
    client_response out;
    out.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) out.headers.add(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(msg.body());
    if (!msg.keep_alive()) close();
    return out;
  }

  /// True when the server closes the connection within `wait` (reads EOF).
  bool closed_by_peer(std::chrono::milliseconds wait) {
    if (!socket_.is_open()) return true;
    char byte = 0;
    boost::system::error_code result = boost::asio::error::would_block;
    socket_.async_read_some(boost::asio::buffer(&byte, 1),
                            [&](boost::system::error_code ec, std::size_t) { result = ec; });
    ioc_.restart();
    ioc_.run_for(wait);
    if (result == boost::asio::error::would_block) {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
      ioc_.restart();
      ioc_.run();
      return false;
    }
    return result == boost::asio::error::eof || result == boost::asio::error::connection_reset;
  }

  /// Connects from `local_ip` (e.g. "127.0.0.2": all of 127/8 is loopback on
  /// Linux, so a test can be a second client address). Takes effect at the
  /// next connect.
  void bind_to(std::string local_ip) { local_ip_ = std::move(local_ip); }

  bool connected() const { return socket_.is_open(); }
  /// How many connections this client has opened. The client reconnects
  /// silently after the server closed, so a test that claims "the connection
  /// survives" checks this stays 1.
  int connects() const { return connects_; }
  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    buffer_.clear();
  }

 private:
  void ensure_connected() {
    if (socket_.is_open()) return;
    buffer_.clear();
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address(host_), port_);
    if (!local_ip_.empty()) {
      socket_.open(ep.protocol());
      socket_.bind({boost::asio::ip::make_address(local_ip_), 0});
    }
    boost::system::error_code result = boost::asio::error::would_block;
    socket_.async_connect(ep, [&](boost::system::error_code ec) { result = ec; });
    run(result, "connect");
    ++connects_;
  }

  void run(boost::system::error_code& result, const char* what) {
    ioc_.restart();
    ioc_.run_for(timeout_);
    if (result == boost::asio::error::would_block) {
      close();
      ioc_.restart();
      ioc_.run();
      throw std::runtime_error(std::string("http_client: ") + what + " timed out");
    }
    if (result) {
      close();
      throw std::runtime_error(std::string("http_client: ") + what + ": " + result.message());
    }
  }

  std::uint16_t port_;
  std::string host_;
  std::string local_ip_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  int connects_ = 0;
};

}  // namespace agora::testing
