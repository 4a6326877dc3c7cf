#pragma once
// Checks of a request head that decide whether its body can be framed
// unambiguously (RFC 9112 section 6). Pure, so unit tested without a socket
// (tests/http/framing_test.cpp); the server runs it once the head is parsed.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agora::http {

/// Why a request head is refused: answered with `status`, then the connection
/// is closed, since where the next request starts is no longer known.
struct framing_problem {
  int status = 400;
  std::string detail;
};

/// What the check needs from a parsed head.
struct request_head_facts {
  /// 10 or 11.
  unsigned version = 11;
  /// The Transfer-Encoding field values in arrival order (several fields form
  /// one list).
  std::vector<std::string_view> transfer_encoding;
  /// How many Content-Length fields came.
  std::size_t content_length_fields = 0;
  /// How many Host fields came.
  std::size_t host_fields = 0;
};

/// nullopt when the head is acceptable; otherwise what to answer:
/// - Transfer-Encoding together with Content-Length: 400 (the classic request
///   smuggling ambiguity; RFC 9112 6.3 lets a server reject it, and we do,
///   rather than guess which one a proxy in front of us believed);
/// - Transfer-Encoding whose last coding is not `chunked`: 400 (RFC 9112 6.3:
///   the length cannot be determined; reading it as "no body" would parse the
///   body as the next request);
/// - `chunked` more than once, or an empty coding list: 400;
/// - Transfer-Encoding in an HTTP/1.0 request: 400 (RFC 9112 6.1: faulty framing);
/// - another coding before `chunked` ("gzip, chunked"): 501, we decode none;
/// - no Host in HTTP/1.1, or more than one Host in any version: 400
///   (RFC 9112 3.2).
std::optional<framing_problem> check_request_head(const request_head_facts& head);

}  // namespace agora::http
