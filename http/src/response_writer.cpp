#include "http/src/response_writer.hpp"

#include <charconv>
#include <cstdint>

#include "http/src/cors.hpp"

namespace agora::http {

namespace {

// The reason phrases of the status line, as Beast's obsolete_reason() gave
// them when Beast wrote them (so the wire did not change when the writer
// became pure). Clients must ignore them (RFC 9112 4).
std::string_view reason(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 102: return "Processing";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 444: return "Connection Closed Without Response";
    case 451: return "Unavailable For Legal Reasons";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    case 599: return "Network Connect Timeout Error";
    default: return "<unknown-status>";
  }
}

// Header fields the server writes itself; a handler's own value for one of
// these is not passed on (it would be a duplicate or contradict the framing).
bool server_owned_header(std::string_view name) {
  static constexpr std::string_view owned[] = {
      "Content-Length", "Transfer-Encoding", "Connection", "Content-Type", "X-Content-Type-Options",
      "X-Frame-Options", "Referrer-Policy", "X-Request-Id", "Access-Control-Allow-Origin",
      "Access-Control-Expose-Headers"};
  for (auto o : owned) {
    if (iequals(name, o)) return true;
  }
  return false;
}

// "Name: value\r\n". CR and LF in a value become spaces: a value built from
// client input must not be able to start a header of its own.
void append_header(std::string& w, std::string_view name, std::string_view value) {
  w.append(name.data(), name.size());
  w.append(": ", 2);
  const std::size_t at = w.size();
  w.append(value.data(), value.size());
  for (std::size_t i = at; i < w.size(); ++i) {
    if (w[i] == '\r' || w[i] == '\n') w[i] = ' ';
  }
  w.append("\r\n", 2);
}

void append_number(std::string& w, std::uint64_t n) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  w.append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace

bool status_has_body(int status) noexcept {
  return !(status == 204 || status == 304 || (status >= 100 && status < 200));
}

std::string serialize_response(const response& r, const response_framing& f) {
  const bool has_body = status_has_body(r.status);
  // Written by hand rather than through Beast's serializer: one contiguous
  // buffer, one send, no per-field allocations (the serializer and its field
  // list were a tenth of a cached GET's CPU).
  std::string w;
  w.reserve(320 + f.request_id.size() + r.body.size() + 64 * r.headers.size());
  w.append(f.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(w, static_cast<std::uint64_t>(r.status));
  w.push_back(' ');
  w.append(reason(r.status));
  w.append("\r\n");
  for (const auto& [k, v] : r.headers.fields()) {
    if (!server_owned_header(k)) append_header(w, k, v);
  }
  if (!r.content_type.empty()) append_header(w, "Content-Type", r.content_type);
  w.append("X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n");
  if (!r.headers.contains("Cache-Control")) w.append("Cache-Control: no-store\r\n");
  append_header(w, "X-Request-Id", f.request_id);
  if (!f.allow_origin.empty()) {
    if (f.allow_origin == "*") {
      w.append("Access-Control-Allow-Origin: *\r\n");
    } else {
      append_header(w, "Access-Control-Allow-Origin", f.allow_origin);
      w.append("Vary: Origin\r\n");
    }
    append_header(w, "Access-Control-Expose-Headers", cors_expose_headers);
  }
  if (f.version == 10) {
    if (f.keep_alive) w.append("Connection: keep-alive\r\n");
  } else if (!f.keep_alive) {
    w.append("Connection: close\r\n");
  }
  if (has_body) {
    // HEAD: the length a GET would carry, and no body.
    w.append("Content-Length: ");
    append_number(w, r.body.size());
    w.append("\r\n");
  }
  w.append("\r\n");
  if (has_body && !f.head) w.append(r.body);
  return w;
}

}  // namespace agora::http
