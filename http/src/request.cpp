#include "http/request.hpp"

#include <algorithm>

namespace agora::http {

const char* to_string(method m) noexcept {
  switch (m) {
    case method::get: return "GET";
    case method::head: return "HEAD";
    case method::post: return "POST";
    case method::put: return "PUT";
    case method::patch: return "PATCH";
    case method::del: return "DELETE";
    case method::options: return "OPTIONS";
    case method::unknown: break;
  }
  return "UNKNOWN";
}

method parse_method(std::string_view t) noexcept {
  if (t == "GET") return method::get;
  if (t == "HEAD") return method::head;
  if (t == "POST") return method::post;
  if (t == "PUT") return method::put;
  if (t == "PATCH") return method::patch;
  if (t == "DELETE") return method::del;
  if (t == "OPTIONS") return method::options;
  return method::unknown;
}

namespace {
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  for_each_list_item(list, [&](std::string_view item) { out.emplace_back(item); });
  return out;
}

bool has_token(std::string_view list, std::string_view token) noexcept {
  bool found = false;
  for_each_list_item(list, [&](std::string_view item) { found = found || iequals(item, token); });
  return found;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void header_map::add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

void header_map::set(std::string_view name, std::string value) {
  erase(name);
  fields_.emplace_back(std::string(name), std::move(value));
}

void header_map::erase(std::string_view name) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const field& f) { return iequals(f.first, name); }),
                fields_.end());
}

std::optional<std::string_view> header_map::get(std::string_view name) const {
  for (const auto& f : fields_) {
    if (iequals(f.first, name)) return std::string_view(f.second);
  }
  return std::nullopt;
}

std::optional<std::string_view> request::param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::vector<std::string_view> request::params(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : query) {
    if (k == name) out.emplace_back(v);
  }
  return out;
}

std::optional<std::string_view> request::path_param(std::string_view name) const {
  for (const auto& [k, v] : path_params) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> request::bearer_token() const {
  auto h = headers.get("Authorization");
  if (!h) return std::nullopt;
  std::string_view v = trim_ows(*h);
  if (v.size() < 7 || !iequals(v.substr(0, 7), "Bearer ")) return std::nullopt;
  v = trim_ows(v.substr(7));
  if (v.empty()) return std::nullopt;
  return v;
}

bool request::has_json_body() const {
  auto ct = headers.get("Content-Type");
  if (!ct) return false;
  std::string_view v = *ct;
  v = trim_ows(v.substr(0, v.find(';')));
  if (iequals(v, "application/json")) return true;
  // application/<something>+json (e.g. application/merge-patch+json)
  if (v.size() > 17 && iequals(v.substr(0, 12), "application/") && iequals(v.substr(v.size() - 5), "+json")) {
    return true;
  }
  return false;
}

std::optional<std::string> percent_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void parse_target(std::string_view target, request& req) {
  req.target = std::string(target);
  std::size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  // Fragments never reach a server, but a client may send one: ignore it.
  req.path = std::string(path.substr(0, path.find('#')));
  req.query.clear();
  if (q == std::string_view::npos) return;
  std::string_view qs = target.substr(q + 1);
  qs = qs.substr(0, qs.find('#'));
  while (!qs.empty()) {
    std::size_t amp = qs.find('&');
    std::string_view pair = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view{} : qs.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    auto dk = percent_decode(k, true);
    auto dv = percent_decode(v, true);
    // A malformed escape keeps the raw text: a bad query parameter is the
    // handler's validation problem, not a reason to refuse the request.
    req.query.emplace_back(dk ? std::move(*dk) : std::string(k), dv ? std::move(*dv) : std::string(v));
  }
}

bool is_valid_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string loggable_target(std::string_view target) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, q));
  std::string_view query = target.substr(q + 1);
  char sep = '?';
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const bool plain = !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
             c == '-';
    });
    out.push_back(sep);
    sep = '&';
    out.append(plain ? name : std::string_view("***"));
    if (eq != std::string_view::npos) out.append("=***");
  }
  return out;
}

}  // namespace agora::http
