// The client address behind trusted proxies (http.trusted_proxies).

#include "http/src/client_address.hpp"

#include <gtest/gtest.h>

namespace agora::http {
namespace {

address_set set_of(std::string_view list) {
  auto s = address_set::parse(list);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error());
  return s ? *s : address_set{};
}

TEST(IpAddress, ParsesAndCanonicalizes) {
  EXPECT_EQ(ip_address::parse("192.0.2.1")->to_string(), "192.0.2.1");
  EXPECT_EQ(ip_address::parse("2001:DB8:0:0::1")->to_string(), "2001:db8::1");
  // An IPv4-mapped address is the IPv4 client it maps.
  auto mapped = ip_address::parse("::ffff:192.0.2.1");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->v4);
  EXPECT_EQ(mapped->to_string(), "192.0.2.1");
  for (const char* bad : {"", "192.0.2", "192.0.2.1.5", "300.1.1.1", "192.0.2.1:80", "[::1]", "host.example",
                          "1.2.3.4 ", "unknown"}) {
    EXPECT_FALSE(ip_address::parse(bad)) << bad;
  }
}

TEST(AddressSet, MatchesAddressesAndNetworks) {
  auto s = set_of(" 10.0.0.0/8 ,192.0.2.7, fd00::/8,, 172.16.5.9/12");
  EXPECT_TRUE(s.contains("10.255.1.2"));
  EXPECT_FALSE(s.contains("11.0.0.1"));
  EXPECT_TRUE(s.contains("192.0.2.7"));
  EXPECT_FALSE(s.contains("192.0.2.8"));
  EXPECT_TRUE(s.contains("fd12::1"));
  EXPECT_FALSE(s.contains("fe80::1"));
  EXPECT_TRUE(s.contains("::ffff:10.1.1.1"));  // the IPv4 client, as a dual-stack listener spells it
  EXPECT_TRUE(s.contains("172.31.0.1"));       // host bits of a network are ignored
  EXPECT_FALSE(s.contains("172.32.0.1"));
  EXPECT_FALSE(s.contains("not an ip"));
  EXPECT_TRUE(set_of("").empty());
  EXPECT_TRUE(set_of("0.0.0.0/0").contains("203.0.113.1"));
  EXPECT_FALSE(set_of("0.0.0.0/0").contains("2001:db8::1"));
  EXPECT_TRUE(set_of("::/0").contains("2001:db8::1"));
  EXPECT_TRUE(set_of("::ffff:10.0.0.0/104").contains("10.9.9.9"));
}

TEST(AddressSet, RefusesWhatIsNotAnAddressNamingIt) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "::/129", "lb.example", "10.0.0.0/8, 1.2.3"}) {
    auto s = address_set::parse(bad);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_NE(s.error().find("is not an IP address"), std::string::npos) << s.error();
  }
  EXPECT_NE(address_set::parse("10.0.0.0/8, 1.2.3").error().find("'1.2.3'"), std::string::npos);
}

TEST(ClientIp, FromTrustedProxiesOnly) {
  const auto trusted = set_of("10.0.0.0/8, 192.0.2.7");
  // Not a trusted peer: the header is ignored.
  EXPECT_EQ(client_ip("203.0.113.5", {"198.51.100.1"}, trusted), "203.0.113.5");
  // A trusted peer: the right-most untrusted entry.
  EXPECT_EQ(client_ip("10.0.0.1", {"198.51.100.1"}, trusted), "198.51.100.1");
  EXPECT_EQ(client_ip("10.0.0.1", {"6.6.6.6, 198.51.100.1, 192.0.2.7"}, trusted), "198.51.100.1");
  EXPECT_EQ(client_ip("10.0.0.1", {"6.6.6.6", "198.51.100.1,10.9.9.9"}, trusted), "198.51.100.1");
  // Ports and brackets, as some proxies write them; canonical output.
  EXPECT_EQ(client_ip("10.0.0.1", {"198.51.100.1:5123"}, trusted), "198.51.100.1");
  EXPECT_EQ(client_ip("10.0.0.1", {"[2001:DB8::1]:443"}, trusted), "2001:db8::1");
  EXPECT_EQ(client_ip("10.0.0.1", {"2001:db8::1"}, trusted), "2001:db8::1");
  // Every entry trusted: the left-most is as far as we can see.
  EXPECT_EQ(client_ip("10.0.0.1", {"10.0.0.2, 192.0.2.7"}, trusted), "10.0.0.2");
  // No header, an empty one, or garbage where we look: the peer.
  EXPECT_EQ(client_ip("10.0.0.1", {}, trusted), "10.0.0.1");
  EXPECT_EQ(client_ip("10.0.0.1", {" , "}, trusted), "10.0.0.1");
  EXPECT_EQ(client_ip("10.0.0.1", {"198.51.100.1, garbage"}, trusted), "10.0.0.1");
  EXPECT_EQ(client_ip("10.0.0.1", {"unknown"}, trusted), "10.0.0.1");
  EXPECT_EQ(client_ip("10.0.0.1", {"1.2.3.4:80:90"}, trusted), "10.0.0.1");
  EXPECT_EQ(client_ip("10.0.0.1", {"[::1"}, trusted), "10.0.0.1");
  // Garbage left of what we take is the client's own and does not matter.
  EXPECT_EQ(client_ip("10.0.0.1", {"garbage, 198.51.100.1"}, trusted), "198.51.100.1");
  // Without trusted proxies nothing is taken from the header.
  EXPECT_EQ(client_ip("10.0.0.1", {"198.51.100.1"}, address_set{}), "10.0.0.1");
}

}  // namespace
}  // namespace agora::http
