#include "common/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <random>
#include <thread>
#include <vector>

namespace agora {
namespace {

TEST(ManualClock, SetAndAdvance) {
  manual_clock c;
  EXPECT_EQ(c.now(), 0);
  manual_clock started(1'000);
  EXPECT_EQ(started.now(), 1'000);
  c.set(5'000'000);
  EXPECT_EQ(c.now(), 5'000'000);
  c.advance(250);
  EXPECT_EQ(c.now(), 5'000'250);
  c.set(10);  // backwards is allowed
  EXPECT_EQ(c.now(), 10);
  const clock& as_base = c;
  EXPECT_EQ(as_base.now(), 10);
}

TEST(ManualClock, ConcurrentAdvanceLosesNothing) {
  manual_clock c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c] {
      for (int i = 0; i < 10'000; ++i) c.advance(1);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.now(), 40'000);
}

TEST(SystemClock, CloseToChronoNow) {
  const auto chrono_now = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  const timestamp_us ours = system_clock::instance().now();
  EXPECT_LT(std::llabs(ours - chrono_now), 1'000'000);
  // Microsecond units, not ms or ns: somewhere after 2020 and before 2100.
  EXPECT_GT(ours, 1'577'836'800'000'000);
  EXPECT_LT(ours, 4'102'444'800'000'000);
  EXPECT_EQ(&system_clock::instance(), &system_clock::instance());
  system_clock own;
  EXPECT_LT(std::llabs(own.now() - ours), 1'000'000);
}

TEST(FormatRfc3339, KnownValues) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(1), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(format_rfc3339(1'795'316'569'123'456), "2026-11-22T03:02:49.123456Z");
  EXPECT_EQ(format_rfc3339(1'709'208'000'000'000), "2024-02-29T12:00:00.000000Z");  // leap day
  EXPECT_EQ(format_rfc3339(951'782'400'000'000), "2000-02-29T00:00:00.000000Z");    // 400-year leap
  EXPECT_EQ(format_rfc3339(253'402'300'799'999'999), "9999-12-31T23:59:59.999999Z");
}

TEST(FormatRfc3339, BeforeTheEpoch) {
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_rfc3339(-1'000'000), "1969-12-31T23:59:59.000000Z");
  EXPECT_EQ(format_rfc3339(-1'000'001), "1969-12-31T23:59:58.999999Z");
  EXPECT_EQ(format_rfc3339(-86'400'000'000), "1969-12-31T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(-14'182'940'000'000), "1969-07-20T20:17:40.000000Z");
  EXPECT_EQ(format_rfc3339(-2'203'891'200'000'000), "1900-03-01T00:00:00.000000Z");  // 1900: not leap
  EXPECT_EQ(format_rfc3339(-62'135'596'800'000'000), "0001-01-01T00:00:00.000000Z");
}

TEST(FormatRfc3339, ExtremesDoNotCrash) {
  for (timestamp_us t : {std::numeric_limits<timestamp_us>::min(), std::numeric_limits<timestamp_us>::max()}) {
    const std::string s = format_rfc3339(t);
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(s.back(), 'Z') << s;
  }
}

// Cross-check against the C library for many random instants (whole seconds
// between year 1000 and 3000, plus random microseconds).
TEST(FormatRfc3339, AgreesWithGmtime) {
  std::mt19937_64 rng(99);
  std::uniform_int_distribution<std::int64_t> secs(-30'610'224'000, 32'503'680'000);
  std::uniform_int_distribution<std::int64_t> micros(0, 999'999);
  for (int i = 0; i < 20'000; ++i) {
    const std::int64_t s = secs(rng);
    const std::int64_t us = micros(rng);
    const auto tt = static_cast<std::time_t>(s);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&tt, &tm), nullptr);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us));
    ASSERT_EQ(format_rfc3339(s * 1'000'000 + us), want) << "t=" << s << "s";
  }
}

}  // namespace
}  // namespace agora
