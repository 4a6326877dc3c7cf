#pragma once
// A log-linear latency histogram (32 sub-buckets per power of two: <= 3% error)
// written by one thread and read by another once the writer has moved on.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace agora::bench {

/// Counts of latencies in microseconds. One writer thread (`record`); readers
/// (`merge_into`) see every count recorded before they look, never a torn one.
class latency_histogram {
public:
  static constexpr std::size_t bucket_count = 64 + 32 * 40;

  /// Adds one latency (microseconds); single writer only.
  void record(std::uint64_t micros) noexcept {
    auto& b = buckets_[index_of(micros)];
    // One writer: a relaxed load and store is enough and avoids a locked add.
    b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  /// Adds this histogram's counts to `out` (a plain array, owned by the reader).
  void merge_into(std::array<std::uint64_t, bucket_count>& out) const noexcept {
    for (std::size_t i = 0; i < bucket_count; ++i) out[i] += buckets_[i].load(std::memory_order_relaxed);
  }

  /// Bucket of a value: exact below 64, then 32 buckets per power of two.
  static std::size_t index_of(std::uint64_t v) noexcept {
    if (v < 64) return static_cast<std::size_t>(v);
    const int msb = 63 - __builtin_clzll(v);
    const int e = msb - 5;
    const std::size_t idx = static_cast<std::size_t>(e) * 32 + static_cast<std::size_t>(v >> e);
    return idx < bucket_count ? idx : bucket_count - 1;
  }

  /// The upper bound of bucket `idx` (so percentiles never understate).
  static std::uint64_t upper_bound_of(std::size_t idx) noexcept {
    if (idx < 64) return idx;
    const std::size_t e = idx / 32 - 1;
    const std::uint64_t m = idx - e * 32;
    return ((m + 1) << e) - 1;
  }

  /// The value at quantile q (0..1) of merged counts; 0 when empty.
  static std::uint64_t quantile(const std::array<std::uint64_t, bucket_count>& counts, double q) noexcept {
    std::uint64_t total = 0;
    for (auto c : counts) total += c;
    if (total == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total));
    if (rank >= total) rank = total - 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts[i];
      if (seen > rank) return upper_bound_of(i);
    }
    return upper_bound_of(bucket_count - 1);
  }

private:
  std::array<std::atomic<std::uint64_t>, bucket_count> buckets_{};
};

}  // namespace agora::bench
