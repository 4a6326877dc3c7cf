// The embedded pages as agorad serves them: routes, ETag and 304, cache and
// security headers, the CSP, and what the files themselves must not contain
// (inline code the CSP would block) or weigh (the 200 KiB budget).

#include "web/static_site.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <regex>

#include "common/clock.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "tests/http/test_client.hpp"

namespace agora::web {
namespace {

using namespace std::chrono_literals;

http::response get(const http::router& r, std::string target, http::header_map headers = {},
                   http::method m = http::method::get) {
  http::request req;
  req.method = m;
  http::parse_target(target, req);
  req.headers = std::move(headers);
  req.remote_ip = "192.0.2.7";
  req.request_id = "test";
  std::optional<http::response> got;
  r.dispatch(req, http::responder([&](std::optional<http::response> resp) { got = std::move(resp); }));
  EXPECT_TRUE(got.has_value()) << target << " was not answered at once";
  return got ? std::move(*got) : http::response::empty(599);
}

std::string header(const http::response& r, std::string_view name) {
  auto v = r.headers.get(name);
  return v ? std::string(*v) : std::string();
}

http::header_map with(std::string name, std::string value) {
  http::header_map h;
  h.add(std::move(name), std::move(value));
  return h;
}

class StaticSite : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(register_routes(router_, {})); }
  http::router router_;
};

TEST_F(StaticSite, ServesTheStorefrontAtTheRootAndTheDashboardAtAdmin) {
  const auto shop = get(router_, "/");
  EXPECT_EQ(shop.status, 200);
  EXPECT_EQ(shop.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(shop.body, find_asset("index.html")->body);
  EXPECT_NE(shop.body.find("<main"), std::string::npos);
  const auto admin = get(router_, "/admin");
  EXPECT_EQ(admin.status, 200);
  EXPECT_EQ(admin.body, find_asset("admin.html")->body);
  EXPECT_NE(shop.body, admin.body);
}

TEST_F(StaticSite, ServesAssetsWithTheirContentType) {
  const auto css = get(router_, "/assets/app.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  const auto js = get(router_, "/assets/store.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  const auto icon = get(router_, "/assets/favicon.svg");
  EXPECT_EQ(icon.status, 200);
  EXPECT_EQ(icon.content_type, "image/svg+xml");
}

TEST_F(StaticSite, AnUnknownAssetIs404ProblemDetails) {
  const auto r = get(router_, "/assets/nope.js");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/problem+json");
  // Only files under assets/ are reachable there, not the pages by another name.
  EXPECT_EQ(get(router_, "/assets/..%2Findex.html").status, 404);
  EXPECT_EQ(get(router_, "/assets/index.html").status, 404);
}

TEST_F(StaticSite, LeavesTheApiPathsToTheApi) {
  for (const char* path : {"/api/products", "/ws", "/metrics", "/openapi.json", "/health/live", "/admin/x", "/index.html"}) {
    EXPECT_EQ(router_.match(http::method::get, path).outcome, http::router::match_result::kind::not_found) << path;
  }
  // And a second registration (a route already taken) is refused, not doubled.
  EXPECT_FALSE(register_routes(router_, {}));
}

TEST_F(StaticSite, SendsAStrongETagAndNoCache) {
  const auto r = get(router_, "/assets/app.css");
  const auto etag = header(r, "ETag");
  EXPECT_TRUE(std::regex_match(etag, std::regex("\"[0-9a-f]{24}\""))) << etag;
  EXPECT_EQ(etag, find_asset("assets/app.css")->etag);
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  // Each file its own tag: a hash of its content.
  EXPECT_NE(etag, header(get(router_, "/assets/store.js"), "ETag"));
}

TEST_F(StaticSite, AMatchingIfNoneMatchIs304WithoutABody) {
  const auto etag = std::string(find_asset("index.html")->etag);
  for (const std::string& inm : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    const auto r = get(router_, "/", with("If-None-Match", inm));
    EXPECT_EQ(r.status, 304) << inm;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(header(r, "ETag"), etag);
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  }
  const auto stale = get(router_, "/", with("If-None-Match", "\"0123456789abcdef01234567\""));
  EXPECT_EQ(stale.status, 200);
  EXPECT_FALSE(stale.body.empty());
}

TEST_F(StaticSite, TheCspAllowsOnlyThisOriginAndItsWebSocket) {
  const auto r = get(router_, "/", with("Host", "shop.example:8080"));
  const auto csp = header(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("style-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self' ws://shop.example:8080 wss://shop.example:8080;"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  // A Host that would add a directive of its own is left out.
  const auto hostile = content_security_policy("evil.example; script-src *");
  EXPECT_EQ(hostile.find("evil"), std::string::npos) << hostile;
  EXPECT_NE(hostile.find("connect-src 'self';"), std::string::npos) << hostile;
}

TEST_F(StaticSite, ThePagesHoldNoInlineScriptOrStyle) {
  // The CSP would block them: every script and style comes from /assets.
  const std::regex inline_script(R"(<script(?![^>]*\bsrc=)[^>]*>)", std::regex::icase);
  const std::regex inline_style(R"(<style\b|\sstyle\s*=|\son[a-z]+\s*=)", std::regex::icase);
  int pages = 0;
  for (const auto& a : assets()) {
    if (a.content_type.rfind("text/html", 0) != 0) continue;
    ++pages;
    const std::string html(a.body);
    EXPECT_FALSE(std::regex_search(html, inline_script)) << a.name << " has an inline script";
    EXPECT_FALSE(std::regex_search(html, inline_style)) << a.name << " has an inline style or handler";
    EXPECT_NE(html.find("<html lang="), std::string::npos) << a.name << " names no language";
    EXPECT_NE(html.find("name=\"viewport\""), std::string::npos) << a.name << " has no viewport for phones";
  }
  EXPECT_EQ(pages, 2);
}

TEST_F(StaticSite, EverythingTogetherWeighsUnder200KiB) {
  std::size_t total = 0;
  for (const auto& a : assets()) total += a.body.size();
  EXPECT_LT(total, 200u * 1024u) << "the pages must stay small (issue 14)";
}

TEST(StaticSiteLimits, SharesThePerIpBudget) {
  http::rate_limit_options o;
  o.rate_per_second = 0.001;
  o.burst = 2;
  http::rate_limiter limiter(o);
  manual_clock clk(1'000'000);
  http::router r;
  ASSERT_TRUE(register_routes(r, {&limiter, &clk}));
  EXPECT_EQ(get(r, "/").status, 200);
  EXPECT_EQ(get(r, "/assets/app.css").status, 200);
  const auto refused = get(r, "/admin");
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(header(refused, "Retry-After").empty());
}

TEST(StaticSiteOverTheWire, AServerSendsTheFilesWithItsSecurityHeaders) {
  http::router r;
  ASSERT_TRUE(register_routes(r, {}));
  http::server_options o;
  o.address = "127.0.0.1";
  o.port = 0;
  o.io_threads = 1;
  http::server srv;
  auto started = srv.start(o, r, {});
  ASSERT_TRUE(started.has_value()) << started.error();
  testing::http_client client(srv.port());
  const auto page = client.request("GET", "/admin");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, find_asset("admin.html")->body);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page.header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(page.header("Cache-Control"), "no-cache");
  EXPECT_NE(page.header("Content-Security-Policy").find("ws://127.0.0.1:" + std::to_string(srv.port())), std::string::npos);
  const auto again = client.request("GET", "/admin", {}, {{"If-None-Match", page.header("ETag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  client.write_request("HEAD", "/assets/app.css");
  const auto head = client.read_response(true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(find_asset("assets/app.css")->body.size()));
  srv.stop();
}

}  // namespace
}  // namespace agora::web
