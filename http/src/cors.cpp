#include "http/src/cors.hpp"

#include <algorithm>
#include <utility>

namespace agora::http {

cors_policy::cors_policy(std::vector<std::string> origins)
    : origins_(std::move(origins)), any_(std::find(origins_.begin(), origins_.end(), "*") != origins_.end()) {}

bool cors_policy::allows(std::string_view origin) const noexcept {
  if (any_) return true;
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

std::string_view cors_policy::allow_origin(std::string_view origin) const noexcept {
  if (origin.empty() || !allows(origin)) return {};
  return any_ ? std::string_view("*") : origin;
}

response preflight_response(std::string_view requested_method, std::string_view allowed_methods,
                            std::optional<std::string_view> requested_headers) {
  response r = response::empty(204);
  r.headers.set("Access-Control-Allow-Methods",
                std::string(allowed_methods.empty() ? requested_method : allowed_methods));
  r.headers.set("Access-Control-Allow-Headers", requested_headers ? std::string(*requested_headers)
                                                                  : std::string("Content-Type, Authorization, If-None-Match"));
  r.headers.set("Access-Control-Max-Age", "600");
  return r;
}

}  // namespace agora::http
