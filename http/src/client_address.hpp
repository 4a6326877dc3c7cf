#pragma once
// Who the client is when a load balancer stands in front (http.trusted_proxies).
// Pure: no Asio, so it is unit tested on its own (tests/http/client_address_test.cpp).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace agora::http {

/// An IPv4 or IPv6 address as 16 bytes; IPv4 is held IPv4-mapped
/// (::ffff:a.b.c.d), so one prefix match covers both families.
struct ip_address {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;

  /// Parses a bare address: "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"
  /// (the latter is taken as the IPv4 address it maps). No port, no brackets.
  static std::optional<ip_address> parse(std::string_view text);
  /// The canonical text: dotted quad for IPv4 (mapped ones included), RFC 5952
  /// for IPv6.
  std::string to_string() const;
};

/// A set of addresses and networks ("10.0.0.0/8, 192.0.2.7, fd00::/8").
class address_set {
 public:
  /// Parses a comma-separated list of addresses and CIDR networks (spaces
  /// around items are ignored; an empty list is an empty set). The error
  /// names the first item that is not an address or a network.
  static expected<address_set, std::string> parse(std::string_view list);

  bool empty() const noexcept { return nets_.empty(); }
  bool contains(const ip_address& a) const noexcept;
  /// False for text that is not an address.
  bool contains(std::string_view ip) const;

 private:
  struct net {
    ip_address base;  // host bits cleared
    int prefix = 128;  // over the 16-byte form
  };
  std::vector<net> nets_;
};

/// The client's address for a request whose TCP peer is `peer_ip`:
/// - the peer is not in `trusted`: the peer (X-Forwarded-For is the client's
///   own claim and is ignored);
/// - the peer is a trusted proxy: the right-most X-Forwarded-For entry that is
///   not itself a trusted proxy (each proxy appends the address it saw, so
///   entries left of the first untrusted one may be forged and are never
///   looked at); when every entry is trusted, the left-most one.
/// `forwarded_for` holds the X-Forwarded-For field values in arrival order
/// (several fields form one list). An entry may carry a port ("192.0.2.1:5000",
/// "[2001:db8::1]:5000"). When the entry that would be chosen is not an
/// address, or there is no entry, the header is ignored and the peer returned.
/// The result is canonical (see ip_address::to_string), so one client has one
/// spelling (the rate limiter's key).
std::string client_ip(std::string_view peer_ip, const std::vector<std::string_view>& forwarded_for,
                      const address_set& trusted);

}  // namespace agora::http
