#pragma once
// CORS (http.cors_origins): which origins may read our answers, the headers
// that tell a browser so, and the answer to a preflight. Pure, so unit tested
// without a socket (tests/http/cors_test.cpp); the session asks it per request.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/response.hpp"

namespace agora::http {

/// The response headers a browser lets a page of another origin read.
inline constexpr std::string_view cors_expose_headers =
    "ETag, Location, Retry-After, X-Request-Id, X-Event-Position, X-Cache-Status";

/// The allowed origins. Empty (the default): no CORS headers at all.
class cors_policy {
 public:
  cors_policy() = default;
  /// `origins` as http.cors_origins lists them; "*" allows any origin.
  explicit cors_policy(std::vector<std::string> origins);

  /// True when a request from `origin` may be answered with CORS headers.
  bool allows(std::string_view origin) const noexcept;
  /// The Access-Control-Allow-Origin value for an answer to a request from
  /// `origin` (empty when it carried none): empty, no CORS headers; "*" when
  /// any origin is allowed; otherwise `origin` itself (and the answer varies
  /// by Origin).
  std::string_view allow_origin(std::string_view origin) const noexcept;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

/// The answer to a preflight (OPTIONS with Access-Control-Request-Method from
/// an allowed origin, for a path that has routes): 204 allowing
/// `allowed_methods` (the path's methods, as the router lists them; empty: the
/// requested method), the requested headers (or the ones our clients send) for
/// ten minutes.
response preflight_response(std::string_view requested_method, std::string_view allowed_methods,
                            std::optional<std::string_view> requested_headers);

}  // namespace agora::http
