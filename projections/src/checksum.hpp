#pragma once
// Internal to agora_projections: the hash behind the snapshots' checksum().
// FNV-1a 64 over a canonical form: each string is length-prefixed and each
// number written as 8 little-endian bytes, so that no two different entry
// sequences hash the same form ("ab","c" vs "a","bc"). It is a fingerprint for
// comparing models built from the same log, not a defence against forgery.

#include <cstdint>
#include <string_view>

namespace agora::projections::detail {

/// Accumulates a model's entries, fed in key order.
class content_hash {
 public:
  content_hash& add(std::string_view s) noexcept {
    add(static_cast<std::uint64_t>(s.size()));
    for (const char c : s) byte(static_cast<unsigned char>(c));
    return *this;
  }
  content_hash& add(std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) byte(static_cast<unsigned char>(v >> (8 * i)));
    return *this;
  }
  content_hash& add(std::int64_t v) noexcept { return add(static_cast<std::uint64_t>(v)); }
  content_hash& add(bool v) noexcept { return add(static_cast<std::uint64_t>(v ? 1 : 0)); }
  std::uint64_t value() const noexcept { return h_; }

 private:
  void byte(unsigned char b) noexcept {
    h_ ^= b;
    h_ *= 0x100000001b3ULL;
  }
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace agora::projections::detail
