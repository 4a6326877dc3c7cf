#pragma once
// The upgrade hand-off (see http/upgrade.hpp): which requests leave the HTTP
// session, and handing one over with its socket.

#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "http/request.hpp"
#include "http/upgrade.hpp"

namespace agora::http {

/// True when `req` asks for a protocol upgrade (`Connection: upgrade` and an
/// `Upgrade` header). Pure.
bool wants_upgrade(const request& req);

/// The route that takes `req` over: a GET asking for an upgrade (see
/// wants_upgrade) at exactly a route's path; null when none does (the server
/// then answers 404). Pure.
const upgrade_route* find_upgrade_route(const std::vector<std::shared_ptr<const upgrade_route>>& routes,
                                        const request& req);

/// Hands `req` and `socket` to `route` (writing the access log line "101
/// upgrade" first when `access_log`). An exception of the callee is logged; a
/// socket it did not take is closed when this returns.
void hand_off(const upgrade_route& route, request req, boost::asio::ip::tcp::socket socket, std::string_view remote,
              bool access_log);

}  // namespace agora::http
