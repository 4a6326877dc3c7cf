#pragma once
// The request a handler sees: plain C++, no Beast, so handler files compile fast.
// The server fills it from the parsed HTTP message; the router adds the path
// parameters; the auth step adds the principal.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agora::http {

/// The HTTP methods Agora routes. Anything else is `unknown` (answered 405/501).
enum class method : std::uint8_t { get, head, post, put, patch, del, options, unknown };

/// "GET", "HEAD", ... ("UNKNOWN" for unknown).
const char* to_string(method m) noexcept;
/// Parses an upper-case method token; anything unrecognised is method::unknown.
method parse_method(std::string_view token) noexcept;

/// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;
/// `s` without leading and trailing optional white space (RFC 9110 OWS: spaces and tabs).
std::string_view trim_ows(std::string_view s) noexcept;
/// Calls f(item) for each item of a comma-separated list (an HTTP list field
/// such as Connection or Transfer-Encoding, or a list-valued config key), each
/// trimmed of OWS; empty items are skipped.
template <class F>
void for_each_list_item(std::string_view list, F&& f) {
  for (;;) {
    const std::size_t c = list.find(',');
    const std::string_view item = trim_ows(list.substr(0, c));
    if (!item.empty()) f(item);
    if (c == std::string_view::npos) return;
    list.remove_prefix(c + 1);
  }
}
/// The items of a comma-separated list (see for_each_list_item).
std::vector<std::string> split_list(std::string_view list);
/// True when the comma-separated `list` holds `token`, case-insensitively
/// (`Connection: keep-alive, Upgrade` holds "upgrade").
bool has_token(std::string_view list, std::string_view token) noexcept;

/// Header fields in arrival order with case-insensitive lookup. Small (tens of
/// fields), so a vector and a linear scan beat any map.
class header_map {
 public:
  using field = std::pair<std::string, std::string>;

  /// Appends a field (a repeated name keeps every value).
  void add(std::string name, std::string value);
  /// Replaces every field named `name` by one with `value`.
  void set(std::string_view name, std::string value);
  /// Removes every field named `name`.
  void erase(std::string_view name);
  /// The first value of `name`, or nullopt. The view lives as long as the map
  /// is not modified.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  const std::vector<field>& fields() const noexcept { return fields_; }
  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }

 private:
  std::vector<field> fields_;
};

/// Who made the request, once a token was verified (see auth.hpp).
struct principal {
  std::string user_id;
  std::string email;
  /// "customer" or "admin".
  std::string role;

  friend bool operator==(const principal& a, const principal& b) {
    return a.user_id == b.user_id && a.email == b.email && a.role == b.role;
  }
};

/// One HTTP request. Handlers get it by reference for the duration of the
/// handler call only: an asynchronous handler copies what it needs before it
/// returns (the responder stays valid; the request does not).
struct request {
  http::method method = http::method::unknown;
  /// The request target as received, e.g. "/api/products?q=lamp&page=2".
  std::string target;
  /// The target up to '?', still percent-encoded (so "%2F" never splits a
  /// segment); path parameters are decoded by the router.
  std::string path;
  /// Query parameters, percent-decoded ('+' is a space), in order; repeated
  /// names keep every value.
  std::vector<std::pair<std::string, std::string>> query;
  header_map headers;
  std::string body;
  /// "ip:port" of the TCP peer (a load balancer, when there is one).
  std::string remote_address;
  /// The client's IP (the rate limiter's key), canonical: the TCP peer's, or,
  /// when the peer is one of http.trusted_proxies, the right-most address of
  /// X-Forwarded-For that is not itself a trusted proxy (see client_address.hpp).
  std::string remote_ip;
  /// X-Request-Id when the client sent a valid one ([A-Za-z0-9._-]{1,128}),
  /// otherwise a fresh UUID. Echoed on the response and in every log line.
  std::string request_id;
  /// Filled by the router from the route's {name} segments, percent-decoded.
  std::vector<std::pair<std::string, std::string>> path_params;
  /// The route's name ("products.get"), set by the router; "" when unmatched.
  std::string route_name;
  /// Set by the authentication step when a valid bearer token came with it.
  std::optional<http::principal> user;

  /// The first query parameter called `name` (first one wins), or nullopt.
  std::optional<std::string_view> param(std::string_view name) const;
  /// Every value of query parameter `name`, in order.
  std::vector<std::string_view> params(std::string_view name) const;
  /// The path parameter `name` (from a {name} segment), or nullopt.
  std::optional<std::string_view> path_param(std::string_view name) const;
  /// The header `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
  /// The token of "Authorization: Bearer <token>", or nullopt.
  std::optional<std::string_view> bearer_token() const;
  /// True when Content-Type is application/json or application/<x>+json
  /// (parameters such as charset are ignored).
  bool has_json_body() const;
};

/// Splits a target into path and decoded query parameters (fills target, path
/// and query of `req`).
void parse_target(std::string_view target, request& req);
/// Percent-decodes `in`; with `plus_as_space`, '+' becomes ' ' (query strings).
/// Returns nullopt on a malformed escape ("%4", "%zz").
std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space);
/// The target as logs show it: the path, and of the query only the parameter
/// names, each value replaced by "***" ("/api/products?category=***&limit=***"),
/// so tokens, e-mails and the like sent in a query never reach a log. A name
/// that is not a plain [A-Za-z0-9_.-]{1,32} word is shown as "***" too (a bare
/// "?<token>" would otherwise be logged as a name).
std::string loggable_target(std::string_view target);
/// True when `id` matches [A-Za-z0-9._-]{1,128}: safe to echo and to log.
bool is_valid_request_id(std::string_view id) noexcept;

}  // namespace agora::http
