// The relay's first stage over a real store in a temp dir: batches come in log
// order without gaps, read-ahead is bounded, a commit wakes the reader, and a
// restart drops what was read ahead and goes on from the new position.

#include "bus/src/envelope_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_json.hpp"
#include "eventstore/event_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora::bus::detail {
namespace {

using namespace std::chrono_literals;
using eventstore::log_position;

// Polls `cond` until it holds or 10 s pass (a bound for a busy machine: the
// condition normally holds within milliseconds).
template <class Cond>
bool eventually(Cond cond) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

class EnvelopeReader : public ::testing::Test {
 protected:
  void SetUp() override {
    eventstore::store_options o;
    o.path = dir_.sub("store");
    o.sync = false;
    auto s = eventstore::event_store::open(o);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }

  // Appends `n` events, one per append, alternating two streams.
  void append(int n, const std::string& kind = "order") {
    for (int i = 0; i < n; ++i) {
      eventstore::new_event e;
      e.type = "Tested";
      e.data = R"({"i":)" + std::to_string(i) + "}";
      auto r = store_->append(kind + "-" + std::to_string(i % 2), eventstore::expected_version::any(), {e});
      ASSERT_TRUE(r) << r.error().message;
    }
  }

  // Pops batches until `until` is reached or `deadline` passes.
  std::vector<kafka_record> drain(envelope_reader& r, log_position until, std::vector<std::string>* values = nullptr) {
    std::vector<kafka_record> out;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while ((out.empty() || out.back().position < until) && std::chrono::steady_clock::now() < deadline) {
      auto b = r.pop(50ms);
      if (!b) continue;
      for (const auto& e : b->events) {
        out.push_back(e);
        if (values) values->emplace_back(b->slice(e.value_offset, e.value_size));
      }
      r.recycle(std::move(b));
    }
    return out;
  }

  testing::temp_dir dir_{"agora-envelope-reader"};
  std::unique_ptr<eventstore::event_store> store_;
  topic_map topics_;
  std::mutex errors_mu_;
  std::vector<std::string> errors_;
  envelope_reader::error_sink sink_ = [this](std::string e) {
    std::lock_guard<std::mutex> lock(errors_mu_);
    errors_.push_back(std::move(e));
  };
};

TEST_F(EnvelopeReader, HandsOverEveryEventInLogOrderEncodedLikeTheEnvelope) {
  append(250);
  envelope_reader::options o;
  o.scan_batch = 64;
  envelope_reader r(*store_, topics_, o, sink_);
  r.start(1);
  std::vector<std::string> values;
  const auto got = drain(r, 250, &values);
  ASSERT_EQ(got.size(), 250u);
  std::vector<std::string> expected_json, expected_ids;
  auto scanned = store_->scan_log(1, 250, [&](const eventstore::event_view& e) {
    expected_json.push_back(eventstore::event_to_json(e));
    expected_ids.push_back(e.id.to_string());
    return true;
  });
  ASSERT_TRUE(scanned);
  ASSERT_EQ(expected_json.size(), 250u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].position, i + 1);
    EXPECT_EQ(got[i].topic, "agora.order");
    EXPECT_EQ(values[i], expected_json[i]);
    EXPECT_EQ(std::string(got[i].id_text, 36), expected_ids[i]);
    EXPECT_EQ(std::string(got[i].position_text, got[i].position_text_size), std::to_string(i + 1));
  }
  r.stop();
  EXPECT_TRUE(errors_.empty());
}

TEST_F(EnvelopeReader, ReadsAheadAtMostMaxBatches) {
  append(100);
  envelope_reader::options o;
  o.scan_batch = 10;
  o.max_batches = 2;
  envelope_reader r(*store_, topics_, o, sink_);
  r.start(1);
  ASSERT_TRUE(eventually([&] { return r.read_ahead() >= 2; }));
  // A reader without the bound goes on to the eight other batches at once;
  // watched for a while, this one never has more than two ready.
  const auto watch_until = std::chrono::steady_clock::now() + 50ms;
  while (std::chrono::steady_clock::now() < watch_until) ASSERT_EQ(r.read_ahead(), 2u);
  auto a = r.pop(1s);
  auto b = r.pop(1s);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->events.front().position, 1u);
  EXPECT_EQ(b->events.front().position, 11u);
  auto c = r.pop(1s);  // read after a slot was freed
  ASSERT_TRUE(c);
  EXPECT_EQ(c->events.front().position, 21u);
  r.stop();
}

// Without the wake-up the reader finds a commit at its next idle re-check,
// every 100 ms: most rounds below would take tens of milliseconds. Woken, a
// round takes well under a millisecond; a loaded machine may delay a few
// rounds, not the median one.
TEST_F(EnvelopeReader, ACommitWakesTheReaderAtOnce) {
  envelope_reader::options o;
  envelope_reader r(*store_, topics_, o, sink_);
  auto sub = store_->subscribe([&r](log_position) { r.notify_commit(); });
  r.start(1);
  EXPECT_EQ(r.pop(50ms), nullptr);  // nothing to read yet
  constexpr int kRounds = 15;
  std::vector<std::chrono::steady_clock::duration> waits;
  for (int i = 0; i < kRounds; ++i) {
    append(1);
    const auto t0 = std::chrono::steady_clock::now();
    auto b = r.pop(5s);
    ASSERT_TRUE(b);
    waits.push_back(std::chrono::steady_clock::now() - t0);
    EXPECT_EQ(b->events.front().position, static_cast<log_position>(i + 1));
    r.recycle(std::move(b));
  }
  std::sort(waits.begin(), waits.end());
  const auto median_ms = std::chrono::duration_cast<std::chrono::milliseconds>(waits[kRounds / 2]).count();
  EXPECT_LT(median_ms, 30) << "median wait " << median_ms << " ms: commits do not wake the reader";
  sub.reset();
  r.stop();
}

TEST_F(EnvelopeReader, RestartDropsReadAheadAndGoesOnFromTheNewPosition) {
  append(100);
  envelope_reader::options o;
  o.scan_batch = 10;
  envelope_reader r(*store_, topics_, o, sink_);
  r.start(1);
  auto first = r.pop(1s);
  ASSERT_TRUE(first);
  ASSERT_TRUE(eventually([&] { return r.read_ahead() == 2; }));  // batches 11..30 are read ahead
  r.recycle(std::move(first));
  r.restart(5);
  const auto got = drain(r, 100);
  ASSERT_FALSE(got.empty());
  // Exactly 5..100, in order: nothing from before the restart survives.
  ASSERT_EQ(got.size(), 96u);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].position, i + 5);
  r.stop();
}

TEST_F(EnvelopeReader, EventsWithoutATopicCarryNoneAndKeepTheirPlace) {
  topics_.default_topic.clear();
  append(3, "order");
  append(3, "audit");  // no topic: not published
  envelope_reader r(*store_, topics_, {}, sink_);
  r.start(1);
  const auto got = drain(r, 6);
  ASSERT_EQ(got.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(got[i].position, i + 1);
    EXPECT_EQ(got[i].topic.empty(), i >= 3) << i;
  }
  r.stop();
}

TEST_F(EnvelopeReader, StopsPromptlyWhileWaiting) {
  envelope_reader r(*store_, topics_, {}, sink_);
  r.start(1);
  std::this_thread::sleep_for(20ms);
  const auto t0 = std::chrono::steady_clock::now();
  r.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  r.stop();  // idempotent
}

}  // namespace
}  // namespace agora::bus::detail
