// realtime.* settings: defaults, values read, and each out-of-range value
// refused naming its key.

#include <gtest/gtest.h>

#include "common/config.hpp"
#include "realtime/realtime_service.hpp"
#include "tests/support/option_checks.hpp"

namespace agora::realtime {
namespace {

TEST(RealtimeOptions, DefaultsAndValuesRead) {
  config empty;
  auto d = realtime_options::from_config(empty);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->path, "/ws");
  EXPECT_EQ(d->idle_timeout, std::chrono::milliseconds(30000));
  config cfg;
  cfg.set("realtime.send_queue_messages", "16");
  cfg.set("realtime.send_queue_bytes", "64KiB");
  cfg.set("realtime.idle_timeout", "5s");
  cfg.set("realtime.max_resume_events", "0");
  auto o = realtime_options::from_config(cfg);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->send_queue_messages, 16u);
  EXPECT_EQ(o->send_queue_bytes, 65536u);
  EXPECT_EQ(o->idle_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(o->max_resume_events, 0u);
}

TEST(RealtimeOptions, OutOfRangeValuesAreRefusedNamingTheKey) {
  testing::expect_each_refused_naming_the_key(
      {{"realtime.path", "ws"},
       {"realtime.send_queue_messages", "0"},
       {"realtime.send_queue_bytes", "100"},
       {"realtime.max_message_bytes", "10"},
       {"realtime.max_subscriptions", "0"},
       {"realtime.max_connections", "0"},
       {"realtime.max_connections_per_user", "0"},
       {"realtime.idle_timeout", "10ms"},
       {"realtime.handshake_timeout", "0"},
       {"realtime.max_resume_events", "-1"}},
      [](config& c) { return realtime_options::from_config(c); });
}

}  // namespace
}  // namespace agora::realtime
