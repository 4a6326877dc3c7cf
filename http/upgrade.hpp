#pragma once
// Handing an upgraded connection (WebSocket) to another component. This header
// includes Asio; only the component that takes sockets over includes it.

#include <functional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "http/request.hpp"

namespace agora::http {

/// A path whose upgrade requests leave the HTTP server.
///
/// When a GET with `Connection: upgrade` and an `Upgrade` header for exactly
/// `path` arrives and nothing earlier on that connection awaits its answer,
/// the server stops all work on the connection and calls `on_upgrade` with the
/// request (every header, including Sec-WebSocket-Key, is in req.headers) and
/// the socket; the callee owns the socket from then on (it performs the
/// handshake, e.g. by rebuilding a Beast request from `req` and calling
/// websocket::stream::async_accept).
///
/// There is no strand: the call runs on the connection's io thread, and the
/// socket's executor is that thread's io_context, which exactly one thread
/// runs (see http/src/session.hpp), so handlers the callee starts on the socket run one
/// at a time on that thread. Work the callee posts from other threads must go
/// through the socket's executor. The callee must not block (it holds up every
/// connection of that io thread); an exception it throws is caught and logged,
/// and a socket it did not take is closed.
struct upgrade_route {
  std::string path;
  std::function<void(request req, boost::asio::ip::tcp::socket&& socket)> on_upgrade;
};

}  // namespace agora::http
