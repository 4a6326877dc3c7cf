// CORS: which origins are answered with CORS headers, and the preflight answer.

#include "http/src/cors.hpp"

#include <gtest/gtest.h>

namespace agora::http {
namespace {

TEST(Cors, NoOriginsMeansNoCors) {
  cors_policy none;
  EXPECT_FALSE(none.allows("https://shop.example"));
  EXPECT_EQ(none.allow_origin("https://shop.example"), "");
}

TEST(Cors, ListedOriginsAreEchoed) {
  cors_policy p({"https://shop.example", "https://admin.example"});
  EXPECT_TRUE(p.allows("https://admin.example"));
  EXPECT_FALSE(p.allows("https://evil.example"));
  EXPECT_EQ(p.allow_origin("https://shop.example"), "https://shop.example");
  EXPECT_EQ(p.allow_origin("https://evil.example"), "");
  EXPECT_EQ(p.allow_origin(""), "") << "a request without Origin gets no CORS headers";
}

TEST(Cors, StarAllowsAnyOriginAndAnswersStar) {
  cors_policy p({"https://shop.example", "*"});
  EXPECT_TRUE(p.allows("https://anyone.example"));
  EXPECT_EQ(p.allow_origin("https://anyone.example"), "*");
  EXPECT_EQ(p.allow_origin(""), "");
}

TEST(Cors, PreflightAllowsThePathsMethodsAndTheRequestedHeaders) {
  response r = preflight_response("DELETE", "GET, HEAD, DELETE", std::string_view("X-Custom"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers.get("Access-Control-Allow-Methods"), "GET, HEAD, DELETE");
  EXPECT_EQ(r.headers.get("Access-Control-Allow-Headers"), "X-Custom");
  EXPECT_EQ(r.headers.get("Access-Control-Max-Age"), "600");

  response d = preflight_response("PATCH", "", std::nullopt);
  EXPECT_EQ(d.headers.get("Access-Control-Allow-Methods"), "PATCH");
  EXPECT_EQ(d.headers.get("Access-Control-Allow-Headers"), "Content-Type, Authorization, If-None-Match");
}

}  // namespace
}  // namespace agora::http
