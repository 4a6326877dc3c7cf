#include "http/src/client_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include "http/request.hpp"

namespace agora::http {

namespace {

bool prefix_match(const ip_address& a, const ip_address& base, int prefix) noexcept {
  const int whole = prefix / 8;
  if (std::memcmp(a.bytes.data(), base.bytes.data(), static_cast<std::size_t>(whole)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - rest));
  return (a.bytes[static_cast<std::size_t>(whole)] & mask) == (base.bytes[static_cast<std::size_t>(whole)] & mask);
}

// An X-Forwarded-For entry: an address, optionally with a port
// ("192.0.2.1:80", "[2001:db8::1]:80", "[2001:db8::1]").
std::optional<ip_address> parse_entry(std::string_view e) {
  if (!e.empty() && e.front() == '[') {
    const std::size_t close = e.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = e.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() == 1) return std::nullopt;
      for (char ch : rest.substr(1)) {
        if (ch < '0' || ch > '9') return std::nullopt;
      }
    }
    return ip_address::parse(e.substr(1, close - 1));
  }
  if (auto a = ip_address::parse(e)) return a;
  // IPv4 with a port: exactly one ':' (a bare IPv6 address has several).
  const std::size_t colon = e.find(':');
  if (colon == std::string_view::npos || e.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
  const std::string_view port = e.substr(colon + 1);
  if (port.empty()) return std::nullopt;
  for (char ch : port) {
    if (ch < '0' || ch > '9') return std::nullopt;
  }
  auto a = ip_address::parse(e.substr(0, colon));
  if (a && !a->v4) return std::nullopt;
  return a;
}

}  // namespace

std::optional<ip_address> ip_address::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; the longest IPv6 text is 45.
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  ip_address a;
  in_addr v4{};
  if (::inet_pton(AF_INET, buf, &v4) == 1) {
    a.v4 = true;
    a.bytes[10] = 0xFF;
    a.bytes[11] = 0xFF;
    std::memcpy(a.bytes.data() + 12, &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
  std::memcpy(a.bytes.data(), &v6, 16);
  static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  a.v4 = std::memcmp(a.bytes.data(), mapped, 12) == 0;
  return a;
}

std::string ip_address::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  const char* r = v4 ? ::inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf)
                     : ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return r ? std::string(r) : std::string();
}

expected<address_set, std::string> address_set::parse(std::string_view list) {
  address_set out;
  std::string bad;
  for_each_list_item(list, [&](std::string_view item) {
    if (!bad.empty()) return;
    const std::size_t slash = item.find('/');
    const std::string_view addr = trim_ows(item.substr(0, slash));
    auto a = ip_address::parse(addr);
    // The prefix counts bits of the address as written: "::ffff:10.0.0.0/104"
    // is an IPv6 network (that happens to hold IPv4-mapped addresses).
    const bool written_v4 = addr.find(':') == std::string_view::npos;
    if (!a) {
      bad = std::string(item);
      return;
    }
    int prefix = 128;
    if (slash != std::string_view::npos) {
      const std::string_view p = trim_ows(item.substr(slash + 1));
      int bits = -1;
      const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), bits);
      if (p.empty() || ec != std::errc() || end != p.data() + p.size() || bits < 0 || bits > (written_v4 ? 32 : 128)) {
        bad = std::string(item);
        return;
      }
      prefix = written_v4 ? 96 + bits : bits;
    }
    // Clear the host bits, so that "10.1.2.3/8" means 10.0.0.0/8.
    for (int i = prefix; i < 128; ++i) {
      a->bytes[static_cast<std::size_t>(i / 8)] &= static_cast<std::uint8_t>(~(0x80u >> (i % 8)));
    }
    out.nets_.push_back({*a, prefix});
  });
  if (!bad.empty()) {
    return unexpected("'" + bad + "' is not an IP address or a CIDR network (a.b.c.d, a.b.c.d/n, x:y::z, x:y::/n)");
  }
  return out;
}

bool address_set::contains(const ip_address& a) const noexcept {
  for (const auto& n : nets_) {
    if (prefix_match(a, n.base, n.prefix)) return true;
  }
  return false;
}

bool address_set::contains(std::string_view ip) const {
  if (nets_.empty()) return false;
  auto a = ip_address::parse(ip);
  return a && contains(*a);
}

std::string client_ip(std::string_view peer_ip, const std::vector<std::string_view>& forwarded_for,
                      const address_set& trusted) {
  auto peer = ip_address::parse(peer_ip);
  if (!peer) return std::string(peer_ip);
  if (!trusted.contains(*peer)) return peer->to_string();
  // Every entry, left to right, over all fields.
  std::vector<std::string_view> entries;
  for (auto v : forwarded_for) for_each_list_item(v, [&](std::string_view item) { entries.push_back(item); });
  if (entries.empty()) return peer->to_string();
  for (std::size_t i = entries.size(); i-- > 0;) {
    auto a = parse_entry(entries[i]);
    // A malformed entry where we look (what a trusted proxy appended):
    // nothing in the header can be relied on.
    if (!a) return peer->to_string();
    if (!trusted.contains(*a) || i == 0) return a->to_string();
  }
  return peer->to_string();
}

}  // namespace agora::http
