#pragma once
// The storefront (/) and the admin dashboard (/admin): the files of web/site,
// embedded into the binary at build time, served from memory with a strong
// ETag, cache headers and a strict Content-Security-Policy (docs/API.md,
// "Web pages"). Plain C++ headers only: no Beast here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/response.hpp"

namespace agora {
class clock;
}
namespace agora::http {
class router;
class rate_limiter;
}  // namespace agora::http

namespace agora::web {

/// One embedded file.
struct asset {
  /// Its path under web/site ("index.html", "assets/app.js").
  std::string_view name;
  std::string_view content_type;
  /// Strong, quoted ("\"3fa9...\""): a hash of the content.
  std::string_view etag;
  std::string_view body;
};

/// Every embedded file, in name order.
const std::vector<asset>& assets();

/// The file called `name` (a path under web/site), or nullopt.
std::optional<asset> find_asset(std::string_view name);

/// The Content-Security-Policy sent with every file: only this origin's
/// scripts, styles, fonts and frames (none inline), images from this origin,
/// data: and https:, connections to this origin and to its WebSocket
/// (ws:// and wss:// of `host`, the request's Host, when it is a plain
/// host[:port]; without one, 'self' alone).
std::string content_security_policy(std::string_view host);

/// The answer to a GET or HEAD of `a`: 200 with the bytes, or 304 when the
/// request's If-None-Match matches (`*`, or a list holding the tag; weak
/// comparison, as the API's reads do); either way with ETag, Cache-Control
/// (no-cache: the browser revalidates each time, since the names carry no
/// hash) and the CSP.
http::response serve(const asset& a, const http::request& req);

/// Who the routes ask before answering.
struct site_options {
  /// The general per-IP limit (the API's own bucket, key "ip:<address>"), so
  /// the pages and the API share one budget per client; null: no limit.
  http::rate_limiter* limiter = nullptr;
  /// Required when `limiter` is set.
  const clock* clk = nullptr;
};

/// Adds GET (and HEAD) routes: "/" (the storefront), "/admin" (the dashboard)
/// and "/assets/{name}" (web/site/assets). None collides with /api, /ws,
/// /health, /metrics or /openapi.json. False when a route could not be added
/// (already taken).
[[nodiscard]] bool register_routes(http::router& r, site_options options);

}  // namespace agora::web
