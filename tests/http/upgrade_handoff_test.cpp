// Which requests leave the HTTP session for an upgrade route, and what a
// throwing upgrade handler does (nothing escapes). No connection needed.

#include "http/src/upgrade_handoff.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <stdexcept>

namespace agora::http {
namespace {

request upgrade_request(std::string_view path, std::string_view connection = "keep-alive, Upgrade") {
  request req;
  req.method = method::get;
  parse_target(path, req);
  req.headers.set("Connection", std::string(connection));
  req.headers.set("Upgrade", "websocket");
  return req;
}

std::vector<std::shared_ptr<const upgrade_route>> routes() {
  auto ws = std::make_shared<upgrade_route>();
  ws->path = "/ws";
  ws->on_upgrade = [](request, upgraded_connection) {};
  return {nullptr, ws};
}

TEST(UpgradeHandoff, AnUpgradeNeedsTheConnectionTokenAndTheUpgradeHeader) {
  EXPECT_TRUE(wants_upgrade(upgrade_request("/ws")));
  EXPECT_TRUE(wants_upgrade(upgrade_request("/ws", "UPGRADE")));
  EXPECT_FALSE(wants_upgrade(upgrade_request("/ws", "keep-alive")));
  request no_upgrade_header = upgrade_request("/ws");
  no_upgrade_header.headers = header_map{};
  no_upgrade_header.headers.set("Connection", "upgrade");
  EXPECT_FALSE(wants_upgrade(no_upgrade_header));
}

TEST(UpgradeHandoff, AWebSocketHandshakeIsJudgedAsBeastJudgesIt) {
  EXPECT_TRUE(is_websocket_upgrade(upgrade_request("/ws"), 11));
  // HTTP/1.0 cannot upgrade; nor can anything but a GET.
  EXPECT_FALSE(is_websocket_upgrade(upgrade_request("/ws"), 10));
  request post = upgrade_request("/ws");
  post.method = method::post;
  EXPECT_FALSE(is_websocket_upgrade(post, 11));
  // Another protocol, or no upgrade token in Connection.
  request h2c = upgrade_request("/ws");
  h2c.headers.set("Upgrade", "h2c");
  EXPECT_FALSE(is_websocket_upgrade(h2c, 11));
  EXPECT_FALSE(is_websocket_upgrade(upgrade_request("/ws", "keep-alive"), 11));
  request listed = upgrade_request("/ws");
  listed.headers.set("Upgrade", "foo/2, WebSocket");
  EXPECT_TRUE(is_websocket_upgrade(listed, 11));
}

TEST(UpgradeHandoff, OnlyAGetAtExactlyTheRoutesPathIsTakenOver) {
  const auto rs = routes();
  EXPECT_EQ(find_upgrade_route(rs, upgrade_request("/ws")), rs[1].get());
  EXPECT_EQ(find_upgrade_route(rs, upgrade_request("/ws/other")), nullptr);
  request post = upgrade_request("/ws");
  post.method = method::post;
  EXPECT_EQ(find_upgrade_route(rs, post), nullptr);
  EXPECT_EQ(find_upgrade_route(rs, upgrade_request("/ws", "close")), nullptr);
}

TEST(UpgradeHandoff, AThrowingHandlerDoesNotEscape) {
  boost::asio::io_context ioc;
  upgrade_route thrower;
  thrower.path = "/ws";
  bool called = false;
  thrower.on_upgrade = [&](request, upgraded_connection) {
    called = true;
    throw std::runtime_error("handshake failed");
  };
  hand_off(thrower, upgrade_request("/ws"), upgraded_connection{boost::asio::ip::tcp::socket(ioc), nullptr},
           "192.0.2.1:1234", /*access_log=*/false);
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace agora::http
