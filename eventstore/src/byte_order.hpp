#pragma once
// Fixed-width integer encoding. Keys are big-endian so RocksDB's bytewise order
// is numeric order; envelope fields are little-endian (cheap on every host we run).

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace agora::eventstore::detail {

inline void put_be64(char* out, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}
inline std::uint64_t get_be64(const char* in) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

template <class T>
inline void put_le(char* out, T v) noexcept {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out[i] = static_cast<char>(static_cast<std::uint64_t>(v) >> (8 * i) & 0xff);
  }
}
template <class T>
inline T get_le(const char* in) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  }
  return static_cast<T>(v);
}

/// Key of the log family: the position, big-endian.
struct position_key {
  char bytes[8];
  explicit position_key(std::uint64_t pos) noexcept { put_be64(bytes, pos); }
  std::string_view view() const noexcept { return {bytes, sizeof bytes}; }
};

/// Key of the streams family: stream id, NUL, big-endian version. The NUL (not
/// allowed in stream ids) ends the id, so "s1" never prefixes "s10"'s keys.
inline std::string stream_version_key(std::string_view stream, std::uint64_t version) {
  std::string key;
  key.reserve(stream.size() + 9);
  key.append(stream);
  key.push_back('\0');
  char be[8];
  put_be64(be, version);
  key.append(be, 8);
  return key;
}

}  // namespace agora::eventstore::detail
