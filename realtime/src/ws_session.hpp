#pragma once
// Private: one WebSocket connection of the realtime feed.
//
// Runs on the io thread its socket was accepted on: the socket's executor is
// an io_context that exactly one thread runs (http/upgrade.hpp), so every
// do_x/on_x below runs there, one at a time, and needs no lock. The public
// members may be called from any thread (the fan-out actor's): they post.
//
// Memory per idle connection is kept small (docs/OPERATIONS.md has the
// figure): reads go through a small buffer inside the session (async_read
// with a dynamic buffer would allocate Beast's read size hint, 1.5 KiB, for
// every idle connection), a message longer than it is assembled in a string
// that is given back when large; no write buffer (Beast needs none without
// compression), no timer until the connection is authenticated or closing,
// and the send queue is empty.

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "http/upgrade.hpp"
#include "realtime/src/hub.hpp"
#include "realtime/src/protocol.hpp"

namespace agora::realtime::detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

class ws_session : public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(std::shared_ptr<hub> h, http::upgraded_connection conn);
  ~ws_session();

  /// Performs the handshake for `req` (on the socket's thread, from the
  /// upgrade route).
  void start(http::request req);

  std::uint64_t id() const noexcept { return id_; }

  /// Registers with the HTTP server's ticket what its stop() calls.
  void ticket_on_stop(std::function<void()> close) {
    if (ticket_) ticket_->on_stop(std::move(close));
  }

  /// The socket's executor, and a key naming its io thread (its io_context):
  /// sessions with the same key run on the same thread.
  net::any_io_executor executor() { return ws_.get_executor(); }
  const void* thread_key() const noexcept { return thread_key_; }
  /// Queues `m` (as send() does), called on the session's own thread: the
  /// fan-out posts one handler per io thread that delivers to every session
  /// of that thread.
  void deliver_here(std::shared_ptr<const std::string> m) { enqueue(std::move(m)); }

  // ---- any thread (posted onto the socket's executor) ----
  /// Queues `m` for the client; a full queue closes with 1013.
  void send(std::shared_ptr<const std::string> m);
  /// Closes with `code` and `reason` after what is being written.
  void close_soon(std::uint16_t code, std::string reason);
  /// The fan-out did not subscribe `key` after all (resume_too_old): it no
  /// longer counts against max_subscriptions.
  void forget(std::string key);
  /// The account's tokens may have ended (logout, password or role change):
  /// checks this connection's token against the account; closes 4401 if it
  /// is over.
  void check_token();

 private:
  using stream_type = websocket::stream<net::ip::tcp::socket>;

  void refuse(int status, std::string_view type, std::string_view title, std::string detail);
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void on_message(std::string_view text);
  void on_auth(const client_message& m);
  bool authenticate(std::string_view token, std::string& why);
  void enqueue(std::shared_ptr<const std::string> m);
  void enqueue(std::string m) { enqueue(std::make_shared<const std::string>(std::move(m))); }
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void do_close(std::uint16_t code, std::string reason);
  void on_close(beast::error_code ec);
  void arm_expiry();
  void end();

  std::shared_ptr<hub> hub_;
  stream_type ws_;
  std::shared_ptr<http::upgrade_ticket> ticket_;
  std::array<char, 256> rd_;  // what async_read_some fills
  std::string msg_;           // a message longer than rd_, being assembled
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t queued_bytes_ = 0;
  std::unique_ptr<net::steady_timer> timer_;  // token expiry, then the close deadline
  std::string remote_ip_;
  std::string protocol_;  // the subprotocol selected ("agora.v1") or empty
  identity who_;
  std::uint64_t token_version_ = 0;
  std::int64_t token_exp_ = 0;  // seconds since the epoch
  std::vector<std::string> subscribed_;  // routing keys held
  std::uint64_t id_;
  const void* thread_key_;
  std::uint16_t pending_close_ = 0;  // a close waiting for the write in flight
  std::string pending_reason_;
  bool admitted_ = false;  // in the hub's books
  bool accepted_ = false;
  bool user_counted_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool ended_ = false;
};

}  // namespace agora::realtime::detail
