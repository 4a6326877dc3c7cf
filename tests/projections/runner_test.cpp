// The runner: change notices, read-your-writes waits, rebuilds, snapshot
// immutability and concurrent readers.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "tests/projections/fixture.hpp"

namespace agora::projections::testing {
namespace {

class RunnerTest : public ProjectionTest {
 protected:
  // Collects change batches delivered on the runner thread.
  struct collector {
    std::mutex mu;
    std::vector<change_batch> batches;

    std::vector<event_notice> events() {
      std::lock_guard<std::mutex> lk(mu);
      std::vector<event_notice> out;
      for (const auto& b : batches) out.insert(out.end(), b.events.begin(), b.events.end());
      return out;
    }
    std::vector<std::string> tags() {
      std::lock_guard<std::mutex> lk(mu);
      std::vector<std::string> out;
      for (const auto& b : batches) out.insert(out.end(), b.tags.begin(), b.tags.end());
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      return out;
    }
    void clear() {
      std::lock_guard<std::mutex> lk(mu);
      batches.clear();
    }
  };

  change_subscription listen(collector& c) {
    return runner_->subscribe([&c](const change_batch& b) {
      std::lock_guard<std::mutex> lk(c.mu);
      c.batches.push_back(b);
    });
  }

  static bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }
};

TEST_F(RunnerTest, ChangeNoticesTagAndRouteEveryEventKind) {
  start_runner();
  collector col;
  auto sub = listen(col);

  product({created("p1", "S1", "Shoe")}, "p1");
  sync();
  auto tags = col.tags();
  EXPECT_TRUE(has(tags, "product:p1"));
  EXPECT_TRUE(has(tags, "catalog"));
  EXPECT_TRUE(has(tags, "dashboard"));
  auto ev = col.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].stream, "product-p1");
  EXPECT_EQ(ev[0].type, "ProductCreated");
  EXPECT_EQ(ev[0].position, 1u);
  EXPECT_EQ(ev[0].version, 1u);
  EXPECT_EQ(ev[0].channels, (std::vector<std::string>{"product:p1", "broadcast"}));
  EXPECT_NE(ev[0].data.find("Shoe"), std::string::npos);
  col.clear();

  inventory({registered("S1", 3, 2)}, "S1");  // available 3 > 2: not low
  inventory({id::stock_reserved{"o1", 2, kT0}, id::low_stock_reached{"S1", 1, 2, kT0}}, "S1");
  sync();
  tags = col.tags();
  EXPECT_TRUE(has(tags, "sku:S1"));
  EXPECT_TRUE(has(tags, "product:p1"));
  EXPECT_TRUE(has(tags, "catalog"));
  EXPECT_TRUE(has(tags, "low_stock"));
  EXPECT_TRUE(has(tags, "dashboard"));
  ev = col.events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[2].type, "LowStockReached");
  EXPECT_EQ(ev[2].channels, (std::vector<std::string>{"admin", "product:p1"}));
  col.clear();

  order({placed("o1", "c1", {line("S1", 2, 100)})}, "o1");
  order({od::line_reserved{"S1", kT0}}, "o1");
  sync();
  tags = col.tags();
  EXPECT_TRUE(has(tags, "order:o1"));
  EXPECT_TRUE(has(tags, "orders:customer:c1"));
  EXPECT_TRUE(has(tags, "orders:all"));
  ev = col.events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].type, "LineReserved");
  EXPECT_EQ(ev[1].channels, (std::vector<std::string>{"user:c1", "admin"}));
  col.clear();

  cart({ct::cart_created{"k1", "c1", kT0}}, "k1");
  cart({ct::cart_cleared{kT0}}, "k1");
  sync();
  ev = col.events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].channels, (std::vector<std::string>{"user:c1"}));
  EXPECT_TRUE(col.tags().empty());
  col.clear();

  customer({account("c9", "z@x.io")}, "c9");
  sync();
  tags = col.tags();
  EXPECT_EQ(tags, (std::vector<std::string>{"customer:c9", "dashboard"}));
  ev = col.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].data.empty()) << "customer event data carries the password hash";
  EXPECT_EQ(ev[0].channels, (std::vector<std::string>{"user:c9", "admin"}));

  // Every batch's position is published before its listeners run.
  std::lock_guard<std::mutex> lk(col.mu);
  for (const auto& b : col.batches) EXPECT_LE(b.position, runner_->position());
}

TEST_F(RunnerTest, TheRoutedHistoryGivesWhatListenersGotAndNoMoreThanItKeeps) {
  runner_options o;
  o.history_events = 4;
  start_runner(o);
  collector col;
  auto sub = listen(col);
  product({created("p1", "S1", "Lamp")}, "p1");
  inventory({registered("S1", 5, 1)}, "S1");
  customer({cd::customer_registered{"c1", "c1@x.y", "hash", "C", cd::role::customer, kT0}}, "c1");
  const auto last = product({pd::product_price_changed{{1000, "EUR"}, {900, "EUR"}, kT0}}, "p1");
  ASSERT_TRUE(runner_->wait_for_position(last, std::chrono::seconds(10)));
  // The same notices as the listener got, channels, data and all.
  auto all = runner_->read_notices(0, last, 100);
  ASSERT_TRUE(all);
  const auto live = col.events();
  ASSERT_EQ(all->size(), live.size());
  for (std::size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ((*all)[i].position, live[i].position);
    EXPECT_EQ((*all)[i].channels, live[i].channels);
    EXPECT_EQ((*all)[i].data, live[i].data);
  }
  // A range: after 2 up to 3.
  auto mid = runner_->read_notices(2, 3, 100);
  ASSERT_TRUE(mid);
  ASSERT_EQ(mid->size(), 1u);
  EXPECT_EQ(mid->front().position, 3u);
  EXPECT_EQ(runner_->read_notices(0, last, 2).error(), history_error::too_many);
  // One more event: the oldest is forgotten, and a range from before it is
  // refused rather than answered with a gap.
  const auto next = product({pd::product_price_changed{{900, "EUR"}, {800, "EUR"}, kT0}}, "p1");
  ASSERT_TRUE(runner_->wait_for_position(next, std::chrono::seconds(10)));
  EXPECT_EQ(runner_->read_notices(0, next, 100).error(), history_error::too_old);
  auto recent = runner_->read_notices(1, next, 100);
  ASSERT_TRUE(recent);
  EXPECT_EQ(recent->size(), 4u);
}

TEST_F(RunnerTest, WithoutAHistoryReadNoticesIsTooOld) {
  start_runner();
  const auto last = product({created("p1", "S1", "Lamp")}, "p1");
  ASSERT_TRUE(runner_->wait_for_position(last, std::chrono::seconds(10)));
  EXPECT_EQ(runner_->read_notices(0, last, 100).error(), history_error::too_old);
  EXPECT_TRUE(runner_->read_notices(last, last, 100));  // an empty range needs nothing
}

TEST_F(RunnerTest, WaitForAnswersReachedPositionsAndTimesOut) {
  start_runner();
  const auto pos = product({created("p1", "S1", "Shoe")}, "p1");
  EXPECT_TRUE(runner_->wait_for_position(pos, kWait));
  // Already applied: answered on the calling thread at once.
  bool inline_answer = false;
  runner_->wait_for(pos, std::chrono::milliseconds(0), [&](bool r) { inline_answer = r; });
  EXPECT_TRUE(inline_answer);

  // Not reached: answered false after the timeout, from the runner thread.
  std::mutex mu;
  std::condition_variable cv;
  std::optional<bool> answer;
  const auto t0 = std::chrono::steady_clock::now();
  runner_->wait_for(pos + 10, std::chrono::milliseconds(100), [&](bool r) {
    std::lock_guard<std::mutex> lk(mu);
    answer = r;
    cv.notify_all();
  });
  {
    std::unique_lock<std::mutex> lk(mu);
    ASSERT_TRUE(cv.wait_for(lk, kWait, [&] { return answer.has_value(); }));
  }
  EXPECT_FALSE(*answer);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
  EXPECT_FALSE(runner_->wait_for_position(pos + 10, std::chrono::milliseconds(50)));

  // A wait for a future position is answered true once it is appended.
  std::atomic<int> result{-1};
  runner_->wait_for(pos + 1, kWait, [&](bool r) { result = r ? 1 : 0; });
  product({created("p2", "S2", "Hat")}, "p2");
  EXPECT_TRUE(runner_->wait_for_position(pos + 1, kWait));
  for (int i = 0; i < 1000 && result.load() == -1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(result.load(), 1);

  // Stopping answers pending waits false.
  std::atomic<int> stopped{-1};
  runner_->wait_for(pos + 100, kWait, [&](bool r) { stopped = r ? 1 : 0; });
  runner_->stop();
  EXPECT_EQ(stopped.load(), 0);
}

TEST_F(RunnerTest, APositionIsReachedOnlyOnceTheChangeListenersHaveReturned) {
  // The HTTP cache is cleared by a change listener; a read-your-writes wait
  // answered before that listener returns could serve a stale cached answer.
  // Hold the listener on a gate and check that neither wait_for nor position()
  // report the batch's position until it is released.
  start_runner();
  const auto first = product({created("p1", "S1", "Shoe")}, "p1");
  ASSERT_TRUE(runner_->wait_for_position(first, kWait));

  struct gate {
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false;
    bool open = false;
    std::optional<bool> answer;
  };
  auto g = std::make_shared<gate>();
  const eventstore::log_position target = first + 1;
  auto sub = runner_->subscribe([g, target](const change_batch& b) {
    if (b.position < target) return;
    std::unique_lock<std::mutex> lk(g->mu);
    g->entered = true;
    g->cv.notify_all();
    g->cv.wait(lk, [&] { return g->open; });
  });
  // Released whatever happens below, so the runner thread never stays stuck.
  struct opener {
    std::shared_ptr<gate> g;
    ~opener() {
      std::lock_guard<std::mutex> lk(g->mu);
      g->open = true;
      g->cv.notify_all();
    }
  } release{g};

  ASSERT_EQ(product({created("p2", "S2", "Hat")}, "p2"), target);
  {
    std::unique_lock<std::mutex> lk(g->mu);
    ASSERT_TRUE(g->cv.wait_for(lk, kWait, [&] { return g->entered; })) << "the listener never ran";
  }
  // The listener is held: the models are published, the listeners are not done.
  EXPECT_LT(runner_->position(), target);
  runner_->wait_for(target, kWait, [g](bool r) {
    std::lock_guard<std::mutex> lk(g->mu);
    g->answer = r;
    g->cv.notify_all();
  });
  {
    std::lock_guard<std::mutex> lk(g->mu);
    EXPECT_FALSE(g->answer.has_value()) << "wait_for answered while a change listener was still running";
    g->open = true;
    g->cv.notify_all();
  }
  {
    std::unique_lock<std::mutex> lk(g->mu);
    ASSERT_TRUE(g->cv.wait_for(lk, kWait, [&] { return g->answer.has_value(); }));
    EXPECT_TRUE(*g->answer);
  }
  EXPECT_GE(runner_->position(), target);
  sub.reset();
}

TEST_F(RunnerTest, AShortWaitAddedWhileTheRunnerSleepsOnALongOneEndsOnTime) {
  // The runner sleeps until the earliest deadline and is woken only by a wait
  // that moves it sooner. So: let it fall asleep on a long wait, then add a
  // short one (it must end on time, not at the long one's deadline) and one a
  // little longer that moves nothing (it must end on time too).
  start_runner();
  const auto pos = product({created("p1", "S1", "Shoe")}, "p1");
  ASSERT_TRUE(runner_->wait_for_position(pos, kWait));
  // Shared with the callbacks: the long wait outlives an early return.
  struct answers {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<bool> long_wait, short_wait, later_wait;
  };
  auto a = std::make_shared<answers>();
  auto record = [a](std::optional<bool> answers::*slot) {
    return [a, slot](bool r) {
      std::lock_guard<std::mutex> lk(a->mu);
      (*a).*slot = r;
      a->cv.notify_all();
    };
  };
  runner_->wait_for(pos + 10, std::chrono::seconds(30), record(&answers::long_wait));
  // Longer than the runner's idle sleep (1 s): by now it sleeps until the
  // long wait's deadline, whether or not that wait woke it.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const auto t0 = std::chrono::steady_clock::now();
  runner_->wait_for(pos + 10, std::chrono::milliseconds(100), record(&answers::short_wait));
  runner_->wait_for(pos + 10, std::chrono::milliseconds(300), record(&answers::later_wait));
  {
    std::unique_lock<std::mutex> lk(a->mu);
    ASSERT_TRUE(a->cv.wait_for(lk, std::chrono::seconds(3), [&] { return a->short_wait.has_value(); }))
        << "a wait that moved the earliest deadline did not wake the runner";
    EXPECT_FALSE(*a->short_wait);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100));
    ASSERT_TRUE(a->cv.wait_for(lk, std::chrono::seconds(3), [&] { return a->later_wait.has_value(); }));
    EXPECT_FALSE(*a->later_wait);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
    EXPECT_FALSE(a->long_wait.has_value());
  }
  runner_->stop();
  std::lock_guard<std::mutex> lk(a->mu);
  ASSERT_TRUE(a->long_wait.has_value());
  EXPECT_FALSE(*a->long_wait);
}

TEST_F(RunnerTest, HeldSnapshotsNeverChange) {
  start_runner();
  product({created("p1", "S1", "Shoe", "", "shoes", 100)}, "p1");
  inventory({registered("S1", 10)}, "S1");
  order({placed("o1", "c1", {line("S1", 1, 100)})}, "o1");
  sync();
  auto cat = runner_->catalog();
  auto ord = runner_->orders();
  auto dash = runner_->dashboard();
  const auto p = cat->position();

  product({pd::product_price_changed{{100, "EUR"}, {200, "EUR"}, kT0}}, "p1");
  product({created("p2", "S2", "Shoe two", "", "shoes")}, "p2");
  inventory({id::stock_reserved{"o1", 4, kT0}}, "S1");
  order({od::order_confirmed{kT0}}, "o1");
  sync();

  EXPECT_EQ(cat->position(), p);
  EXPECT_EQ(cat->product("p1")->product->price, 100);
  EXPECT_EQ(cat->product("p1")->stock->available, 10);
  EXPECT_FALSE(cat->product("p2"));
  EXPECT_EQ(cat->search({"shoe", "", false, 20, ""}).items.size(), 1u);
  EXPECT_EQ(ord->order("o1")->status, "pending");
  EXPECT_EQ(dash->orders_by_status.at("pending"), 1u);

  auto now = runner_->catalog();
  EXPECT_EQ(now->product("p1")->product->price, 200);
  EXPECT_EQ(now->product("p1")->stock->available, 6);
  EXPECT_EQ(now->search({"shoe", "", false, 20, ""}).items.size(), 2u);
  EXPECT_EQ(runner_->orders()->order("o1")->status, "confirmed");
}

TEST_F(RunnerTest, RebuildSwapsInAFreshModelWhileReadersKeepTheOldOne) {
  for (int i = 0; i < 300; ++i) {
    const std::string n = std::to_string(i);
    product({created("p" + n, "S" + n, "Thing " + n)}, "p" + n);
  }
  runner_options o;
  o.batch_events = 16;
  start_runner(o);
  sync();
  collector col;
  auto sub = listen(col);
  auto before = runner_->catalog();
  ASSERT_EQ(before->product_count(), 300u);

  EXPECT_FALSE(runner_->rebuild("nonsense"));
  ASSERT_TRUE(runner_->rebuild(projection_runner::catalog_name));
  // Writes keep flowing during the rebuild.
  product({created("late", "SL", "Late thing")}, "late");
  sync();
  for (int i = 0; i < 5000; ++i) {
    auto st = runner_->status();
    // The "all" notice follows the swap on the runner thread.
    if (!st[0].rebuilding && runner_->catalog() != before &&
        runner_->catalog()->product_count() == 301u && has(col.tags(), "all")) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto st = runner_->status();
  ASSERT_EQ(st.size(), 4u);
  EXPECT_EQ(st[0].name, "catalog");
  EXPECT_FALSE(st[0].rebuilding);
  EXPECT_GE(st[0].events_applied, 301u + 300u);  // live + rebuild
  EXPECT_EQ(st[0].lag, 0u);
  EXPECT_EQ(runner_->catalog()->product_count(), 301u);
  EXPECT_TRUE(runner_->catalog()->product("late"));
  EXPECT_EQ(runner_->catalog()->search({"thing", "", false, 200, ""}).items.size(), 200u);
  EXPECT_EQ(before->product_count(), 300u);  // the old snapshot still works
  EXPECT_TRUE(before->product("p7"));
  // The swap is announced with "all".
  auto tags = col.tags();
  EXPECT_TRUE(has(tags, "all"));
}

TEST_F(RunnerTest, RestartReplaysFromZeroAndWritesCheckpoints) {
  product({created("p1", "S1", "Shoe")}, "p1");
  order({placed("o1", "c1", {line("S1", 1, 100)})}, "o1");
  start_runner();
  sync();
  runner_->stop();
  auto cp = store_->get_checkpoint("projection.orders");
  ASSERT_TRUE(cp);
  ASSERT_TRUE(cp->has_value());
  EXPECT_EQ(**cp, store_->last_position());

  start_runner();  // a new runner: in-memory models, rebuilt from the log
  sync();
  EXPECT_TRUE(runner_->orders()->order("o1"));
  EXPECT_TRUE(runner_->catalog()->product("p1"));
}

TEST_F(RunnerTest, UndecodableEventsAreReportedAndSkipped) {
  start_runner();
  eventstore::new_event bad;
  bad.type = "ProductCreated";
  bad.data = R"({"unexpected":true})";
  ASSERT_TRUE(store_->append("product-bad", eventstore::expected_version::any(), {bad}));
  product({created("p1", "S1", "Shoe")}, "p1");
  sync();
  EXPECT_TRUE(runner_->catalog()->product("p1"));
  auto st = runner_->status();
  EXPECT_NE(st[0].last_error.find("position 1"), std::string::npos) << st[0].last_error;
}

// Listeners and wait callbacks are foreign code on the runner thread: one that
// throws must neither end the thread nor keep the others from being called.
TEST_F(RunnerTest, AThrowingListenerOrWaitCallbackDoesNotStopTheRunner) {
  start_runner();
  auto thrower = runner_->subscribe([](const change_batch&) { throw std::runtime_error("listener fails"); });
  collector col;
  auto sub = listen(col);
  std::atomic<int> waits_answered{0};
  const auto first = product({created("p1", "S1", "Shoe")}, "p1");
  runner_->wait_for(first, kWait, [&](bool) {
    ++waits_answered;
    throw std::runtime_error("wait callback fails");
  });
  sync();
  EXPECT_FALSE(col.events().empty()) << "the listener after the throwing one was not called";

  const auto second = product({created("p2", "S2", "Hat")}, "p2");
  ASSERT_TRUE(runner_->wait_for_position(second, kWait)) << "the runner stopped";
  EXPECT_TRUE(runner_->catalog()->product("p2"));
  EXPECT_EQ(waits_answered.load(), 1);
}

TEST_F(RunnerTest, ReadersHammerSnapshotsWhileEventsAreAppended) {
  runner_options o;
  o.batch_events = 64;
  start_runner(o);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto c = runner_->catalog();
        auto ords = runner_->orders();
        // A snapshot is internally consistent: every listed product resolves.
        auto page = c->list({});
        for (const auto& it : page.items) {
          if (!c->product(it.product->id)) ADD_FAILURE() << "listed product missing";
        }
        (void)c->search({"item", "", false, 10, ""});
        (void)c->suggest("it", 5);
        auto all = ords->all({});
        for (const auto& ov : all.items) {
          if (!ords->order(ov->id)) ADD_FAILURE() << "listed order missing";
        }
        (void)runner_->dashboard();
        ++reads;
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    const std::string n = std::to_string(i);
    product({created("p" + n, "S" + n, "Item " + n, "desc", "cat" + std::to_string(i % 5))}, "p" + n);
    inventory({registered("S" + n, 10)}, "S" + n);
    order({placed("o" + n, "c" + std::to_string(i % 7), {line("S" + n, 1, 10)})}, "o" + n);
  }
  sync();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(runner_->catalog()->product_count(), 200u);
  EXPECT_EQ(runner_->orders()->count(), 200u);
  EXPECT_EQ(runner_->catalog()->position(), store_->last_position());
}

}  // namespace
}  // namespace agora::projections::testing
