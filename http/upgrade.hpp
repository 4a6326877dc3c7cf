#pragma once
// Handing an upgraded connection (WebSocket) to another component. This header
// includes Asio's TCP socket, so only the component that takes sockets over
// (realtime/src) includes it; server.hpp only forward-declares upgrade_route.

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "http/request.hpp"

namespace agora::http {

/// The server's hold on a connection it handed over. While the taker keeps it,
/// the connection still counts against http.max_connections and
/// http.max_connections_per_ip (and in agora_http_connections); dropping it
/// (when the connection ends) frees those places. server::stop() asks every
/// taker to close through on_stop() and waits (up to http.shutdown_grace) for
/// the tickets to be dropped before it tears the io threads down.
class upgrade_ticket {
 public:
  virtual ~upgrade_ticket() = default;
  /// Registers `close`, which server::stop() calls once, on the stopping
  /// thread: the taker must then close the connection soon (a WebSocket with
  /// 1001 "server shutting down", posted onto the socket's executor) and drop
  /// the ticket. Called at once when the server is stopping already. `close`
  /// must not block.
  virtual void on_stop(std::function<void()> close) = 0;
};

/// What an upgrade hands over.
struct upgraded_connection {
  /// The connection's socket. Its executor is its io thread's io_context,
  /// which exactly one thread runs (see http/src/session.hpp), so handlers
  /// started on it run one at a time: the executor is the connection's strand.
  boost::asio::ip::tcp::socket socket;
  /// Keep it for as long as the connection is open (see upgrade_ticket).
  std::shared_ptr<upgrade_ticket> ticket;
};

/// A path whose upgrade requests leave the HTTP server.
///
/// A GET at exactly `path` that is a WebSocket handshake by Beast's rules
/// (websocket::is_upgrade: HTTP/1.1, `Connection: upgrade`, `Upgrade:
/// websocket`), arriving when nothing earlier on that connection awaits its
/// answer, passes the server's per-IP rate limit for handshakes
/// (server_hooks::upgrade_limiter, 429 otherwise), is counted in
/// agora_http_upgrades_total, and is handed over: the server stops all work
/// on the connection and calls `on_upgrade` with the request (every header,
/// including Sec-WebSocket-Key, is in req.headers) and the connection. The
/// callee owns the socket from then on (it performs the handshake, e.g. by
/// rebuilding a Beast request from `req` and calling
/// websocket::stream::async_accept). Another kind of upgrade at `path` gets
/// 400.
///
/// The call runs on the connection's io thread. Work the callee posts from
/// other threads must go through the socket's executor. The callee must not
/// block (it holds up every connection of that io thread); an exception it
/// throws is caught and logged, and a socket it did not take is closed.
struct upgrade_route {
  std::string path;
  std::function<void(request req, upgraded_connection conn)> on_upgrade;
};

}  // namespace agora::http
