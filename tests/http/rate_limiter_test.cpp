#include <string>

#include <gtest/gtest.h>

#include "http/rate_limiter.hpp"

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
