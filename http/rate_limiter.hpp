#pragma once
// Token-bucket rate limiting per key (a client IP, a user id).

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"
#include "http/response.hpp"

namespace agora {
class config;
}

namespace agora::http {

/// One limit: `rate` tokens per second refill a bucket holding at most `burst`.
struct rate_limit_options {
  double rate_per_second = 10.0;
  double burst = 20.0;
  /// Keys tracked at most; beyond, the least recently seen key is forgotten
  /// (it comes back with a full bucket: memory stays bounded under a flood of
  /// distinct keys, at the price of leniency toward the oldest ones).
  std::size_t max_keys = 100000;
  std::size_t shards = 16;

  /// Reads <prefix>.per_minute (the rate, in requests per minute),
  /// <prefix>.burst and <prefix>.max_keys, e.g. prefix "http.rate_limit.ip"
  /// or "http.rate_limit.user"; unset keys keep `defaults`.
  static rate_limit_options from_config(config& cfg, std::string_view prefix, const rate_limit_options& defaults);
};

/// The outcome of try_acquire().
struct rate_decision {
  bool allowed = true;
  /// When refused: whole seconds until enough tokens are back (>= 1), for a
  /// 429's Retry-After. 0 when allowed.
  std::int64_t retry_after_seconds = 0;
  /// Tokens left after this call (rounded down).
  std::int64_t remaining = 0;
};

/// Thread-safe (sharded mutexes; one short critical section per call).
class rate_limiter {
 public:
  explicit rate_limiter(rate_limit_options options);
  ~rate_limiter();
  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  /// Takes `cost` tokens from `key`'s bucket at time `now` if it has them.
  rate_decision try_acquire(std::string_view key, timestamp_us now, double cost = 1.0);
  /// Keys tracked right now.
  std::size_t tracked_keys() const;

  const rate_limit_options& options() const noexcept { return opts_; }

 private:
  struct shard;
  rate_limit_options opts_;
  std::vector<std::unique_ptr<shard>> shards_;
};

/// The 429 Problem Details ("rate-limited") with Retry-After for a refusal.
response too_many_requests(const request& req, const rate_decision& d);

}  // namespace agora::http
