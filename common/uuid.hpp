#pragma once
// 128-bit identifiers (RFC 9562). Event ids are version 7 (time-ordered, so ids
// made later sort later and index well); random ids are version 4.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"

namespace agora {

/// A UUID as 16 bytes in network (big-endian) order.
class uuid {
 public:
  using bytes_type = std::array<std::uint8_t, 16>;

  /// The nil UUID (all zero).
  constexpr uuid() noexcept : bytes_{} {}
  explicit constexpr uuid(const bytes_type& b) noexcept : bytes_(b) {}

  /// A random (version 4) UUID. Thread-safe; uses a per-thread generator seeded
  /// from std::random_device, never blocks.
  static uuid random_v4() noexcept;
  /// A time-ordered (version 7) UUID for time `now` (Unix ms in the top 48 bits,
  /// random below). Thread-safe.
  static uuid time_ordered_v7(timestamp_us now) noexcept;
  /// Parses the canonical 36-character form (8-4-4-4-12 hex digits, either case).
  /// Returns nullopt for anything else.
  static std::optional<uuid> parse(std::string_view text) noexcept;

  /// Characters in the canonical form.
  static constexpr std::size_t text_size = 36;
  /// The canonical lower-case 36-character form.
  std::string to_string() const;
  /// Writes the canonical form into `out` (exactly text_size chars, no NUL):
  /// to_string() without the allocation, for per-event hot paths.
  void format_to(char (&out)[text_size]) const noexcept;
  const bytes_type& bytes() const noexcept { return bytes_; }
  bool is_nil() const noexcept;
  /// The version nibble (4, 7, ...).
  int version() const noexcept { return bytes_[6] >> 4; }

  friend bool operator==(const uuid& a, const uuid& b) noexcept { return a.bytes_ == b.bytes_; }
  friend bool operator!=(const uuid& a, const uuid& b) noexcept { return !(a == b); }
  friend bool operator<(const uuid& a, const uuid& b) noexcept { return a.bytes_ < b.bytes_; }

 private:
  bytes_type bytes_;
};

}  // namespace agora
