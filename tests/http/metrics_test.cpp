#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/metrics.hpp"

namespace agora::http {
namespace {

TEST(Metrics, RendersCountersGaugesAndCallbacks) {
  metrics_registry reg;
  auto& req = reg.add_counter("agora_test_requests_total", "Requests\nby route", {"route", "status"});
  req.with({"products.get", "200"}).inc();
  req.with({"products.get", "200"}).inc(2);
  req.with({"weird \"route\"\\\n", "500"}).inc();
  auto& g = reg.add_gauge("agora_test_queue", "Queue depth").get();
  g.set(2.5);
  g.inc();
  reg.add_callback_gauge("agora_test_lag_events", "Projection lag", [] { return 42.0; });
  EXPECT_EQ(&reg.add_counter("agora_test_requests_total", "again", {"route", "status"}), &req);

  EXPECT_EQ(reg.render(),
            "# HELP agora_test_requests_total Requests\\nby route\n"
            "# TYPE agora_test_requests_total counter\n"
            "agora_test_requests_total{route=\"products.get\",status=\"200\"} 3\n"
            "agora_test_requests_total{route=\"weird \\\"route\\\"\\\\\\n\",status=\"500\"} 1\n"
            "# HELP agora_test_queue Queue depth\n"
            "# TYPE agora_test_queue gauge\n"
            "agora_test_queue 3.5\n"
            "# HELP agora_test_lag_events Projection lag\n"
            "# TYPE agora_test_lag_events gauge\n"
            "agora_test_lag_events 42\n");
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  metrics_registry reg;
  auto& h = reg.add_histogram("agora_test_seconds", "Latency", {"route"}, {0.1, 0.5, 1});
  auto& child = h.with({"a"});
  child.observe(0.05);
  child.observe(0.1);  // le is inclusive
  child.observe(0.7);
  child.observe(3);
  EXPECT_EQ(reg.render(),
            "# HELP agora_test_seconds Latency\n"
            "# TYPE agora_test_seconds histogram\n"
            "agora_test_seconds_bucket{route=\"a\",le=\"0.1\"} 2\n"
            "agora_test_seconds_bucket{route=\"a\",le=\"0.5\"} 2\n"
            "agora_test_seconds_bucket{route=\"a\",le=\"1\"} 3\n"
            "agora_test_seconds_bucket{route=\"a\",le=\"+Inf\"} 4\n"
            "agora_test_seconds_sum{route=\"a\"} 3.85\n"
            "agora_test_seconds_count{route=\"a\"} 4\n");
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  metrics_registry reg;
  auto& fam = reg.add_counter("agora_test_total", "t", {"k"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&fam, t] {
      for (int i = 0; i < 10000; ++i) fam.with({std::to_string((i + t) % 3)}).inc();
    });
  }
  for (auto& th : threads) th.join();
  std::uint64_t total = 0;
  for (int k = 0; k < 3; ++k) total += fam.with({std::to_string(k)}).value();
  EXPECT_EQ(total, 40000u);
}

TEST(Metrics, LabelEscaping) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace agora::http
