#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "common/config.hpp"
#include "http/rate_limiter.hpp"
#include "tests/support/option_checks.hpp"

namespace agora::http {
namespace {

constexpr timestamp_us kSecond = 1'000'000;

TEST(RateLimiter, BurstThenRefusalWithRetryAfter) {
  rate_limit_options o;
  o.rate_per_second = 2;
  o.burst = 5;
  rate_limiter rl(o);
  manual_clock clk(100 * kSecond);
  for (int i = 0; i < 5; ++i) {
    auto d = rl.try_acquire("1.2.3.4", clk.now());
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 4 - i);
  }
  auto refused = rl.try_acquire("1.2.3.4", clk.now());
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);  // half a second, rounded up
  // Another key has its own bucket.
  EXPECT_TRUE(rl.try_acquire("5.6.7.8", clk.now()).allowed);
}

TEST(RateLimiter, RefillsOverTime) {
  rate_limit_options o;
  o.rate_per_second = 1;
  o.burst = 2;
  rate_limiter rl(o);
  manual_clock clk(100 * kSecond);
  EXPECT_TRUE(rl.try_acquire("u", clk.now()).allowed);
  EXPECT_TRUE(rl.try_acquire("u", clk.now()).allowed);
  EXPECT_FALSE(rl.try_acquire("u", clk.now()).allowed);
  clk.advance(kSecond / 2);
  auto d = rl.try_acquire("u", clk.now());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 1);
  clk.advance(kSecond / 2);
  EXPECT_TRUE(rl.try_acquire("u", clk.now()).allowed);
  EXPECT_FALSE(rl.try_acquire("u", clk.now()).allowed);
  clk.advance(100 * kSecond);  // refills up to the burst only
  EXPECT_TRUE(rl.try_acquire("u", clk.now()).allowed);
  EXPECT_TRUE(rl.try_acquire("u", clk.now()).allowed);
  EXPECT_FALSE(rl.try_acquire("u", clk.now()).allowed);
  clk.advance(-50 * kSecond);  // a clock stepping back refills nothing
  EXPECT_FALSE(rl.try_acquire("u", clk.now()).allowed);
}

TEST(RateLimiter, SlowRatesGiveLongRetryAfter) {
  rate_limit_options o;
  o.rate_per_second = 0.1;  // 6 per minute
  o.burst = 1;
  rate_limiter rl(o);
  EXPECT_TRUE(rl.try_acquire("k", 0).allowed);
  auto d = rl.try_acquire("k", 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_seconds, 10);
}

TEST(RateLimiter, TrackedKeysAreBounded) {
  rate_limit_options o;
  o.max_keys = 8;
  o.shards = 1;
  o.burst = 1;
  o.rate_per_second = 0.001;
  rate_limiter rl(o);
  for (int i = 0; i < 100; ++i) (void)rl.try_acquire("ip-" + std::to_string(i), 0);
  EXPECT_EQ(rl.tracked_keys(), 8u);
  // The most recent keys are still tracked (and empty); the oldest were forgotten.
  EXPECT_FALSE(rl.try_acquire("ip-99", 0).allowed);
  EXPECT_TRUE(rl.try_acquire("ip-0", 0).allowed);
}

TEST(RateLimiter, TooManyRequestsProblem) {
  request req;
  parse_target("/api/orders", req);
  req.request_id = "r";
  rate_decision d;
  d.allowed = false;
  d.retry_after_seconds = 3;
  response r = too_many_requests(req, d);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.get("Retry-After"), "3");
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_NE(r.body.find("\"retry_after\":3"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace agora::http

namespace agora::http {
namespace {

failure_backoff_options lockout(std::uint32_t free, std::int64_t base_s, std::int64_t max_s) {
  failure_backoff_options o;
  o.free_failures = free;
  o.base_lock_us = base_s * 1'000'000;
  o.max_lock_us = max_s * 1'000'000;
  return o;
}

// One attempt that fails (or succeeds) at the clock's time.
bool attempt(failure_backoff& b, const manual_clock& clk, bool success) {
  if (!b.begin("ann@shop.test", clk.now()).allowed) return false;
  b.finish("ann@shop.test", success, clk.now());
  return true;
}

TEST(FailureBackoff, LocksAfterFreeFailuresDoublingUpToTheCap) {
  failure_backoff b(lockout(3, 10, 35));
  manual_clock clk(1000 * 1'000'000LL);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(attempt(b, clk, false)) << i;
  auto refused = b.begin("ann@shop.test", clk.now());
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 10);
  EXPECT_TRUE(b.begin("bob@shop.test", clk.now()).allowed) << "another account is not locked";
  b.finish("bob@shop.test", true, clk.now());

  clk.advance(9'500'000);
  EXPECT_EQ(b.begin("ann@shop.test", clk.now()).retry_after_seconds, 1);
  clk.advance(500'000);
  ASSERT_TRUE(attempt(b, clk, false)) << "the lock ended: one more try";
  EXPECT_EQ(b.begin("ann@shop.test", clk.now()).retry_after_seconds, 20) << "doubled";
  clk.advance(20'000'000);
  ASSERT_TRUE(attempt(b, clk, false));
  EXPECT_EQ(b.begin("ann@shop.test", clk.now()).retry_after_seconds, 35) << "capped";
  clk.advance(35'000'000);
  ASSERT_TRUE(attempt(b, clk, true)) << "the right password after the lock";
  // A success forgets the failures: three free ones again.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(attempt(b, clk, false)) << i;
  EXPECT_FALSE(b.begin("ann@shop.test", clk.now()).allowed);
}

TEST(FailureBackoff, AttemptsInFlightCountSoParallelGuessesCannotOvershoot) {
  failure_backoff b(lockout(3, 10, 60));
  manual_clock clk(1'000'000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.begin("k", clk.now()).allowed) << i;
  auto busy = b.begin("k", clk.now());
  EXPECT_FALSE(busy.allowed) << "three in flight use up the free failures";
  EXPECT_EQ(busy.retry_after_seconds, 1);
  b.abandon("k");  // one never ran (e.g. the hashing queue was full)
  EXPECT_TRUE(b.begin("k", clk.now()).allowed);
  for (int i = 0; i < 3; ++i) b.finish("k", false, clk.now());
  EXPECT_FALSE(b.begin("k", clk.now()).allowed) << "locked";
  clk.advance(10'000'000);
  EXPECT_TRUE(b.begin("k", clk.now()).allowed);
  EXPECT_FALSE(b.begin("k", clk.now()).allowed) << "after a lock, one attempt at a time";
}

TEST(FailureBackoff, MemoryIsBounded) {
  auto o = lockout(3, 10, 60);
  o.max_keys = 8;
  failure_backoff b(o);
  for (int i = 0; i < 100; ++i) {
    const std::string k = "k" + std::to_string(i);
    ASSERT_TRUE(b.begin(k, 1).allowed);
    b.finish(k, false, 1);
  }
  EXPECT_LE(b.tracked_keys(), 8u);
}

// Values the limiter would clamp (a burst of 0 to 1, a rate of 0 to almost
// nothing) or a negative count are refused by from_config, naming the key.
TEST(RateLimitOptions, FromConfigRefusesOutOfRangeValuesNamingTheKey) {
  testing::expect_each_refused_naming_the_key(
      {{"http.rate_limit.per_minute", "0"}, {"http.rate_limit.burst", "0"}, {"http.rate_limit.max_keys", "-1"}},
      [](config& cfg) { return rate_limit_options::from_config(cfg, "http.rate_limit", rate_limit_options{}); });
  config defaults;
  const auto o = rate_limit_options::from_config(defaults, "http.rate_limit", rate_limit_options{});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->burst, rate_limit_options{}.burst);
}

// What used to be clamped (failures to 1, base_lock to 1 us, max_lock up to
// base_lock, max_keys to 1) is refused, naming the key.
TEST(FailureBackoffOptions, FromConfigRefusesOutOfRangeValuesNamingTheKey) {
  testing::expect_each_refused_naming_the_key(
      {{"auth.login_lockout.failures", "0"}, {"auth.login_lockout.base_lock", "0"}, {"auth.login_lockout.max_lock", "1s"}, {"auth.login_lockout.max_keys", "0"}},
      [](config& cfg) { return failure_backoff_options::from_config(cfg, "auth.login_lockout", failure_backoff_options{}); });
  config defaults;
  const auto o = failure_backoff_options::from_config(defaults, "auth.login_lockout", failure_backoff_options{});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->max_lock_us, failure_backoff_options{}.max_lock_us);
}

}  // namespace
}  // namespace agora::http
