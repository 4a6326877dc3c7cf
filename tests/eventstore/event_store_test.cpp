// Unit tests of the event store on a real RocksDB in a temporary directory.

#include "eventstore/event_store.hpp"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "common/clock.hpp"
#include "common/config.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/option_checks.hpp"

namespace agora::eventstore {
namespace {

new_event make_event(std::string type, std::string data = R"({"n":1})") {
  new_event e;
  e.type = std::move(type);
  e.data = std::move(data);
  return e;
}

std::vector<new_event> events_of(std::size_t n, const std::string& type = "Happened") {
  std::vector<new_event> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(make_event(type, R"({"i":)" + std::to_string(i) + "}"));
  return v;
}

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen(store_options o = {}) {
    store_.reset();
    o.path = dir_.sub("store");
    auto r = event_store::open(o, clock_);
    ASSERT_TRUE(r) << r.error().message;
    store_ = std::move(*r);
  }

  testing::temp_dir dir_;
  manual_clock clock_{1'700'000'000'000'000};
  std::unique_ptr<event_store> store_;
};

TEST_F(EventStoreTest, ItsThreadsAreNamedForTopAndPerf) {
  auto names = [] {
    std::set<std::string> out;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream in(task.path() / "comm");
      std::string name;
      std::getline(in, name);
      out.insert(name);
    }
    return out;
  };
  // Each thread names itself as it starts, which may be just after open().
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    seen = names();
    if (seen.count("store-writer") && seen.count("store-syncer")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(seen.count("store-writer"), 1u);
  EXPECT_EQ(seen.count("store-syncer"), 1u);
}

TEST_F(EventStoreTest, AppendToNewStreamAssignsVersionsAndPositions) {
  auto r = store_->append("order-1", expected_version::no_stream(), events_of(3));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->version, 3u);
  EXPECT_EQ(r->first_position, 1u);
  EXPECT_EQ(r->last_position, 3u);
  EXPECT_EQ(store_->last_position(), 3u);

  auto r2 = store_->append("order-2", expected_version::no_stream(), events_of(2));
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->version, 2u);
  EXPECT_EQ(r2->first_position, 4u);
  EXPECT_EQ(r2->last_position, 5u);
  auto v = store_->current_version("order-1");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 3u);
}

TEST_F(EventStoreTest, ExpectedVersionConflictsReportTheActualVersion) {
  ASSERT_TRUE(store_->append("s", expected_version::no_stream(), events_of(2)));

  auto again = store_->append("s", expected_version::no_stream(), events_of(1));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, errc::wrong_expected_version);
  EXPECT_EQ(again.error().actual_version, 2u);

  auto stale = store_->append("s", expected_version::exact(1), events_of(1));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, errc::wrong_expected_version);
  EXPECT_EQ(stale.error().actual_version, 2u);

  auto ahead = store_->append("s", expected_version::exact(5), events_of(1));
  ASSERT_FALSE(ahead);
  EXPECT_EQ(ahead.error().actual_version, 2u);

  auto exact = store_->append("s", expected_version::exact(2), events_of(1));
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->version, 3u);
  auto any = store_->append("s", expected_version::any(), events_of(1));
  ASSERT_TRUE(any);
  EXPECT_EQ(any->version, 4u);
  // Failed appends consumed no positions.
  EXPECT_EQ(store_->last_position(), 4u);
  auto exact_missing = store_->append("missing", expected_version::exact(1), events_of(1));
  ASSERT_FALSE(exact_missing);
  EXPECT_EQ(exact_missing.error().actual_version, 0u);
}

TEST_F(EventStoreTest, EmptyAppendChecksTheVersionAndWritesNothing) {
  ASSERT_TRUE(store_->append("s", expected_version::any(), events_of(2)));
  auto ok = store_->append("s", expected_version::exact(2), {});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->version, 2u);
  EXPECT_EQ(ok->first_position, 0u);
  auto bad = store_->append("s", expected_version::exact(1), {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::wrong_expected_version);
  EXPECT_EQ(store_->last_position(), 2u);
}

TEST_F(EventStoreTest, RejectsBadStreamIdsAndWritesNothing) {
  const std::string with_nul("ord\0er", 6);
  const std::vector<std::string> bad = {"", std::string(257, 'x'), with_nul, "line\nbreak",
                                        std::string("tab\there"), std::string(1, '\x7f')};
  for (const auto& id : bad) {
    auto r = store_->append(id, expected_version::any(), events_of(1));
    ASSERT_FALSE(r) << "accepted stream id of size " << id.size();
    EXPECT_EQ(r.error().code, errc::invalid_stream_id) << r.error().message;
  }
  EXPECT_TRUE(store_->append(std::string(256, 'x'), expected_version::any(), events_of(1)));
  EXPECT_TRUE(store_->append("caf\xc3\xa9-1", expected_version::any(), events_of(1)));
  EXPECT_EQ(store_->last_position(), 2u);
  auto read = store_->read_stream(with_nul, 1, 10);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, errc::invalid_stream_id);
}

TEST_F(EventStoreTest, RejectsBadEventsAndWritesNothing) {
  struct bad_case {
    const char* name;
    new_event e;
    errc code;
  };
  new_event long_meta = make_event("T");
  long_meta.correlation_id.assign(300, 'c');
  std::vector<bad_case> cases = {
      {"empty type", make_event(""), errc::invalid_event},
      {"type with space", make_event("Order Placed"), errc::invalid_event},
      {"type too long", make_event(std::string(129, 'T')), errc::invalid_event},
      {"data not json", make_event("T", "{not json"), errc::invalid_event},
      {"data empty", make_event("T", ""), errc::invalid_event},
      {"data truncated", make_event("T", R"({"a":)"), errc::invalid_event},
      {"metadata too long", long_meta, errc::invalid_event},
      {"data too large", make_event("T", "\"" + std::string(1u << 20, 'x') + "\""), errc::too_large},
  };
  for (auto& c : cases) {
    // A good event first: the whole append must be refused, not just the bad one.
    std::vector<new_event> evs = {make_event("Good"), c.e};
    auto r = store_->append("s", expected_version::any(), std::move(evs));
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name << ": " << r.error().message;
  }
  store_options o;
  o.max_events_per_append = 5;
  reopen(o);
  auto many = store_->append("s", expected_version::any(), events_of(6));
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code, errc::too_large);
  EXPECT_EQ(store_->last_position(), 0u);
  auto v = store_->current_version("s");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 0u);
}

TEST_F(EventStoreTest, EnvelopeFieldsRoundTrip) {
  new_event e = make_event("OrderPlaced", R"({"total":1299,"note":"caf\u00e9 \"quoted\""})");
  e.id = *uuid::parse("0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b");
  e.schema_version = 3;
  e.correlation_id = "req-42";
  e.causation_id = "cmd-7";
  e.actor = "user-9";
  e.timestamp = 1234567;
  new_event defaults = make_event("OrderConfirmed");
  ASSERT_TRUE(store_->append("order-abc", expected_version::no_stream(), {e, defaults}));

  auto read = store_->read_stream("order-abc", 1, 10);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->size(), 2u);
  const auto& a = (*read)[0];
  EXPECT_EQ(a.id, e.id);
  EXPECT_EQ(a.stream, "order-abc");
  EXPECT_EQ(a.version, 1u);
  EXPECT_EQ(a.position, 1u);
  EXPECT_EQ(a.type, "OrderPlaced");
  EXPECT_EQ(a.schema_version, 3u);
  EXPECT_EQ(a.timestamp, 1234567);
  EXPECT_EQ(a.correlation_id, "req-42");
  EXPECT_EQ(a.causation_id, "cmd-7");
  EXPECT_EQ(a.actor, "user-9");
  EXPECT_EQ(a.data, e.data);
  const auto& b = (*read)[1];
  EXPECT_EQ(b.id.version(), 7) << "an unset id becomes a time-ordered uuid";
  EXPECT_EQ(b.timestamp, clock_.now()) << "an unset timestamp comes from the store's clock";
  EXPECT_EQ(b.schema_version, 1u);
  EXPECT_TRUE(b.correlation_id.empty());
}

TEST_F(EventStoreTest, ReadStreamHonoursFromVersionAndMaxAndKeepsStreamsApart) {
  ASSERT_TRUE(store_->append("s1", expected_version::any(), events_of(5)));
  ASSERT_TRUE(store_->append("s10", expected_version::any(), events_of(3)));
  ASSERT_TRUE(store_->append("s1", expected_version::any(), events_of(2)));

  auto all = store_->read_stream("s1", 1, 100);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 7u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].version, i + 1);
    EXPECT_EQ((*all)[i].stream, "s1");
  }
  EXPECT_EQ((*all)[5].position, 9u);

  auto middle = store_->read_stream("s1", 3, 2);
  ASSERT_TRUE(middle);
  ASSERT_EQ(middle->size(), 2u);
  EXPECT_EQ((*middle)[0].version, 3u);
  EXPECT_EQ((*middle)[1].version, 4u);

  auto past_end = store_->read_stream("s1", 8, 10);
  ASSERT_TRUE(past_end);
  EXPECT_TRUE(past_end->empty());
  auto unknown = store_->read_stream("s", 1, 10);
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->empty());
}

TEST_F(EventStoreTest, ReadLogIsInCommitOrderAcrossStreams) {
  ASSERT_TRUE(store_->append("a", expected_version::any(), events_of(2, "A")));
  ASSERT_TRUE(store_->append("b", expected_version::any(), events_of(1, "B")));
  ASSERT_TRUE(store_->append("a", expected_version::any(), events_of(1, "A")));

  auto log = store_->read_log(1, 100);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 4u);
  const std::vector<std::pair<std::string, stream_version>> want = {{"a", 1}, {"a", 2}, {"b", 1}, {"a", 3}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*log)[i].position, i + 1);
    EXPECT_EQ((*log)[i].stream, want[i].first);
    EXPECT_EQ((*log)[i].version, want[i].second);
  }
  auto tail = store_->read_log(3, 1);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ((*tail)[0].stream, "b");

  std::size_t seen = 0;
  auto n = store_->scan_log(0, 100, [&seen](const event_view& v) {
    ++seen;
    return v.position < 2;
  });
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(seen, 2u);
}

TEST_F(EventStoreTest, SnapshotsAndCheckpoints) {
  auto none = store_->get_snapshot("order-1");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store_->put_snapshot("order-1", snapshot{5, 2, std::string("st\0ate", 6)}));
  ASSERT_TRUE(store_->put_snapshot("order-1", snapshot{9, 2, "newer"}));
  auto snap = store_->get_snapshot("order-1");
  ASSERT_TRUE(snap);
  ASSERT_TRUE(snap->has_value());
  EXPECT_EQ((*snap)->version, 9u);
  EXPECT_EQ((*snap)->schema_version, 2u);
  EXPECT_EQ((*snap)->state, "newer");
  EXPECT_FALSE(store_->put_snapshot("", snapshot{1, 1, "x"}));

  auto cp = store_->get_checkpoint("projection.catalog");
  ASSERT_TRUE(cp);
  EXPECT_FALSE(cp->has_value());
  ASSERT_TRUE(store_->put_checkpoint("projection.catalog", 42));
  ASSERT_TRUE(store_->put_checkpoint("outbox", 7));
  cp = store_->get_checkpoint("projection.catalog");
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->value(), 42u);
  auto bad = store_->put_checkpoint("", 1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_argument);
}

TEST_F(EventStoreTest, ReopenKeepsEverythingAndContinuesNumbering) {
  ASSERT_TRUE(store_->append("s", expected_version::no_stream(), events_of(3)));
  ASSERT_TRUE(store_->put_checkpoint("c", 2));
  ASSERT_TRUE(store_->put_snapshot("s", snapshot{3, 1, "{}"}));
  reopen();
  EXPECT_EQ(store_->last_position(), 3u);
  auto stale = store_->append("s", expected_version::exact(2), events_of(1));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().actual_version, 3u);
  auto r = store_->append("s", expected_version::exact(3), events_of(1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, 4u);
  EXPECT_EQ(r->first_position, 4u);
  auto cp = store_->get_checkpoint("c");
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->value(), 2u);
  auto snap = store_->get_snapshot("s");
  ASSERT_TRUE(snap && snap->has_value());
  auto rep = store_->verify();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok);
  EXPECT_EQ(rep->events, 4u);
}

TEST_F(EventStoreTest, SecondWriterOnTheSameDirectoryIsRefused) {
  store_options o;
  o.path = dir_.sub("store");
  auto second = event_store::open(o, clock_);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, errc::open_failed);
}

TEST_F(EventStoreTest, ReadOnlyOpenReadsButRefusesWrites) {
  ASSERT_TRUE(store_->append("s", expected_version::any(), events_of(2)));
  store_.reset();
  store_options o;
  o.path = dir_.sub("store");
  o.mode = open_mode::read_only;
  auto ro = event_store::open(o, clock_);
  ASSERT_TRUE(ro) << ro.error().message;
  EXPECT_EQ((*ro)->last_position(), 2u);
  auto w = (*ro)->append("s", expected_version::any(), events_of(1));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, errc::invalid_argument);
  auto log = (*ro)->read_log(1, 10);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->size(), 2u);
}

TEST_F(EventStoreTest, CommitListenersAndWaitForPosition) {
  std::mutex mu;
  std::vector<log_position> seen;
  auto sub = store_->subscribe([&](log_position p) {
    std::lock_guard<std::mutex> lk(mu);
    seen.push_back(p);
  });
  ASSERT_TRUE(store_->append("s", expected_version::any(), events_of(2)));
  ASSERT_TRUE(store_->append("s", expected_version::any(), events_of(1)));
  {
    std::lock_guard<std::mutex> lk(mu);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back(), 3u);
  }
  sub.reset();
  ASSERT_TRUE(store_->append("s", expected_version::any(), events_of(1)));
  {
    std::lock_guard<std::mutex> lk(mu);
    EXPECT_EQ(seen.back(), 3u) << "no call after reset()";
  }

  EXPECT_FALSE(store_->wait_for_position(10, std::chrono::milliseconds(20)));
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(store_->append("t", expected_version::any(), events_of(6)));
  });
  EXPECT_TRUE(store_->wait_for_position(10, std::chrono::seconds(10)));
  writer.join();
}

// Holds the writer thread inside a commit listener until released, so tests can
// fill the queue deterministically.
struct writer_gate {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool open = false;
  void wait_in_listener() {
    std::unique_lock<std::mutex> lk(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lk, [this] { return open; });
  }
  void wait_until_entered() {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [this] { return entered; });
  }
  void release() {
    std::lock_guard<std::mutex> lk(mu);
    open = true;
    cv.notify_all();
  }
};

TEST_F(EventStoreTest, FullQueueAnswersOverloadedAtOnce) {
  store_options o;
  o.max_queued_appends = 4;
  // Unsynced, commit listeners run on the writer thread itself, so the gate
  // below stops the writer and the queue fills deterministically.
  o.sync = false;
  reopen(o);
  writer_gate gate;
  auto sub = store_->subscribe([&gate](log_position) { gate.wait_in_listener(); });

  std::atomic<int> ok{0}, overloaded{0};
  auto count = [&](store_result<append_result> r) {
    if (r) ++ok;
    else if (r.error().code == errc::overloaded) ++overloaded;
  };
  store_->async_append("s", expected_version::any(), events_of(1), count);
  gate.wait_until_entered();  // the writer is now stuck after its first batch
  for (int i = 0; i < 4; ++i) store_->async_append("s", expected_version::any(), events_of(1), count);
  EXPECT_EQ(overloaded.load(), 0);
  store_->async_append("s", expected_version::any(), events_of(1), count);
  EXPECT_EQ(overloaded.load(), 1) << "the fifth queued append is refused synchronously";
  EXPECT_EQ(store_->stats().queued_appends, 4u);
  gate.release();  // before anything waits for the writer
  sub.reset();
}

TEST_F(EventStoreTest, AppendsQueuedAtCloseAreWrittenAndAnswered) {
  store_options o;
  o.sync = false;  // the gate then holds the writer itself (see above)
  reopen(o);
  writer_gate gate;
  auto sub = std::make_unique<subscription>(store_->subscribe([&gate](log_position) { gate.wait_in_listener(); }));
  std::atomic<int> ok{0};
  auto count = [&ok](store_result<append_result> r) { ok += r ? 1 : 0; };
  store_->async_append("s", expected_version::any(), events_of(1), count);
  gate.wait_until_entered();
  for (int i = 0; i < 20; ++i) store_->async_append("s", expected_version::any(), events_of(1), count);
  std::thread closer([this] { store_.reset(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  gate.release();
  closer.join();
  EXPECT_EQ(ok.load(), 21);
  sub.reset();
  reopen();
  EXPECT_EQ(store_->last_position(), 21u);
}

TEST_F(EventStoreTest, ReadersNeverSeeWrittenButUnsyncedEvents) {
  // Sync on (the default): batches are written first and synced by a second
  // thread. Holding that thread in a commit listener leaves later batches
  // written to RocksDB but not yet durable; no read may show them.
  writer_gate gate;
  auto sub = store_->subscribe([&gate](log_position) { gate.wait_in_listener(); });
  std::atomic<int> answered{0};
  auto count = [&answered](store_result<append_result> r) {
    EXPECT_TRUE(r);
    ++answered;
  };
  store_->async_append("s", expected_version::any(), events_of(1), count);
  gate.wait_until_entered();  // position 1 is durable; the syncer is held
  store_->async_append("s", expected_version::any(), events_of(1), count);
  store_->async_append("s", expected_version::any(), events_of(1), count);
  for (int i = 0; i < 1000 && store_->stats().events < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(store_->stats().events, 3u) << "the writer should have written all three";

  EXPECT_EQ(store_->last_position(), 1u);
  auto log = store_->read_log(1, 100);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->size(), 1u);
  auto stream = store_->read_stream("s", 1, 100);
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->size(), 1u);
  auto version = store_->current_version("s");
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, 3u) << "the version the next append is checked against";
  EXPECT_EQ(answered.load(), 0) << "nothing is answered before its sync";

  gate.release();
  sub.reset();
  EXPECT_TRUE(store_->wait_for_position(3, std::chrono::seconds(10)));
  log = store_->read_log(1, 100);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->size(), 3u);
}

TEST_F(EventStoreTest, ClosingAnswersEveryAcceptedAppendAndKeepsIt) {
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        store_->async_append("c-" + std::to_string(t), expected_version::any(), events_of(1),
                             [&](store_result<append_result> r) { (r ? ok : refused)++; });
      }
    });
  }
  for (auto& th : threads) th.join();
  store_.reset();  // closes with appends queued, written and being synced
  EXPECT_EQ(ok.load(), 800);
  EXPECT_EQ(refused.load(), 0);
  reopen();
  EXPECT_EQ(store_->last_position(), 800u);
  auto rep = store_->verify();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok);
}

TEST_F(EventStoreTest, ConcurrentAppendersToOneStreamNeverShareAVersion) {
  constexpr int kThreads = 8;
  constexpr int kAppendsEach = 100;
  std::atomic<int> conflicts{0};
  std::mutex mu;
  std::set<stream_version> won;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsEach;) {
        auto v = store_->current_version("hot");
        ASSERT_TRUE(v);
        auto r = store_->append("hot", expected_version::exact(*v),
                                {make_event("T", "{\"t\":" + std::to_string(t) + "}")});
        if (r) {
          std::lock_guard<std::mutex> lk(mu);
          EXPECT_TRUE(won.insert(r->version).second) << "version " << r->version << " granted twice";
          EXPECT_EQ(r->version, *v + 1);
          ++i;
        } else {
          ASSERT_EQ(r.error().code, errc::wrong_expected_version);
          EXPECT_GT(r.error().actual_version, *v);
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(won.size(), static_cast<std::size_t>(kThreads * kAppendsEach));
  EXPECT_EQ(*won.rbegin(), static_cast<stream_version>(kThreads * kAppendsEach));
  auto rep = store_->verify();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << (rep->problems.empty() ? "" : rep->problems[0]);
  EXPECT_EQ(rep->events, static_cast<std::uint64_t>(kThreads * kAppendsEach));
}

TEST_F(EventStoreTest, ConcurrentAppendersToManyStreamsAreGroupCommitted) {
  constexpr int kThreads = 32;
  constexpr int kAppendsEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string stream = "item-" + std::to_string(t);
      for (int i = 0; i < kAppendsEach; ++i) {
        auto r = store_->append(stream, expected_version::exact(static_cast<stream_version>(2 * i)), events_of(2));
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_EQ(r->version, static_cast<stream_version>(2 * i + 2));
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto st = store_->stats();
  EXPECT_EQ(st.appends, static_cast<std::uint64_t>(kThreads * kAppendsEach));
  EXPECT_EQ(st.events, static_cast<std::uint64_t>(2 * kThreads * kAppendsEach));
  EXPECT_LT(st.batches, st.appends) << "concurrent appends should share synced writes";
  EXPECT_GT(st.sync_writes, 0u);
  EXPECT_LE(st.sync_writes, st.batches) << "one WAL sync covers one or more written batches";
  auto rep = store_->verify();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok);
  EXPECT_EQ(rep->streams, static_cast<std::uint64_t>(kThreads));
}

TEST_F(EventStoreTest, VerifyFindsAGapInTheLog) {
  ASSERT_TRUE(store_->append("s", expected_version::any(), events_of(3)));
  store_.reset();
  {
    // Damage the log behind the store's back: delete position 2.
    rocksdb::DBOptions dbo;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* n : {"default", "log", "streams", "snapshots", "checkpoints", "wakeups"}) {
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> hs;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(dbo, dir_.sub("store"), cfs, &hs, &db).ok());
    const char key[8] = {0, 0, 0, 0, 0, 0, 0, 2};
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), hs[1], rocksdb::Slice(key, 8)).ok());
    for (auto* h : hs) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    ASSERT_TRUE(db->Close().ok());
    delete db;
  }
  reopen();
  auto rep = store_->verify();
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  ASSERT_FALSE(rep->problems.empty());
}

TEST_F(EventStoreTest, WakeupsAreWrittenWithTheirAppendOnly) {
  append_options set;
  set.wakeup = append_options::wakeup_change::set;
  set.wakeup_at = 1234;
  std::promise<bool> done;
  store_->async_append("inventory-A", expected_version::any(), events_of(1),
                       [&done](store_result<append_result> r) { done.set_value(r.has_value()); }, set);
  ASSERT_TRUE(done.get_future().get());
  // A failed append leaves wake-ups as they were.
  std::promise<bool> failed;
  store_->async_append("inventory-B", expected_version::exact(9), events_of(1),
                       [&failed](store_result<append_result> r) { failed.set_value(r.has_value()); }, set);
  ASSERT_FALSE(failed.get_future().get());
  auto list = store_->list_wakeups(10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].stream, "inventory-A");
  EXPECT_EQ((*list)[0].due, 1234);

  append_options clear;
  clear.wakeup = append_options::wakeup_change::clear;
  std::promise<bool> cleared;
  store_->async_append("inventory-A", expected_version::any(), events_of(1),
                       [&cleared](store_result<append_result> r) { cleared.set_value(r.has_value()); }, clear);
  ASSERT_TRUE(cleared.get_future().get());
  ASSERT_TRUE(store_->set_wakeup("order-1", 0));
  reopen();
  list = store_->list_wakeups(10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].stream, "order-1");
  ASSERT_TRUE(store_->set_wakeup("order-1", std::nullopt));
  list = store_->list_wakeups(10);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

TEST(ExpectedVersion, Matches) {
  EXPECT_TRUE(expected_version::any().matches(0));
  EXPECT_TRUE(expected_version::any().matches(17));
  EXPECT_TRUE(expected_version::no_stream().matches(0));
  EXPECT_FALSE(expected_version::no_stream().matches(1));
  EXPECT_TRUE(expected_version::exact(3).matches(3));
  EXPECT_FALSE(expected_version::exact(3).matches(4));
  EXPECT_EQ(expected_version::no_stream().to_string(), "no_stream");
  EXPECT_EQ(expected_version::exact(3).to_string(), "3");
}

// Out-of-range store.* values are refused by from_config, naming the key,
// rather than reaching open() (or being cast from a negative to a huge limit).
TEST(StoreOptions, FromConfigRefusesOutOfRangeValuesNamingTheKey) {
  testing::expect_each_refused_naming_the_key(
      {{"store.max_batch_appends", "0"}, {"store.max_queued_appends", "0"}, {"store.max_queued_appends", "-1"}, {"store.max_event_bytes", "0"}, {"store.max_event_bytes", "8GiB"}, {"store.max_events_per_append", "-3"}, {"store.rocksdb.max_background_jobs", "0"}},
      [](config& cfg) { return store_options::from_config(cfg); });
  config defaults;
  const auto o = store_options::from_config(defaults);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->max_batch_appends, store_options{}.max_batch_appends);
}

// Options built by hand meet the same check when the store opens.
TEST(StoreOptions, OpenRefusesOutOfRangeOptionsNamingTheKey) {
  testing::temp_dir dir;
  store_options o;
  o.path = dir.sub("store");
  o.max_batch_appends = 0;
  auto r = event_store::open(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_NE(r.error().message.find("store.max_batch_appends"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace agora::eventstore
