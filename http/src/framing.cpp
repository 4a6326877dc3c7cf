#include "http/src/framing.hpp"

#include "http/request.hpp"

namespace agora::http {

namespace {

// Shown in a Problem detail: printable ASCII only, and short.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  return out;
}

}  // namespace

std::optional<framing_problem> check_request_head(const request_head_facts& head) {
  if (head.host_fields > 1) return framing_problem{400, "more than one Host header"};
  if (head.version >= 11 && head.host_fields == 0) return framing_problem{400, "an HTTP/1.1 request needs a Host header"};
  if (head.transfer_encoding.empty()) return std::nullopt;

  if (head.content_length_fields > 0) {
    return framing_problem{400, "Transfer-Encoding and Content-Length must not come together"};
  }
  if (head.version < 11) return framing_problem{400, "Transfer-Encoding in an HTTP/1.0 request"};
  // The codings in order, over every field; empty list elements are allowed
  // by the list syntax and mean nothing.
  std::vector<std::string_view> codings;
  for (auto value : head.transfer_encoding) {
    for_each_list_item(value, [&](std::string_view item) { codings.push_back(item); });
  }
  if (codings.empty()) return framing_problem{400, "empty Transfer-Encoding"};
  if (!iequals(codings.back(), "chunked")) {
    return framing_problem{400, "the last transfer coding must be chunked"};
  }
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    if (iequals(codings[i], "chunked")) return framing_problem{400, "chunked applied more than once"};
  }
  if (codings.size() > 1) {
    return framing_problem{501, "transfer coding '" + printable(codings.front()) + "' is not supported"};
  }
  return std::nullopt;
}

}  // namespace agora::http
