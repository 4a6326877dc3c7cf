#include "actors/domain/notification.hpp"

#include <simdjson.h>

#include "common/json_writer.hpp"

namespace agora::domain::notification {

namespace {

// Code points of valid UTF-8 `s` (continuation bytes are not counted).
std::size_t chars(std::string_view s) noexcept {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

const char* to_string(level l) noexcept {
  switch (l) {
    case level::info: return "info";
    case level::warning: return "warning";
    case level::critical: return "critical";
  }
  return "info";
}

std::optional<level> parse_level(std::string_view s) noexcept {
  if (s == "info") return level::info;
  if (s == "warning") return level::warning;
  if (s == "critical") return level::critical;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> validate(const broadcast& b) {
  std::vector<std::pair<std::string, std::string>> errors;
  if (!simdjson::validate_utf8(b.title.data(), b.title.size())) {
    errors.emplace_back("title", "must be valid UTF-8");
  } else if (b.title.empty() || chars(b.title) > max_title_chars) {
    errors.emplace_back("title", "must be 1.." + std::to_string(max_title_chars) + " characters");
  }
  if (!simdjson::validate_utf8(b.body.data(), b.body.size())) {
    errors.emplace_back("body", "must be valid UTF-8");
  } else if (chars(b.body) > max_body_chars) {
    errors.emplace_back("body", "must be at most " + std::to_string(max_body_chars) + " characters");
  }
  return errors;
}

std::string encode(const broadcast& b) {
  json_writer w(128 + b.title.size() + b.body.size());
  w.begin_object().key("title").value(b.title).key("body").value(b.body);
  w.key("level").value(to_string(b.lvl)).key("sender").value(b.sender);
  w.key("at").value(static_cast<std::int64_t>(b.at)).end_object();
  return std::move(w).take();
}

agora::expected<broadcast, std::string> decode(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size(), true).get(obj) != simdjson::SUCCESS) {
    return agora::unexpected{std::string("not a JSON object")};
  }
  broadcast b;
  std::string_view s;
  if (obj["title"].get(s) != simdjson::SUCCESS) return agora::unexpected{std::string("no title")};
  b.title.assign(s);
  if (obj["body"].get(s) == simdjson::SUCCESS) b.body.assign(s);
  if (obj["level"].get(s) == simdjson::SUCCESS) {
    auto l = parse_level(s);
    if (!l) return agora::unexpected{"unknown level " + std::string(s)};
    b.lvl = *l;
  }
  if (obj["sender"].get(s) == simdjson::SUCCESS) b.sender.assign(s);
  std::int64_t at = 0;
  if (obj["at"].get(at) == simdjson::SUCCESS) b.at = at;
  return b;
}

}  // namespace agora::domain::notification
