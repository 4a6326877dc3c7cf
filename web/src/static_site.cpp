#include "web/static_site.hpp"

#include <algorithm>

#include "common/clock.hpp"
#include "http/rate_limiter.hpp"
#include "http/response_cache.hpp"
#include "http/router.hpp"
#include "web/src/embedded.hpp"

namespace agora::web {

namespace {

// A Host field we may copy into the CSP: a name or address and an optional
// port, nothing that could end the directive or add another (';', ',',
// spaces, quotes). Anything else gets 'self' alone.
bool plain_host(std::string_view host) noexcept {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == ':' || c == '[' || c == ']';
  });
}

}  // namespace

const std::vector<asset>& assets() {
  static const std::vector<asset> all = [] {
    std::vector<asset> out;
    out.reserve(detail::embedded_file_count);
    for (std::size_t i = 0; i < detail::embedded_file_count; ++i) {
      const auto& f = detail::embedded_files[i];
      out.push_back({f.name, f.content_type, f.etag, std::string_view(reinterpret_cast<const char*>(f.data), f.size)});
    }
    std::sort(out.begin(), out.end(), [](const asset& a, const asset& b) { return a.name < b.name; });
    return out;
  }();
  return all;
}

std::optional<asset> find_asset(std::string_view name) {
  const auto& all = assets();
  auto it = std::lower_bound(all.begin(), all.end(), name, [](const asset& a, std::string_view n) { return a.name < n; });
  if (it == all.end() || it->name != name) return std::nullopt;
  return *it;
}

std::string content_security_policy(std::string_view host) {
  // The pages load nothing from elsewhere and run no inline code: a script
  // injected into a product name cannot run, and nothing can frame the pages.
  // Images may come from https: too, since products' image_urls point
  // wherever the shop keeps its pictures.
  std::string connect = "'self'";
  if (plain_host(host)) {
    // CSP level 3 lets 'self' cover ws:/wss: of this origin, but older
    // browsers need the WebSocket origins spelled out.
    connect.append(" ws://").append(host).append(" wss://").append(host);
  }
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; font-src 'self'; "
         "connect-src " + connect + "; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

http::response serve(const asset& a, const http::request& req) {
  const auto inm = req.header("If-None-Match");
  http::response r = inm && http::etag_matches(*inm, a.etag) ? http::response::empty(304) : http::response{};
  if (r.status == 200) {
    r.body.assign(a.body.data(), a.body.size());
    r.content_type = std::string(a.content_type);
  }
  r.headers.set("ETag", std::string(a.etag));
  // no-cache, not max-age: the files keep their names across releases (no
  // build step puts a hash in them), so a browser must ask each time; the
  // ETag makes that a 304 without a body.
  r.headers.set("Cache-Control", "no-cache");
  r.headers.set("Content-Security-Policy", content_security_policy(req.header("Host").value_or("")));
  r.headers.set("Cross-Origin-Opener-Policy", "same-origin");
  return r;
}

bool register_routes(http::router& r, site_options options) {
  // Answers `name`, after the client's per-IP budget allows it.
  auto file = [options](std::string name) {
    return [options, name = std::move(name)](http::request& req, http::responder respond) {
      if (options.limiter && options.clk) {
        const auto verdict = options.limiter->try_acquire("ip:" + req.remote_ip, options.clk->now());
        if (!verdict.allowed) return respond(http::too_many_requests(req, verdict));
      }
      std::string wanted = name;
      if (wanted.empty()) wanted = "assets/" + std::string(req.path_param("name").value_or(""));
      const auto a = find_asset(wanted);
      if (!a) {
        return respond(http::problem(req, 404, "not-found", "Not Found", "no such file: " + std::string(req.path)));
      }
      respond(serve(*a, req));
    };
  };
  bool ok = r.add(http::method::get, "/", "web.storefront", file("index.html"));
  ok = r.add(http::method::get, "/admin", "web.admin", file("admin.html")) && ok;
  ok = r.add(http::method::get, "/assets/{name}", "web.asset", file("")) && ok;
  return ok;
}

}  // namespace agora::web
