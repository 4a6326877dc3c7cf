#include "http/src/upgrade_handoff.hpp"

#include <spdlog/spdlog.h>

#include "common/guarded.hpp"

namespace agora::http {

bool wants_upgrade(const request& req) {
  auto conn = req.headers.get("Connection");
  return conn && has_token(*conn, "upgrade") && req.headers.contains("Upgrade");
}

bool is_websocket_upgrade(const request& req, unsigned version) {
  // The checks of boost::beast::websocket::is_upgrade (1.74), on our request.
  if (version < 11 || req.method != method::get) return false;
  auto conn = req.headers.get("Connection");
  if (!conn || !has_token(*conn, "upgrade")) return false;
  auto up = req.headers.get("Upgrade");
  return up && has_token(*up, "websocket");
}

const upgrade_route* find_upgrade_route(const std::vector<std::shared_ptr<const upgrade_route>>& routes,
                                        const request& req) {
  if (req.method != method::get || !wants_upgrade(req)) return nullptr;
  for (const auto& u : routes) {
    if (u && u->path == req.path && u->on_upgrade) return u.get();
  }
  return nullptr;
}

void hand_off(const upgrade_route& route, request req, upgraded_connection conn, std::string_view remote,
              bool access_log) {
  if (access_log) {
    spdlog::info("http {} {} 101 upgrade id={} remote={}", to_string(req.method), loggable_target(req.target),
                 req.request_id, remote);
  }
  call_guarded([&] { route.on_upgrade(std::move(req), std::move(conn)); },
               [&](std::string_view what) { spdlog::error("http upgrade handler for {} threw: {}", route.path, what); });
}

}  // namespace agora::http
