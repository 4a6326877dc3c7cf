#pragma once
// The tag every broadcast carries, whatever the server wraps around it:
// "@q<seq>:<step>:<sent_ns>@" (digits only, so no JSON escaping touches it).
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace agora::bench {

/// A broadcast's identity and the steady-clock time (ns) its POST was written.
struct payload_tag {
  std::uint64_t seq = 0;
  std::size_t step = 0;
  std::uint64_t sent_ns = 0;
};

/// The tag's text, to put in a title or a body.
inline std::string format_payload_tag(const payload_tag& t) {
  return "@q" + std::to_string(t.seq) + ":" + std::to_string(t.step) + ":" + std::to_string(t.sent_ns) + "@";
}

/// Finds and reads the tag in a received message; nullopt when there is none.
inline std::optional<payload_tag> find_payload_tag(std::string_view m) noexcept {
  const void* at = ::memmem(m.data(), m.size(), "@q", 2);
  if (at == nullptr) return std::nullopt;
  auto pos = static_cast<std::size_t>(static_cast<const char*>(at) - m.data()) + 2;
  std::uint64_t fields[3] = {0, 0, 0};
  for (int f = 0; f < 3; ++f) {
    const std::size_t start = pos;
    while (pos < m.size() && m[pos] >= '0' && m[pos] <= '9') fields[f] = fields[f] * 10 + static_cast<std::uint64_t>(m[pos++] - '0');
    const char want = f < 2 ? ':' : '@';
    if (pos == start || pos >= m.size() || m[pos] != want) return std::nullopt;
    ++pos;
  }
  return payload_tag{fields[0], static_cast<std::size_t>(fields[1]), fields[2]};
}

}  // namespace agora::bench
