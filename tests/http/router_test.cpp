#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "common/json_writer.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"

namespace agora::http {
namespace {

handler noop() {
  return [](request&, responder r) { r(response::empty(204)); };
}

// Dispatches synchronously and returns what the handler (or router) answered.
std::optional<response> run(const router& rt, method m, std::string target, request* out = nullptr) {
  request req;
  req.method = m;
  parse_target(target, req);
  req.request_id = "rid";
  std::optional<response> got;
  rt.dispatch(req, responder([&](std::optional<response> r) { got = std::move(r); }));
  if (out) *out = req;
  return got;
}

TEST(Router, RejectsMalformedAndDuplicatePatterns) {
  router rt;
  EXPECT_TRUE(rt.add(method::get, "/a/{id}", "a", noop()));
  EXPECT_FALSE(rt.add(method::get, "/a/{other}", "dup", noop()));  // same shape
  EXPECT_TRUE(rt.add(method::post, "/a/{id}", "a.post", noop()));
  EXPECT_FALSE(rt.add(method::get, "no-slash", "x", noop()));
  EXPECT_FALSE(rt.add(method::get, "/b/{}", "x", noop()));
  EXPECT_FALSE(rt.add(method::get, "/b/{id", "x", noop()));
  EXPECT_FALSE(rt.add(method::get, "/b/x{id}", "x", noop()));
  EXPECT_EQ(rt.size(), 2u);
}

TEST(Router, MatchesParametersAndPrefersLiterals) {
  router rt;
  ASSERT_TRUE(rt.add(method::get, "/api/products/{id}", "products.get", noop()));
  ASSERT_TRUE(rt.add(method::get, "/api/products/search", "products.search", noop()));
  ASSERT_TRUE(rt.add(method::get, "/api/carts/{id}/items/{sku}", "carts.item", noop()));
  request req;
  auto r = run(rt, method::get, "/api/products/search", &req);
  EXPECT_EQ(req.route_name, "products.search");
  r = run(rt, method::get, "/api/products/p%2F1", &req);
  EXPECT_EQ(req.route_name, "products.get");
  EXPECT_EQ(req.path_param("id"), "p/1");  // decoded after splitting: %2F is not a separator
  r = run(rt, method::get, "/api/carts/c1/items/s2?x=1", &req);
  EXPECT_EQ(req.path_param("id"), "c1");
  EXPECT_EQ(req.path_param("sku"), "s2");
  EXPECT_EQ(req.param("x"), "1");
  // Empty segments do not match parameters.
  EXPECT_EQ(run(rt, method::get, "/api/products/")->status, 404);
  EXPECT_EQ(run(rt, method::get, "/api/carts/c1/items")->status, 404);
}

TEST(Router, NotFoundMethodNotAllowedAndOptions) {
  router rt;
  ASSERT_TRUE(rt.add(method::get, "/x/{id}", "x.get", noop()));
  ASSERT_TRUE(rt.add(method::put, "/x/{id}", "x.put", noop()));
  auto nf = run(rt, method::get, "/y");
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(nf->content_type, "application/problem+json");
  auto na = run(rt, method::del, "/x/1");
  EXPECT_EQ(na->status, 405);
  EXPECT_EQ(na->headers.get("allow"), "GET, HEAD, PUT");
  auto opt = run(rt, method::options, "/x/1");
  EXPECT_EQ(opt->status, 204);
  EXPECT_EQ(opt->headers.get("Allow"), "GET, HEAD, PUT, OPTIONS");
  EXPECT_EQ(run(rt, method::head, "/x/1")->status, 204);  // HEAD uses the GET route
}

TEST(Router, DroppedResponderReportsNullopt) {
  router rt;
  ASSERT_TRUE(rt.add(method::get, "/drop", "drop", [](request&, responder) {}));
  bool called = false;
  bool got_value = true;
  request req;
  req.method = method::get;
  parse_target("/drop", req);
  rt.dispatch(req, responder([&](std::optional<response> r) {
    called = true;
    got_value = r.has_value();
  }));
  EXPECT_TRUE(called);
  EXPECT_FALSE(got_value);
}

TEST(Router, ThrowingHandlerAnswers500Once) {
  router rt;
  ASSERT_TRUE(rt.add(method::get, "/t", "t", [](request&, responder) -> void { throw std::runtime_error("x"); }));
  int calls = 0;
  std::optional<response> got;
  request req;
  req.method = method::get;
  parse_target("/t", req);
  rt.dispatch(req, responder([&](std::optional<response> r) {
    ++calls;
    got = std::move(r);
  }));
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 500);
}

TEST(Request, HelpersParseWhatClientsSend) {
  request req;
  parse_target("/p?a=1&b=x%20y&a=2&flag&c=%zz", req);
  EXPECT_EQ(req.path, "/p");
  EXPECT_EQ(req.param("a"), "1");
  EXPECT_EQ(req.params("a").size(), 2u);
  EXPECT_EQ(req.param("b"), "x y");
  EXPECT_EQ(req.param("flag"), "");
  EXPECT_EQ(req.param("c"), "%zz");  // malformed escapes stay raw
  EXPECT_FALSE(req.param("zzz"));
  req.headers.add("content-type", "Application/JSON; charset=utf-8");
  req.headers.add("Authorization", "Bearer abc.def.ghi");
  EXPECT_TRUE(req.has_json_body());
  EXPECT_EQ(req.bearer_token(), "abc.def.ghi");
  EXPECT_EQ(req.header("CONTENT-TYPE"), "Application/JSON; charset=utf-8");
  req.headers.set("Content-Type", "application/merge-patch+json");
  EXPECT_TRUE(req.has_json_body());
  req.headers.set("Content-Type", "text/plain");
  EXPECT_FALSE(req.has_json_body());
  EXPECT_TRUE(is_valid_request_id("a.B_c-9"));
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id("a b"));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
  EXPECT_FALSE(percent_decode("%4", false));
}

TEST(Problem, ValidationShape) {
  request req;
  parse_target("/api/carts/1", req);
  req.request_id = "r-1";
  response r = problem(req, 422, "validation", "Invalid input", "2 fields are invalid",
                       {{"quantity", "must be positive"}, {"sku", "required"}},
                       [](json_writer& w) { w.key("retry").value(false); });
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.body,
            R"({"type":"https://agora.dev/problems/validation","title":"Invalid input","status":422,)"
            R"("detail":"2 fields are invalid","instance":"/api/carts/1","request_id":"r-1",)"
            R"("errors":[{"field":"quantity","message":"must be positive"},{"field":"sku","message":"required"}],)"
            R"("retry":false})");
}

}  // namespace
}  // namespace agora::http
