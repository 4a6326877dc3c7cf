// server_options: reading the http.* keys and the checks start() runs.

#include "http/src/server_options.hpp"

#include <gtest/gtest.h>

#include <utility>

#include "common/config.hpp"
#include "tests/support/option_checks.hpp"

namespace agora::http {
namespace {

TEST(ServerOptions, ReadsLists) {
  config cfg;
  cfg.set("http.cors_origins", " https://a.example ,, https://b.example");
  cfg.set("http.trusted_proxies", "10.0.0.0/8, 192.0.2.7");
  const auto o = server_options::from_config(cfg);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->cors_origins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(o->trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.7"}));
  EXPECT_TRUE(o->validate());
  auto proxies = parse_trusted_proxies(*o);
  ASSERT_TRUE(proxies);
  EXPECT_TRUE(proxies->contains(std::string_view("10.1.2.3")));
  EXPECT_FALSE(proxies->contains(std::string_view("192.0.2.8")));
}

// Values that used to be clamped (io_threads and max_pipelined to 1, a
// negative per-IP cap to 0) are refused, naming the key.
TEST(ServerOptions, FromConfigRefusesOutOfRangeValuesNamingTheKey) {
  testing::expect_each_refused_naming_the_key(
      {{"http.io_threads", "0"}, {"http.max_pipelined", "0"}, {"http.max_connections_per_ip", "-5"}, {"http.max_connections", "0"}, {"http.port", "70000"}, {"http.header_timeout", "0"}, {"http.trusted_proxies", "10.0.0.0/99"}},
      [](config& cfg) { return server_options::from_config(cfg); });
}

TEST(ServerOptions, ValidateNamesTheKey) {
  server_options o;
  o.trusted_proxies = {"10.0.0.0/8", "not-an-address"};
  auto bad = o.validate();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().key, "http.trusted_proxies");
  EXPECT_NE(bad.error().message.find("http.trusted_proxies"), std::string::npos) << bad.error().message;

  o = server_options{};
  o.header_timeout = std::chrono::milliseconds(0);
  ASSERT_FALSE(o.validate());
  EXPECT_NE(o.validate().error().message.find("http.header_timeout"), std::string::npos);

  o = server_options{};
  o.max_connections = 0;
  ASSERT_FALSE(o.validate());
  EXPECT_NE(o.validate().error().message.find("http.max_connections"), std::string::npos);

  o = server_options{};
  o.io_threads = 0;
  ASSERT_FALSE(o.validate());
  EXPECT_EQ(o.validate().error().key, "http.io_threads");
}

}  // namespace
}  // namespace agora::http
