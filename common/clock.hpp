#pragma once
// Time as the rest of Agora sees it: microseconds since the Unix epoch, read
// through an interface so tests can drive time by hand.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace agora {

/// Microseconds since 1970-01-01T00:00:00Z (UTC). Signed, like std::chrono.
using timestamp_us = std::int64_t;

/// A source of wall-clock time. Implementations are thread-safe.
class clock {
 public:
  virtual ~clock() = default;
  /// Returns the current time. Never blocks.
  virtual timestamp_us now() const noexcept = 0;
};

/// The real wall clock (std::chrono::system_clock).
class system_clock final : public clock {
 public:
  timestamp_us now() const noexcept override;
  /// A process-wide instance, for code that is not handed a clock.
  static const system_clock& instance() noexcept;
};

/// A clock that only moves when told to. Thread-safe.
class manual_clock final : public clock {
 public:
  explicit manual_clock(timestamp_us start = 0) noexcept : now_(start) {}
  timestamp_us now() const noexcept override { return now_.load(std::memory_order_acquire); }
  /// Sets the time. Moving backwards is allowed (tests of clock skew).
  void set(timestamp_us t) noexcept { now_.store(t, std::memory_order_release); }
  /// Moves the time forward by `delta` microseconds.
  void advance(timestamp_us delta) noexcept { now_.fetch_add(delta, std::memory_order_acq_rel); }

 private:
  std::atomic<timestamp_us> now_;
};

/// Formats `t` as RFC 3339 UTC with microseconds, e.g. "2026-11-22T03:02:49.123456Z".
std::string format_rfc3339(timestamp_us t);

/// Room for any format_rfc3339_to() output.
inline constexpr std::size_t rfc3339_max_chars = 48;
/// format_rfc3339() into `out` (at least rfc3339_max_chars bytes), without
/// allocating: for hot paths (every event the outbox relay publishes). Returns
/// the number of characters written.
std::size_t format_rfc3339_to(timestamp_us t, char* out) noexcept;

}  // namespace agora
