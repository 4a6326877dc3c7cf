// The response writer: what goes on the wire for a response, without a socket.

#include "http/src/response_writer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace agora::http {
namespace {

response_framing framing_for(std::string_view request_id = "rid-1") {
  response_framing f;
  f.request_id = request_id;
  return f;
}

// True when the header block holds exactly `line` as one of its lines.
bool has_line(const std::string& wire, const std::string& line) {
  const auto head_end = wire.find("\r\n\r\n");
  return wire.substr(0, head_end + 2).find("\r\n" + line + "\r\n") != std::string::npos;
}

TEST(ResponseWriter, WritesStatusLineSecurityHeadersLengthAndBody) {
  response r = response::json(201, R"({"id":"o-1"})");
  r.headers.set("Location", "/api/orders/o-1");
  const std::string wire = serialize_response(r, framing_for());
  EXPECT_EQ(wire.rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << wire;
  EXPECT_TRUE(has_line(wire, "Location: /api/orders/o-1")) << wire;
  EXPECT_TRUE(has_line(wire, "Content-Type: application/json")) << wire;
  EXPECT_TRUE(has_line(wire, "X-Content-Type-Options: nosniff")) << wire;
  EXPECT_TRUE(has_line(wire, "X-Frame-Options: DENY")) << wire;
  EXPECT_TRUE(has_line(wire, "Referrer-Policy: no-referrer")) << wire;
  EXPECT_TRUE(has_line(wire, "Cache-Control: no-store")) << wire;
  EXPECT_TRUE(has_line(wire, "X-Request-Id: rid-1")) << wire;
  EXPECT_TRUE(has_line(wire, "Content-Length: 12")) << wire;
  EXPECT_FALSE(has_line(wire, "Connection: close")) << "HTTP/1.1 keeps the connection by default";
  EXPECT_EQ(wire.substr(wire.size() - 12), R"({"id":"o-1"})");
}

TEST(ResponseWriter, TheHandlersCacheControlWinsButServerOwnedHeadersAreItsOwn) {
  response r = response::text(200, "hi");
  r.headers.set("Cache-Control", "max-age=60");
  r.headers.set("Content-Length", "999");
  r.headers.set("X-Request-Id", "forged");
  r.headers.set("Connection", "keep-alive");
  const std::string wire = serialize_response(r, framing_for());
  EXPECT_TRUE(has_line(wire, "Cache-Control: max-age=60")) << wire;
  EXPECT_FALSE(has_line(wire, "Cache-Control: no-store")) << wire;
  EXPECT_FALSE(has_line(wire, "Content-Length: 999")) << wire;
  EXPECT_TRUE(has_line(wire, "Content-Length: 2")) << wire;
  EXPECT_FALSE(has_line(wire, "X-Request-Id: forged")) << wire;
  EXPECT_FALSE(has_line(wire, "Connection: keep-alive")) << wire;
}

TEST(ResponseWriter, ALineBreakInAValueCannotStartAHeader) {
  response r = response::empty(204);
  r.headers.set("X-Echo", "a\r\nSet-Cookie: evil=1");
  const std::string wire = serialize_response(r, framing_for());
  EXPECT_TRUE(has_line(wire, "X-Echo: a  Set-Cookie: evil=1")) << wire;
  EXPECT_FALSE(has_line(wire, "Set-Cookie: evil=1")) << wire;
}

TEST(ResponseWriter, KeepAliveFollowsTheVersion) {
  response r = response::text(200, "x");
  response_framing f = framing_for();
  f.keep_alive = false;
  EXPECT_TRUE(has_line(serialize_response(r, f), "Connection: close"));
  f.version = 10;
  std::string wire = serialize_response(r, f);
  EXPECT_EQ(wire.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << wire;
  EXPECT_FALSE(has_line(wire, "Connection: close")) << "HTTP/1.0 closes unless told otherwise";
  EXPECT_FALSE(has_line(wire, "Connection: keep-alive")) << wire;
  f.keep_alive = true;
  EXPECT_TRUE(has_line(serialize_response(r, f), "Connection: keep-alive"));
}

TEST(ResponseWriter, HeadGetsTheLengthWithoutTheBodyAndBodilessStatusesNeither) {
  response r = response::text(200, "hello");
  response_framing f = framing_for();
  f.head = true;
  std::string wire = serialize_response(r, f);
  EXPECT_TRUE(has_line(wire, "Content-Length: 5")) << wire;
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n") << wire;

  response not_modified = response::empty(304);
  not_modified.body = "ignored";
  wire = serialize_response(not_modified, framing_for());
  EXPECT_EQ(wire.rfind("HTTP/1.1 304 Not Modified\r\n", 0), 0u) << wire;
  EXPECT_EQ(wire.find("Content-Length"), std::string::npos) << wire;
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n") << wire;
  EXPECT_FALSE(status_has_body(204));
  EXPECT_FALSE(status_has_body(101));
  EXPECT_TRUE(status_has_body(404));
}

TEST(ResponseWriter, CorsHeadersAsTheOriginIsAllowed) {
  response r = response::text(200, "x");
  response_framing f = framing_for();
  EXPECT_EQ(serialize_response(r, f).find("Access-Control"), std::string::npos);
  f.allow_origin = "*";
  std::string wire = serialize_response(r, f);
  EXPECT_TRUE(has_line(wire, "Access-Control-Allow-Origin: *")) << wire;
  EXPECT_FALSE(has_line(wire, "Vary: Origin")) << wire;
  EXPECT_NE(wire.find("Access-Control-Expose-Headers: ETag,"), std::string::npos) << wire;
  f.allow_origin = "https://shop.example";
  wire = serialize_response(r, f);
  EXPECT_TRUE(has_line(wire, "Access-Control-Allow-Origin: https://shop.example")) << wire;
  EXPECT_TRUE(has_line(wire, "Vary: Origin")) << wire;
}

TEST(ResponseWriter, ReasonPhrasesAreTheOnesBeastWrote) {
  EXPECT_EQ(serialize_response(response::empty(413), framing_for()).rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u);
  EXPECT_EQ(serialize_response(response::empty(422), framing_for()).rfind("HTTP/1.1 422 Unprocessable Entity\r\n", 0),
            0u);
  EXPECT_EQ(serialize_response(response::empty(299), framing_for()).rfind("HTTP/1.1 299 <unknown-status>\r\n", 0), 0u);
}

}  // namespace
}  // namespace agora::http
