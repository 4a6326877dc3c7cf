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

#include "common/expected.hpp"
#include "common/option_error.hpp"
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
  /// or "http.rate_limit.user"; unset keys keep `defaults`. A value below 1
  /// is refused, naming its key (rather than clamped by the limiter).
  static expected<rate_limit_options, option_error> from_config(config& cfg, std::string_view prefix,
                                                                const rate_limit_options& defaults);
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

/// Settings of failure_backoff.
struct failure_backoff_options {
  /// Failures in a row a key may have before it is locked.
  std::uint32_t free_failures = 5;
  /// How long the first lock lasts; each further failure doubles it...
  std::int64_t base_lock_us = 30'000'000;
  /// ...up to this.
  std::int64_t max_lock_us = 15 * 60'000'000LL;
  /// Keys tracked at most (least recently seen forgotten first).
  std::size_t max_keys = 100000;

  /// Reads <prefix>.failures, <prefix>.base_lock, <prefix>.max_lock,
  /// <prefix>.max_keys (e.g. prefix "auth.login_lockout"); unset keys keep
  /// `defaults`. failures, base_lock and max_keys below 1, or a max_lock below
  /// base_lock, are refused, naming the key (rather than clamped).
  static expected<failure_backoff_options, option_error> from_config(config& cfg, std::string_view prefix,
                                                                     const failure_backoff_options& defaults);
};

/// Failed attempts per key (a login's normalized e-mail) with a lock that
/// doubles: after `free_failures` failures in a row the key is locked for
/// base_lock, then each further failure locks it twice as long (up to
/// max_lock); a success forgets the key. While locked, begin() refuses at
/// once, so a refused attempt costs no password hash.
///
/// Attempts in flight count: begin() lets at most as many attempts run at
/// once as failures are still free (one at a time once the key has used
/// them), so a burst of parallel guesses cannot get past the limit before
/// the first of them fails. Every allowed begin() must be followed by one
/// finish(). Thread-safe (one mutex; short critical sections).
class failure_backoff {
 public:
  explicit failure_backoff(failure_backoff_options options);
  ~failure_backoff();
  failure_backoff(const failure_backoff&) = delete;
  failure_backoff& operator=(const failure_backoff&) = delete;

  /// May an attempt for `key` start at `now`? When refused, retry_after_seconds
  /// says when it may (>= 1).
  rate_decision begin(std::string_view key, timestamp_us now);
  /// The end of an attempt begin() allowed: `success` forgets the key's
  /// failures; a failure counts, and may lock the key from `now`.
  void finish(std::string_view key, bool success, timestamp_us now);
  /// The end of an attempt begin() allowed that never ran (e.g. the hashing
  /// queue was full): neither a failure nor a success.
  void abandon(std::string_view key);
  /// Keys tracked right now.
  std::size_t tracked_keys() const;

  const failure_backoff_options& options() const noexcept { return opts_; }

 private:
  struct entry {
    std::string key;
    std::uint32_t failures = 0;
    std::uint32_t in_flight = 0;
    timestamp_us locked_until = 0;
  };
  using lru_list = std::list<entry>;  // front = most recently used
  entry* find_or_add(std::string_view key);

  failure_backoff_options opts_;
  mutable std::mutex mu_;
  lru_list lru_;
  std::unordered_map<std::string_view, lru_list::iterator> index_;
};

/// The 429 Problem Details ("rate-limited") with Retry-After for a refusal.
response too_many_requests(const request& req, const rate_decision& d);

}  // namespace agora::http
