// server_options: reading the http.* keys and the checks start() runs.

#include "http/src/server_options.hpp"

#include <gtest/gtest.h>

#include "common/config.hpp"

namespace agora::http {
namespace {

TEST(ServerOptions, ReadsListsAndClampsThreadsAndPipelining) {
  config cfg;
  cfg.set("http.cors_origins", " https://a.example ,, https://b.example");
  cfg.set("http.trusted_proxies", "10.0.0.0/8, 192.0.2.7");
  cfg.set("http.io_threads", "0");
  cfg.set("http.max_pipelined", "0");
  cfg.set("http.max_connections_per_ip", "-5");
  const auto o = server_options::from_config(cfg);
  EXPECT_EQ(o.cors_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(o.trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.7"}));
  EXPECT_EQ(o.io_threads, 1);
  EXPECT_EQ(o.max_pipelined, 1u);
  EXPECT_EQ(o.max_connections_per_ip, 0u);
  EXPECT_TRUE(o.validate());
  auto proxies = parse_trusted_proxies(o);
  ASSERT_TRUE(proxies);
  EXPECT_TRUE(proxies->contains(std::string_view("10.1.2.3")));
  EXPECT_FALSE(proxies->contains(std::string_view("192.0.2.8")));
}

TEST(ServerOptions, ValidateNamesTheKey) {
  server_options o;
  o.trusted_proxies = {"10.0.0.0/8", "not-an-address"};
  auto bad = o.validate();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("http.trusted_proxies"), std::string::npos) << bad.error();

  o = server_options{};
  o.header_timeout = std::chrono::milliseconds(0);
  ASSERT_FALSE(o.validate());
  EXPECT_NE(o.validate().error().find("http.header_timeout"), std::string::npos);

  o = server_options{};
  o.max_connections = 0;
  ASSERT_FALSE(o.validate());
  EXPECT_NE(o.validate().error().find("http.max_connections"), std::string::npos);
}

}  // namespace
}  // namespace agora::http
