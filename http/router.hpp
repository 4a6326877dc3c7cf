#pragma once
// Routes by method and path pattern to asynchronous handlers.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/responder.hpp"
#include "http/response.hpp"

namespace agora::http {

/// A route's handler. Runs on an io thread: it must not block (no disk, no
/// password hashing: see common/work_pool.hpp). It answers through `respond`,
/// now or later, from any thread. `req` is valid only during the call.
using handler = std::function<void(request& req, responder respond)>;

/// Method + path pattern -> handler. Patterns are absolute paths whose segments
/// are literals or `{name}` parameters: "/api/products/{id}",
/// "/api/carts/{id}/items/{sku}". When several routes match, the one with a
/// literal at the first differing segment wins ("/api/products/search" over
/// "/api/products/{id}"). A GET route also answers HEAD.
///
/// Build the router before the server starts; it is read-only (and therefore
/// thread-safe) afterwards.
class router {
 public:
  /// Adds a route. `name` labels metrics and logs ("products.get"). Returns
  /// false (adding nothing) for a malformed pattern (not starting with '/',
  /// an empty or unclosed {}) or a duplicate method + pattern.
  [[nodiscard]] bool add(method m, std::string_view pattern, std::string name, handler h);

  /// The outcome of matching a method and path.
  struct match_result {
    enum class kind { found, not_found, method_not_allowed };
    kind outcome = kind::not_found;
    /// The route's index (found only).
    std::size_t route = 0;
    /// found: the route name. 
    std::string name;
    /// method_not_allowed (and found, when asked for): the methods the path
    /// accepts, e.g. "GET, HEAD, PUT".
    std::string allow;
    /// found: decoded {name} values.
    std::vector<std::pair<std::string, std::string>> params;
  };

  /// Matches without calling anything. `allow` is filled for
  /// method_not_allowed, and for found only when `want_allow` (a CORS
  /// preflight needs it; serving a request does not).
  match_result match(method m, std::string_view path, bool want_allow = false) const;

  /// Matches `req`, fills req.path_params and req.route_name, and calls the
  /// handler; answers 404 (unknown path), 405 with Allow (known path, other
  /// method), 204 with Allow (OPTIONS on a known path without an OPTIONS
  /// route), 400 (undecodable path parameter) itself. An exception from the
  /// handler is caught: 500 Problem Details (unless it had already answered).
  void dispatch(request& req, responder respond) const;

  std::size_t size() const noexcept { return routes_.size(); }

  /// A check for requests no route takes (404 and 405 alike, including an
  /// OPTIONS on a known path): when it returns a response, that is the answer
  /// instead of the router's own. The gateway puts its per-IP rate limit here,
  /// so unmatched paths are limited like the routes. Runs on the io thread:
  /// must not block. Set it before the server starts.
  using unmatched_gate = std::function<std::optional<response>(request& req)>;
  void set_unmatched_gate(unmatched_gate gate) { unmatched_gate_ = std::move(gate); }

 private:
  struct segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct route {
    method m = method::unknown;
    std::string pattern;
    std::string name;
    std::vector<segment> segments;
    handler h;
  };

  std::vector<route> routes_;
  unmatched_gate unmatched_gate_;
};

}  // namespace agora::http
