// The load generator's own checks: a bench that miscounts is worse than none.
#include "broadcaster.hpp"
#include "client_pool.hpp"
#include "floor_server.hpp"
#include "latency_histogram.hpp"
#include "payload_tag.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

namespace agora::bench {
namespace {

TEST(PayloadTag, IsFoundInEveryServersFraming) {
  const payload_tag tag{123456, 7, 987654321012345};
  const std::string text = format_payload_tag(tag);
  for (const std::string& message : {
           text,
           R"({"type":"notification","channel":"notifications","position":9,"title":")" + text + R"(","body":"x"})",
           R"(42["msg",{"type":"notification","title":")" + text + R"("}])",
       }) {
    const auto found = find_payload_tag(message);
    ASSERT_TRUE(found.has_value()) << message;
    EXPECT_EQ(found->seq, tag.seq);
    EXPECT_EQ(found->step, tag.step);
    EXPECT_EQ(found->sent_ns, tag.sent_ns);
  }
}

TEST(PayloadTag, RefusesWhatIsNotATag) {
  for (const char* message : {"", "{}", "@q", "@q12:3", "@q12:3:4", "@q12:3:4x", "@q:3:4@", "@q12;3:4@", R"({"type":"subscribed"})"})
    EXPECT_FALSE(find_payload_tag(message).has_value()) << message;
}

TEST(LatencyHistogram, BucketsBoundEachValueWithinThreePercent) {
  for (std::uint64_t v = 0; v < 5'000'000; v = v * 2 + 1 + v / 7) {
    const auto upper = latency_histogram::upper_bound_of(latency_histogram::index_of(v));
    EXPECT_GE(upper, v);
    EXPECT_LE(static_cast<double>(upper), static_cast<double>(v) * 1.032 + 1) << v;
  }
}

TEST(LatencyHistogram, QuantilesOfAUniformSpread) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 100'000; ++v) h.record(v);
  std::array<std::uint64_t, latency_histogram::bucket_count> counts{};
  h.merge_into(counts);
  EXPECT_NEAR(static_cast<double>(latency_histogram::quantile(counts, 0.50)), 50'000.0, 50'000.0 * 0.032);
  EXPECT_NEAR(static_cast<double>(latency_histogram::quantile(counts, 0.99)), 99'000.0, 99'000.0 * 0.032);
  EXPECT_GE(latency_histogram::quantile(counts, 1.0), 100'000u);
}

/// Polls `done` until it holds or 30 s pass (the machine is shared: no tight margins).
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

struct running_floor {
  floor_server server{0};
  std::thread thread{[this] { server.run(); }};
  ~running_floor() {
    server.stop();
    thread.join();
  }
};

TEST(ClientPool, CountsEveryBroadcastEveryClientReceives) {
  auto floor = std::make_unique<running_floor>();
  pool_options po;
  po.port = floor->server.port();
  po.kind = dialect::ws;
  po.clients = 50;
  po.threads = 2;
  po.sources = {"127.0.0.1", "127.0.0.2"};
  client_pool pool(po);
  pool.start();
  ASSERT_TRUE(eventually([&] { return pool.ready() == 50; })) << pool.ready() << " ready; " << pool.first_error();

  broadcaster_options bo;
  bo.port = po.port;
  bo.connections = 2;
  broadcaster caster(bo);
  const post_result posts = caster.run_step(3, 50, std::chrono::milliseconds(200));
  EXPECT_EQ(posts.sent, 10u);
  EXPECT_EQ(posts.accepted, 10u);
  EXPECT_EQ(posts.failed, 0u) << posts.first_error;
  ASSERT_TRUE(eventually([&] { return pool.delivered_in_step(3) == 500; })) << pool.delivered_in_step(3);
  EXPECT_EQ(pool.delivered_total(), 500u);
  EXPECT_EQ(pool.delivered_in_step(0), 0u);
  std::array<std::uint64_t, latency_histogram::bucket_count> latencies{};
  std::uint64_t max_micros = 0;
  pool.step_latencies(3, latencies, max_micros);
  std::uint64_t counted = 0;
  for (auto c : latencies) counted += c;
  EXPECT_EQ(counted, 500u);
  EXPECT_GT(max_micros, 0u);

  // The server going away is seen as every ready client dropped, none failed.
  floor.reset();
  EXPECT_TRUE(eventually([&] { return pool.dropped() == 50; })) << pool.dropped();
  EXPECT_EQ(pool.ready(), 0u);
  EXPECT_EQ(pool.failed(), 0u);
}

TEST(ClientPool, ClientsThatCannotConnectAreCountedAsFailed) {
  std::uint16_t port = 0;
  {
    floor_server closed(0);  // a port that was free a moment ago, and is closed again
    port = closed.port();
  }
  pool_options po;
  po.port = port;
  po.clients = 5;
  client_pool pool(po);
  pool.start();
  ASSERT_TRUE(eventually([&] { return pool.failed() == 5; })) << pool.failed();
  EXPECT_EQ(pool.ready(), 0u);
  EXPECT_NE(pool.first_error().find("connect"), std::string::npos) << pool.first_error();
}

}  // namespace
}  // namespace agora::bench
