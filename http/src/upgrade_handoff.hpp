#pragma once
// The upgrade hand-off (see http/upgrade.hpp): which requests leave the HTTP
// session, and handing one over with its socket.

#include <memory>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/upgrade.hpp"

namespace agora::http {

/// True when `req` asks for some protocol upgrade (`Connection: upgrade` and
/// an `Upgrade` header). Pure.
bool wants_upgrade(const request& req);

/// True when `req` is a WebSocket opening handshake as Beast's
/// websocket::is_upgrade judges one: HTTP/1.1 or later (`version` as Beast
/// spells it, 11), a GET, `Connection` holding "upgrade" and `Upgrade`
/// holding "websocket". Pure.
bool is_websocket_upgrade(const request& req, unsigned version);

/// The route whose path is exactly `req`'s, for a GET asking for an upgrade
/// (see wants_upgrade); null when none is (the server then answers 404).
/// Pure.
const upgrade_route* find_upgrade_route(const std::vector<std::shared_ptr<const upgrade_route>>& routes,
                                        const request& req);

/// Hands `req` and `conn` to `route` (writing the access log line "101
/// upgrade" first when `access_log`). An exception of the callee is logged; a
/// socket it did not take is closed (and its ticket dropped) when this
/// returns.
void hand_off(const upgrade_route& route, request req, upgraded_connection conn, std::string_view remote,
              bool access_log);

}  // namespace agora::http
