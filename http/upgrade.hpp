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
/// When a request with `Connection: upgrade` and `Upgrade: websocket` for
/// exactly `path` arrives and nothing earlier on that connection awaits its
/// answer, the server stops all work on the connection and calls `on_upgrade`
/// on the connection's strand with the request (every header, including
/// Sec-WebSocket-Key, is in req.headers) and the socket; the callee owns the
/// socket from then on (it performs the handshake, e.g. by rebuilding a Beast
/// request from `req` and calling websocket::stream::async_accept). The
/// socket's executor is the connection's strand. The callee must not block;
/// exceptions are caught and close the socket.
struct upgrade_route {
  std::string path;
  std::function<void(request req, boost::asio::ip::tcp::socket&& socket)> on_upgrade;
};

}  // namespace agora::http
