// The outbox relay against a real (embedded) broker: what an outside client
// (kcat) sees, behaviour through broker outages and injected errors, and the
// feed consumer's de-duplication of a republished run.

#include <simdjson.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <map>
#include <set>
#include <thread>

#include "bus/embedded_broker.hpp"
#include "bus/feed_consumer.hpp"
#include "bus/outbox_relay.hpp"
#include "eventstore/event_store.hpp"
#include "tests/bus/kafka_test_util.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora::bus {
namespace {

using eventstore::event_store;
using eventstore::recorded_event;
using namespace std::chrono_literals;

struct fixture {
  agora::testing::temp_dir dir{"agora-bus"};
  std::unique_ptr<event_store> store;
  std::unique_ptr<embedded_broker> broker;

  fixture() {
    eventstore::store_options so;
    so.path = dir.sub("store");
    so.sync = false;
    auto s = event_store::open(so);
    if (!s) std::abort();
    store = std::move(*s);
    embedded_broker_options bo;
    bo.brokers = 3;
    bo.partitions = 4;
    for (auto t : {"agora.order", "agora.inventory", "agora.other"}) bo.topics.push_back(t);
    auto b = embedded_broker::start(bo);
    if (!b) std::abort();
    broker = std::move(*b);
  }

  relay_options options() const { return testing::test_relay_options(*broker); }

  std::vector<recorded_event> log() const {
    auto r = store->read_log(1, 1000000);
    if (!r) std::abort();
    return std::move(*r);
  }
};

std::string str(simdjson::simdjson_result<simdjson::dom::element> r) {
  std::string_view v;
  if (r.get(v) != simdjson::SUCCESS) return "<missing>";
  return std::string(v);
}

// Runs a command and returns its stdout.
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

// The outside client of the interop test.
constexpr const char* kKcat = "/usr/bin/kcat";

TEST(OutboxRelayKafka, KcatSeesEveryEventOnceInOrderWithEnvelopeAndHeaders) {
  // A failure, not a skip: a skipped interop test looks like a passed one, and
  // deploy/install-deps.sh installs kcat.
  ASSERT_EQ(::access(kKcat, X_OK), 0) << kKcat << " is not installed (deploy/install-deps.sh installs kcat)";
  fixture f;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(testing::append_numbered(*f.store, "order-o-1", "OrderLine", i));
    ASSERT_TRUE(testing::append_numbered(*f.store, "order-o-2", "OrderLine", i));
    if (i <= 3) {
      ASSERT_TRUE(testing::append_numbered(*f.store, "inventory-SKU-1", "StockAdjusted", i));
    }
    if (i <= 2) {
      ASSERT_TRUE(testing::append_numbered(*f.store, "claim-sku:X", "Claimed", i));
    }
  }
  const auto last = f.store->last_position();
  ASSERT_EQ(last, 15u);

  outbox_relay relay(*f.store, f.options());
  ASSERT_TRUE(relay.start());
  ASSERT_TRUE(relay.wait_for_delivered(last, 20000)) << relay.stats().last_error;
  auto st = relay.stats();
  EXPECT_EQ(st.published, 15u);
  EXPECT_EQ(st.lag, 0u);
  EXPECT_EQ(st.state, relay_state::running);
  relay.stop();
  auto cp = f.store->get_checkpoint("outbox.kafka");
  ASSERT_TRUE(cp && cp->has_value());
  EXPECT_EQ(**cp, last) << "stop writes the checkpoint";

  std::map<std::string, recorded_event> by_id;
  for (auto& e : f.log()) by_id[e.id.to_string()] = e;

  const std::string b = f.broker->bootstrap_servers();
  std::size_t seen = 0;
  std::map<std::string, int> per_topic;
  for (const std::string topic : {"agora.order", "agora.inventory", "agora.other"}) {
    const std::string out = run(std::string(kKcat) + " -C -q -b " + b + " -t " + topic + " -o beginning -e -J 2>/dev/null");
    simdjson::dom::parser parser;
    std::set<std::string> ids;
    std::map<std::string, std::uint64_t> last_version;
    std::size_t start = 0;
    while (start < out.size()) {
      const auto nl = out.find('\n', start);
      const std::string line = out.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      start = nl == std::string::npos ? out.size() : nl + 1;
      if (line.empty()) continue;
      simdjson::dom::object msg;
      ASSERT_EQ(parser.parse(line).get(msg), simdjson::SUCCESS) << line;
      const std::string key = str(msg["key"]);
      const std::string payload = str(msg["payload"]);
      // kcat 1.7 writes headers as ["name","value",...].
      std::map<std::string, std::string> headers;
      simdjson::dom::array harr;
      ASSERT_EQ(msg["headers"].get(harr), simdjson::SUCCESS) << line;
      for (std::size_t i = 0; i + 1 < harr.size(); i += 2) headers[str(harr.at(i))] = str(harr.at(i + 1));
      const std::string h_id = headers["event_id"];
      const std::string h_type = headers["event_type"];
      const std::string h_pos = headers["position"];

      simdjson::dom::parser p2;
      simdjson::dom::object env;
      ASSERT_EQ(p2.parse(payload).get(env), simdjson::SUCCESS) << payload;
      const std::string id = str(env["id"]);
      ASSERT_TRUE(by_id.count(id)) << "unknown event " << id;
      const auto& e = by_id[id];
      EXPECT_TRUE(ids.insert(id).second) << "event " << id << " appears twice";
      EXPECT_EQ(key, e.stream);
      EXPECT_EQ(h_id, id);
      EXPECT_EQ(h_type, e.type);
      EXPECT_EQ(h_pos, std::to_string(e.position));
      EXPECT_EQ(str(env["stream"]), e.stream);
      EXPECT_EQ(std::uint64_t(env["version"]), e.version);
      EXPECT_EQ(std::uint64_t(env["position"]), e.position);
      EXPECT_EQ(str(env["type"]), e.type);
      EXPECT_EQ(std::int64_t(env["data"]["n"]), static_cast<std::int64_t>(e.version));
      EXPECT_EQ(last_version[key] + 1, e.version) << "per-key order broken for " << key;
      last_version[key] = e.version;
      ++per_topic[topic];
      ++seen;
    }
  }
  EXPECT_EQ(per_topic["agora.order"], 10);
  EXPECT_EQ(per_topic["agora.inventory"], 3);
  EXPECT_EQ(per_topic["agora.other"], 2) << "claim-* streams go to the default topic";
  EXPECT_EQ(seen, 15u);
}

TEST(OutboxRelayKafka, SkipsKindsWithoutTopicWhenDefaultIsEmpty) {
  fixture f;
  ASSERT_TRUE(testing::append_numbered(*f.store, "claim-sku:X", "Claimed", 1));
  ASSERT_TRUE(testing::append_numbered(*f.store, "order-o-1", "OrderLine", 1));
  ASSERT_TRUE(testing::append_numbered(*f.store, "claim-sku:Y", "Claimed", 1));
  auto o = f.options();
  o.topics.default_topic.clear();
  outbox_relay relay(*f.store, o);
  ASSERT_TRUE(relay.start());
  ASSERT_TRUE(relay.wait_for_delivered(3, 20000));
  auto st = relay.stats();
  EXPECT_EQ(st.published, 1u);
  EXPECT_EQ(st.skipped, 2u);
  EXPECT_EQ(st.last_delivered_position, 3u);
}

TEST(OutboxRelayKafka, BrokerOutageAndErrorsLoseNothingAndKeepPerKeyOrder) {
  fixture f;
  auto o = f.options();
  // Short, so the outage also exercises republish-from-checkpoint; not too
  // short: after the outage a new producer must connect, get its producer id
  // and deliver within it, and on a loaded machine 2 s was sometimes too little
  // (each timeout restarts the cycle).
  o.message_timeout_ms = 4000;
  o.backoff_min_ms = 50;
  o.backoff_max_ms = 400;
  outbox_relay relay(*f.store, o);
  ASSERT_TRUE(relay.start());

  const std::vector<std::string> streams = {"order-a", "order-b", "order-c", "inventory-SKU-1", "inventory-SKU-2",
                                            "claim-sku:X"};
  int n = 0;
  auto append_some = [&](int count, std::chrono::milliseconds gap) {
    for (int i = 0; i < count; ++i, ++n) {
      const auto t0 = std::chrono::steady_clock::now();
      ASSERT_TRUE(testing::append_numbered(*f.store, streams[static_cast<std::size_t>(n) % streams.size()], "Ev", n, 100));
      // The write path never waits for Kafka.
      EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
      if (gap.count() > 0) std::this_thread::sleep_for(gap);
    }
  };

  append_some(120, 0ms);
  ASSERT_TRUE(relay.wait_for_delivered(f.store->last_position(), 20000)) << relay.stats().last_error;
  EXPECT_EQ(relay.stats().lag, 0u);

  // Outage: every broker down while the store keeps taking events.
  f.broker->set_all_down();
  std::uint64_t max_lag = 0;
  std::set<relay_state> states;
  for (int round = 0; round < 30; ++round) {
    append_some(10, 0ms);
    std::this_thread::sleep_for(100ms);
    auto st = relay.stats();
    max_lag = std::max(max_lag, st.lag);
    states.insert(st.state);
  }
  // Message timeouts are noticed by librdkafka's periodic scan, which may run
  // late on a loaded machine: wait for the republish they cause while the
  // brokers are still down, instead of assuming the loop took long enough.
  for (int i = 0; i < 150 && relay.stats().retries == 0; ++i) std::this_thread::sleep_for(100ms);
  const auto during = relay.stats();
  EXPECT_GE(max_lag, 250u) << "the lag grows while the broker is away";
  EXPECT_TRUE(states.count(relay_state::broker_down) || states.count(relay_state::backing_off));
  EXPECT_GE(during.errors, 1u);
  EXPECT_GE(during.retries, 1u) << "message timeouts made the relay republish from its checkpoint";

  // Back, with a few produce errors injected (6 = NOT_LEADER_FOR_PARTITION,
  // 7 = REQUEST_TIMED_OUT), the kind librdkafka retries by itself.
  f.broker->set_all_up();
  f.broker->push_request_errors(0, {6, 7, 6, 7});
  append_some(100, 1ms);
  ASSERT_TRUE(relay.wait_for_delivered(f.store->last_position(), 30000)) << relay.stats().last_error;
  const auto after = relay.stats();
  EXPECT_EQ(after.lag, 0u) << "the lag falls back to zero";
  EXPECT_EQ(after.state, relay_state::running);
  relay.stop();
  std::printf("outage: max lag %llu, errors %llu, retries %llu, published %llu for %llu events\n",
              static_cast<unsigned long long>(max_lag), static_cast<unsigned long long>(after.errors),
              static_cast<unsigned long long>(after.retries), static_cast<unsigned long long>(after.published),
              static_cast<unsigned long long>(f.store->last_position()));

  const auto log = f.log();
  auto msgs = testing::read_all(f.broker->bootstrap_servers(), {"agora.order", "agora.inventory", "agora.other"},
                                log.size(), 1500ms, 30s);
  std::map<std::string, std::uint64_t> first_seen_version;  // per key: highest version in first appearances
  std::set<std::string> ids;
  std::size_t duplicates = 0;
  simdjson::dom::parser parser;
  for (const auto& m : msgs) {
    const auto& id = m.headers.at("event_id");
    if (!ids.insert(id).second) {
      ++duplicates;
      continue;
    }
    simdjson::dom::object env;
    ASSERT_EQ(parser.parse(m.value).get(env), simdjson::SUCCESS);
    const std::uint64_t version = env["version"];
    EXPECT_EQ(first_seen_version[m.key] + 1, version) << "key " << m.key << ": a first appearance out of order";
    first_seen_version[m.key] = version;
  }
  for (const auto& e : log) EXPECT_TRUE(ids.count(e.id.to_string())) << "event at " << e.position << " lost";
  EXPECT_EQ(ids.size(), log.size());
  std::printf("outage: %zu messages on the topics, %zu duplicates\n", msgs.size(), duplicates);
}

TEST(FeedConsumer, DeliversEachEventOnceAcrossARepublishAndRetriesAFailedBatch) {
  fixture f;
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(testing::append_numbered(*f.store, (i % 2 ? "order-" : "inventory-") + std::to_string(i % 5), "Ev", i));
  }
  {
    outbox_relay relay(*f.store, f.options());
    ASSERT_TRUE(relay.start());
    ASSERT_TRUE(relay.wait_for_delivered(60, 20000));
  }
  // As if the relay had crashed before checkpointing past 20: 21..60 go out again.
  ASSERT_TRUE(f.store->put_checkpoint("outbox.kafka", 20));
  {
    outbox_relay relay(*f.store, f.options());
    ASSERT_TRUE(relay.start());
    ASSERT_TRUE(relay.wait_for_delivered(60, 20000));
    EXPECT_EQ(relay.stats().published, 40u);
  }

  std::mutex mu;
  std::vector<feed_event> got;
  int calls = 0;
  feed_consumer_options fo;
  fo.bootstrap_servers = f.broker->bootstrap_servers();
  fo.group_id = "test-feed";
  fo.topics = {"agora.order", "agora.inventory"};
  fo.backoff_min_ms = 10;
  auto consumer = feed_consumer::start(fo, [&](const std::vector<feed_event>& batch) -> expected<void, std::string> {
    std::lock_guard<std::mutex> lock(mu);
    if (calls++ == 0) return unexpected(std::string("first call fails"));
    got.insert(got.end(), batch.begin(), batch.end());
    return {};
  });
  ASSERT_TRUE(consumer) << consumer.error();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (got.size() >= 60 || std::chrono::steady_clock::now() > deadline) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(300ms);  // anything extra would show now
  (*consumer)->stop();
  const auto st = (*consumer)->stats();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(got.size(), 60u);
  std::set<uuid> ids;
  std::map<std::string, std::uint64_t> versions;
  for (const auto& e : got) {
    EXPECT_TRUE(ids.insert(e.id).second);
    EXPECT_EQ(versions[e.stream] + 1, e.version) << e.stream;
    versions[e.stream] = e.version;
  }
  EXPECT_EQ(st.messages, 100u);
  EXPECT_EQ(st.duplicates, 40u);
  EXPECT_EQ(st.delivered, 60u);
  EXPECT_GE(st.handler_failures, 1u);
}

// A consumer that applied a batch but stopped before committing it (a crash
// between the two: the handler fails after applying, and the consumer is
// stopped during its back-off, so the batch is never committed). The next
// consumer of the group gets that batch again and nothing committed before
// it; a projection that keeps each stream's version applies every event once.
TEST(FeedConsumer, ABatchAppliedButNotCommittedComesAgainAfterARestart) {
  fixture f;
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(testing::append_numbered(*f.store, "order-" + std::to_string(i % 4), "Ev", i));
  }
  {
    outbox_relay relay(*f.store, f.options());
    ASSERT_TRUE(relay.start());
    ASSERT_TRUE(relay.wait_for_delivered(kEvents, 20000));
  }
  feed_consumer_options fo;
  fo.bootstrap_servers = f.broker->bootstrap_servers();
  fo.group_id = "restart-feed";
  fo.topics = {"agora.order"};
  fo.max_batch = 10;
  fo.backoff_min_ms = 600000;  // the "crashed" consumer is stopped while it waits to retry
  fo.backoff_max_ms = 600000;
  fo.consumer_properties = "session.timeout.ms=6000,heartbeat.interval.ms=500";

  // The projection: each stream's version, kept across the restart.
  std::mutex mu;
  std::map<std::string, eventstore::stream_version> versions;
  std::map<uuid, int> applied;  // times each event was applied
  auto apply = [&](const feed_event& e) {  // under mu; false when already applied (by version)
    auto& v = versions[e.stream];
    if (e.version <= v) return false;
    EXPECT_EQ(e.version, v + 1) << e.stream << ": a gap";
    v = e.version;
    ++applied[e.id];
    return true;
  };

  std::set<uuid> committed_batch, uncommitted_batch;
  bool crashed = false;
  std::condition_variable crashed_cv;
  {
    int calls = 0;
    auto first = feed_consumer::start(fo, [&](const std::vector<feed_event>& batch) -> expected<void, std::string> {
      std::lock_guard<std::mutex> lock(mu);
      if (crashed) return unexpected(std::string("crashed"));
      for (const auto& e : batch) apply(e);
      auto& ids = calls++ == 0 ? committed_batch : uncommitted_batch;
      for (const auto& e : batch) ids.insert(e.id);
      if (calls == 1) return {};  // applied and committed
      crashed = true;             // applied, then "crashed" before the commit
      crashed_cv.notify_all();
      return unexpected(std::string("crashed before the commit"));
    });
    ASSERT_TRUE(first) << first.error();
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(crashed_cv.wait_for(lock, 30s, [&] { return crashed; })) << "the second batch never came";
    lock.unlock();
    (*first)->stop();
  }
  ASSERT_FALSE(committed_batch.empty());
  ASSERT_FALSE(uncommitted_batch.empty());

  std::set<uuid> delivered_again;
  auto second = feed_consumer::start(fo, [&](const std::vector<feed_event>& batch) -> expected<void, std::string> {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& e : batch) {
      if (!apply(e)) delivered_again.insert(e.id);
    }
    return {};
  });
  ASSERT_TRUE(second) << second.error();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (applied.size() >= static_cast<std::size_t>(kEvents) || std::chrono::steady_clock::now() > deadline) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  (*second)->stop();
  const auto st = (*second)->stats();
  std::printf("second consumer: %llu messages, %llu delivered, %llu errors\n",
              static_cast<unsigned long long>(st.messages), static_cast<unsigned long long>(st.delivered),
              static_cast<unsigned long long>(st.errors));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(applied.size(), static_cast<std::size_t>(kEvents));
  for (const auto& [id, n] : applied) EXPECT_EQ(n, 1) << "applied more than once";
  EXPECT_EQ(delivered_again, uncommitted_batch) << "exactly the uncommitted batch comes again";
  for (const auto& id : committed_batch) EXPECT_EQ(delivered_again.count(id), 0u) << "a committed event came again";
}

}  // namespace
}  // namespace agora::bus
