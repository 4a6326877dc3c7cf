#pragma once
// The response a handler produces, and RFC 9457 Problem Details for errors.
// Plain C++; the server turns it into a Beast message.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace agora {
class json_writer;
}

namespace agora::http {

/// One HTTP response. The server adds the security headers, X-Request-Id, CORS
/// headers, Content-Length, and `Cache-Control: no-store` unless set here.
struct response {
  int status = 200;
  header_map headers;
  std::string body;
  /// Sent as Content-Type unless empty.
  std::string content_type;

  /// `body` (already JSON) as application/json.
  static response json(int status, std::string body);
  /// A text/plain; charset=utf-8 response.
  static response text(int status, std::string body);
  /// A response without body (204, 304, ...).
  static response empty(int status);
};

/// The base of every Problem Details "type" member; the suffix names the kind.
inline constexpr std::string_view problem_type_base = "https://agora.dev/problems/";

/// One invalid input field of a validation problem.
struct field_error {
  std::string field;
  std::string message;
};

/// The members of a Problem Details document (RFC 9457).
struct problem_details {
  int status = 500;
  /// Appended to problem_type_base: "validation", "not-found", "timeout", ...
  std::string type_suffix;
  std::string title;
  std::string detail;
  /// The request path (the "instance" member).
  std::string instance;
  std::string request_id;
  /// Written as `errors: [{field, message}]` when not empty (validation).
  std::vector<field_error> errors;
  /// Writes further members into the open object (key/value pairs), e.g.
  /// `w.key("retry_after").value(3)`. May be empty.
  std::function<void(json_writer&)> extra;
};

/// Renders `p` as an application/problem+json response with status p.status.
response problem_response(const problem_details& p);

/// A Problem Details response for `req` (instance = req.path, request_id =
/// req.request_id).
response problem(const request& req, int status, std::string_view type_suffix, std::string_view title,
                 std::string_view detail, std::vector<field_error> errors = {},
                 std::function<void(json_writer&)> extra = {});
/// problem() where no request is at hand (the server's own answers to a
/// request it could not read or that no handler answered): `instance` and
/// `request_id` as problem() takes them from a request.
response problem_at(std::string_view instance, std::string_view request_id, int status,
                    std::string_view type_suffix, std::string_view title, std::string_view detail,
                    std::vector<field_error> errors = {}, std::function<void(json_writer&)> extra = {});

/// 415 unless the request carries a JSON Content-Type; nullopt when it does.
/// Handlers of POST/PUT/PATCH call it before parsing the body.
std::optional<response> require_json(const request& req);

}  // namespace agora::http
