#pragma once
// A handler's response as it goes on the wire: status line, the handler's
// headers, the headers every answer carries (security headers, X-Request-Id,
// CORS, Cache-Control), the framing (Content-Length, Connection) and the body.
// Pure: no socket, no Beast, so unit tested on its own
// (tests/http/response_writer_test.cpp); the session writes what it returns.

#include <cstddef>
#include <string>
#include <string_view>

#include "http/response.hpp"

namespace agora::http {

/// What the connection knows about the request being answered.
struct response_framing {
  /// HTTP/1.`version - 10` of the request: 10 or 11.
  unsigned version = 11;
  /// The connection stays open after this answer (HTTP/1.0: `Connection:
  /// keep-alive` is written; HTTP/1.1: `Connection: close` when false).
  bool keep_alive = true;
  /// A HEAD request: the headers (and the length) a GET would get, no body.
  bool head = false;
  /// Sent as X-Request-Id.
  std::string_view request_id;
  /// Access-Control-Allow-Origin (cors_policy::allow_origin): empty, no CORS
  /// headers; "*"; or the request's origin, then with `Vary: Origin`.
  std::string_view allow_origin;
};

/// False for the statuses that never carry a body or Content-Length (1xx, 204, 304).
bool status_has_body(int status) noexcept;

/// The whole answer, ready to write: one contiguous buffer, so one send.
/// The handler's own values for the headers the server writes itself
/// (framing, Content-Type, security, X-Request-Id, CORS) are left out; CR and
/// LF in a header value become spaces, so a value built from client input
/// cannot start a header of its own.
std::string serialize_response(const response& r, const response_framing& framing);

}  // namespace agora::http
