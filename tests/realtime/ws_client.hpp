#pragma once
// A real WebSocket client for the realtime tests (Beast, on its own
// io_context, driven from the test thread with deadlines): connects, reads
// text messages with a timeout, sends text or binary frames, and tells how the
// server closed.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket.hpp>

#include "tests/api/test_node.hpp"

namespace agora::testing {

/// One WebSocket connection to a test node. Not thread-safe: one test thread.
class ws_client {
 public:
  using tcp = boost::asio::ip::tcp;
  using ms = std::chrono::milliseconds;

  ws_client() : ws_(ioc_) {}
  ~ws_client() {
    boost::system::error_code ec;
    boost::beast::get_lowest_layer(ws_).close(ec);
    ioc_.restart();
    ioc_.poll();
  }

  /// Connects to 127.0.0.1:`port` and upgrades at `path`, offering
  /// `protocols` in Sec-WebSocket-Protocol (none when empty). Returns the
  /// HTTP status of the answer: 101 when upgraded, else the refusal's (whose
  /// body is in refusal_body()); 0 when the connection failed.
  int connect(std::uint16_t port, const std::vector<std::string>& protocols = {"agora.v1"},
              std::string path = "/ws", int rcvbuf = 0) {
    auto& sock = boost::beast::get_lowest_layer(ws_);
    boost::system::error_code ec;
    sock.open(tcp::v4(), ec);
    if (rcvbuf > 0) sock.set_option(boost::asio::socket_base::receive_buffer_size(rcvbuf), ec);
    sock.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return 0;
    std::string offered;
    for (const auto& p : protocols) offered += (offered.empty() ? "" : ", ") + p;
    ws_.set_option(boost::beast::websocket::stream_base::decorator(
        [offered](boost::beast::websocket::request_type& req) {
          if (!offered.empty()) req.set(boost::beast::http::field::sec_websocket_protocol, offered);
        }));
    ws_.read_message_max(64u << 20);
    boost::beast::websocket::response_type res;
    bool done = false;
    boost::system::error_code hs_ec;
    ws_.async_handshake(res, "127.0.0.1:" + std::to_string(port), path, [&](boost::system::error_code e) {
      hs_ec = e;
      done = true;
    });
    run_until(done, ms(10000));
    if (!done) return 0;
    selected_ = std::string(res[boost::beast::http::field::sec_websocket_protocol]);
    refusal_body_ = res.body();
    return static_cast<int>(res.result_int());
  }

  /// The subprotocol the server selected.
  const std::string& selected() const { return selected_; }
  const std::string& refusal_body() const { return refusal_body_; }

  /// The next text message, or nullopt when none arrives within `timeout` or
  /// the connection ended (then closed() is true and close_code() tells how).
  std::optional<std::string> read(ms timeout = ms(10000)) {
    if (closed_) return std::nullopt;
    if (!reading_) {
      reading_ = true;
      read_done_ = false;
      ws_.async_read(buf_, [this](boost::system::error_code ec, std::size_t) {
        read_ec_ = ec;
        read_done_ = true;
      });
    }
    run_until(read_done_, timeout);
    if (!read_done_) return std::nullopt;  // still pending: the next read() waits for it
    reading_ = false;
    if (read_ec_) {
      closed_ = true;
      end_ec_ = read_ec_;
      return std::nullopt;
    }
    std::string out = boost::beast::buffers_to_string(buf_.data());
    buf_.consume(buf_.size());
    return out;
  }

  /// Reads until a message whose "type" is `type` (skipping others, which are
  /// kept in skipped()); nullopt past `timeout`.
  std::optional<std::string> read_type(std::string_view type, ms timeout = ms(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = read(std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now()));
      if (!m) return std::nullopt;
      if (json_str(*m, "type") == type) return m;
      skipped_.push_back(std::move(*m));
    }
    return std::nullopt;
  }
  std::vector<std::string>& skipped() { return skipped_; }

  /// Sends a text (or binary) frame.
  bool send(const std::string& text, bool binary = false) {
    ws_.binary(binary);
    bool done = false;
    boost::system::error_code ec;
    ws_.async_write(boost::asio::buffer(text), [&](boost::system::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    run_until(done, ms(10000));
    return done && !ec;
  }

  /// Closes from our side (1000) and waits for the server's answer.
  void close() {
    bool done = false;
    ws_.async_close(boost::beast::websocket::close_code::normal, [&](boost::system::error_code) { done = true; });
    run_until(done, ms(5000));
    closed_ = true;
  }

  /// Drops the TCP connection without a closing handshake.
  void drop() {
    boost::system::error_code ec;
    boost::beast::get_lowest_layer(ws_).close(ec);
    closed_ = true;
  }

  bool closed() const { return closed_; }
  /// The server's close frame: its code (0 when none came) and reason.
  int close_code() const { return static_cast<int>(ws_.reason().code); }
  std::string close_reason() const { return std::string(ws_.reason().reason.c_str()); }
  boost::system::error_code end_error() const { return end_ec_; }

 private:
  void run_until(const bool& done, ms timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      ioc_.restart();
      ioc_.run_one_for(std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now()));
    }
  }

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<tcp::socket> ws_;
  boost::beast::flat_buffer buf_;
  std::string selected_;
  std::string refusal_body_;
  std::vector<std::string> skipped_;
  boost::system::error_code read_ec_;
  boost::system::error_code end_ec_;
  bool reading_ = false;
  bool read_done_ = false;
  bool closed_ = false;
};

}  // namespace agora::testing
