#include "http/router.hpp"

#include <atomic>
#include <memory>

#include <spdlog/spdlog.h>

#include "common/guarded.hpp"

namespace agora::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// The order of Allow values follows the enum, so the header is stable.
void append_allow(std::string& allow, method m) {
  if (allow.find(to_string(m)) != std::string::npos) return;
  if (!allow.empty()) allow += ", ";
  allow += to_string(m);
}

}  // namespace

bool router::add(method m, std::string_view pattern, std::string name, handler h) {
  if (pattern.empty() || pattern.front() != '/' || m == method::unknown || !h) return false;
  route r;
  r.m = m;
  r.pattern = std::string(pattern);
  r.name = std::move(name);
  r.h = std::move(h);
  for (std::string_view seg : split_path(pattern)) {
    segment s;
    if (!seg.empty() && seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}') return false;
      s.is_param = true;
      s.text = std::string(seg.substr(1, seg.size() - 2));
      if (s.text.find_first_of("{}") != std::string::npos) return false;
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) return false;
      s.text = std::string(seg);
    }
    r.segments.push_back(std::move(s));
  }
  for (const auto& other : routes_) {
    if (other.m != m || other.segments.size() != r.segments.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < r.segments.size() && same; ++i) {
      const auto& a = other.segments[i];
      const auto& b = r.segments[i];
      same = a.is_param == b.is_param && (a.is_param || a.text == b.text);
    }
    if (same) return false;
  }
  routes_.push_back(std::move(r));
  return true;
}

router::match_result router::match(method m, std::string_view path, bool want_allow) const {
  match_result res;
  auto segs = split_path(path);
  const route* best = nullptr;
  // Specificity: at the first segment where two candidates differ, a literal
  // beats a parameter.
  auto more_specific = [](const route& a, const route& b) {
    for (std::size_t i = 0; i < a.segments.size(); ++i) {
      if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
    }
    return false;
  };
  auto path_matches = [&segs](const route& r) {
    if (r.segments.size() != segs.size()) return false;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      if (r.segments[i].is_param ? segs[i].empty() : r.segments[i].text != segs[i]) return false;
    }
    return true;
  };
  bool path_known = false;
  const route* best_get = nullptr;  // HEAD falls back to the GET route
  for (const auto& r : routes_) {
    if (!path_matches(r)) continue;
    path_known = true;
    if (r.m == m && (best == nullptr || more_specific(r, *best))) best = &r;
    if (r.m == method::get && (best_get == nullptr || more_specific(r, *best_get))) best_get = &r;
  }
  if (best == nullptr && m == method::head) best = best_get;
  if (!path_known) return res;
  if (best == nullptr || want_allow) {
    // Allow lists the methods of the routes this path matches (a second pass:
    // rare, so the common case allocates nothing for it).
    for (method cand : {method::get, method::head, method::post, method::put, method::patch, method::del,
                        method::options}) {
      for (const auto& r : routes_) {
        if ((r.m == cand || (cand == method::head && r.m == method::get)) && path_matches(r)) {
          append_allow(res.allow, cand);
          break;
        }
      }
    }
  }
  if (best == nullptr) {
    res.outcome = match_result::kind::method_not_allowed;
    return res;
  }
  res.outcome = match_result::kind::found;
  res.route = static_cast<std::size_t>(best - routes_.data());
  res.name = best->name;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (best->segments[i].is_param) res.params.emplace_back(best->segments[i].text, std::string(segs[i]));
  }
  return res;
}

void router::dispatch(request& req, responder respond) const {
  match_result m = match(req.method, req.path);
  if (m.outcome != match_result::kind::found && unmatched_gate_) {
    if (auto refused = unmatched_gate_(req)) {
      respond(std::move(*refused));
      return;
    }
  }
  switch (m.outcome) {
    case match_result::kind::not_found:
      respond(problem(req, 404, "not-found", "Not Found", "no resource at this path"));
      return;
    case match_result::kind::method_not_allowed: {
      if (req.method == method::options) {
        response r = response::empty(204);
        r.headers.set("Allow", m.allow + (m.allow.empty() ? "" : ", ") + "OPTIONS");
        respond(std::move(r));
        return;
      }
      response r = problem(req, 405, "method-not-allowed", "Method Not Allowed",
                           std::string(to_string(req.method)) + " is not allowed here; allowed: " + m.allow);
      r.headers.set("Allow", m.allow);
      respond(std::move(r));
      return;
    }
    case match_result::kind::found:
      break;
  }
  req.route_name = m.name;
  req.path_params.clear();
  for (auto& [k, v] : m.params) {
    auto decoded = percent_decode(v, false);
    if (!decoded) {
      respond(problem(req, 400, "bad-request", "Bad Request", "malformed percent-encoding in the path"));
      return;
    }
    req.path_params.emplace_back(std::move(k), std::move(*decoded));
  }
  const route& r = routes_[m.route];
  // Exceptions never cross into the I/O layer: the boundary is here. The
  // responder is kept aside so an exception can still be answered with a 500;
  // `claimed` makes the handler's answer and the 500 mutually exclusive even
  // when the handler already handed its responder to another thread.
  struct guarded {
    explicit guarded(responder res) : r(std::move(res)) {}
    responder r;
    std::atomic<bool> claimed{false};
  };
  auto shared = std::make_shared<guarded>(std::move(respond));
  // When the handler drops its responder without answering, the last copy
  // of `shared` goes away and the inner responder reports the drop.
  call_guarded(
      [&] {
        r.h(req, responder([shared](std::optional<response> res) {
          if (res && !shared->claimed.exchange(true)) shared->r.send(std::move(*res));
        }));
      },
      [&](std::string_view what) {
        spdlog::error("http handler {} threw: {} (request {})", r.name, what, req.request_id);
        if (!shared->claimed.exchange(true)) {
          shared->r.send(problem(req, 500, "internal", "Internal Server Error", "the handler failed"));
        }
      });
}

}  // namespace agora::http
