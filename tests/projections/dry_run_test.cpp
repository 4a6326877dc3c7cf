// Dry runs (projection_runner::dry_run): a shadow rebuilt from the log and
// compared key by key with the live model, nothing switched; and the progress
// of rebuilds and dry runs that the change listeners get.

#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "projections/replay.hpp"
#include "projections/src/model_db.hpp"
#include "tests/projections/model_sums.hpp"
#include "tests/projections/on_disk_fixture.hpp"

namespace agora::projections::testing {
namespace {

class DryRunTest : public OnDiskTest {
 protected:
  // Collects the progress the change listeners get.
  struct progress_log {
    std::mutex mu;
    std::vector<rebuild_progress> seen;
    std::vector<rebuild_progress> of(const std::string& name) {
      std::lock_guard<std::mutex> lk(mu);
      std::vector<rebuild_progress> out;
      for (const auto& p : seen) {
        if (p.name == name) out.push_back(p);
      }
      return out;
    }
  };

  change_subscription listen(progress_log& log) {
    return runner_->subscribe([&log](const change_batch& b) {
      std::lock_guard<std::mutex> lk(log.mu);
      log.seen.insert(log.seen.end(), b.progress.begin(), b.progress.end());
    });
  }

  // Waits for the dry run of `name` to end; its report.
  dry_run_report finished(const std::string& name) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    for (;;) {
      auto r = runner_->dry_run_result(name);
      EXPECT_TRUE(r) << r.error();
      if (!r) return {};
      if (r->what != dry_run_report::state::running || std::chrono::steady_clock::now() > deadline) return *r;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // Waits for the rebuild of `name` to be swapped in.
  void rebuilt(const std::string& name) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    auto busy = [&] {
      for (const auto& s : runner_->status()) {
        if (s.name == name) return s.rebuilding;
      }
      return true;
    };
    while (busy() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_FALSE(busy());
  }

  // The column families of the models' database (once the runner is gone).
  std::vector<std::string> families() {
    std::vector<std::string> out;
    auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_.sub("projections"), &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::sort(out.begin(), out.end());
    return out;
  }
};

bool lists(const dry_run_report& r, key_difference::kind what, const std::string& key) {
  return std::any_of(r.first.begin(), r.first.end(),
                     [&](const key_difference& d) { return d.what == what && d.key == key; });
}

TEST_F(DryRunTest, EqualModelsAreReportedEqualAndNothingIsSwitched) {
  start_runner(on_disk());
  fill(0, 30);
  sync();
  EXPECT_FALSE(runner_->dry_run_result("orders")) << "no dry run yet";
  EXPECT_FALSE(runner_->dry_run("nonsense"));
  progress_log log;
  auto sub = listen(log);
  const auto before = sums_of(*runner_);
  const auto orders_before = runner_->orders();
  const auto catalog_applied = runner_->status()[0].events_applied;

  for (const char* name : {"catalog", "orders", "accounts", "dashboard"}) {
    ASSERT_TRUE(runner_->dry_run(name)) << name;
  }
  for (const char* name : {"catalog", "orders", "accounts", "dashboard"}) {
    const auto r = finished(name);
    ASSERT_EQ(r.what, dry_run_report::state::done) << name << ": " << r.error;
    EXPECT_TRUE(r.equal()) << name << ": " << r.only_live << " only live, " << r.only_shadow << " only shadow, "
                           << r.differing << " differ";
    EXPECT_GT(r.live_entries, 0u) << name;
    EXPECT_EQ(r.live_entries, r.shadow_entries) << name;
    EXPECT_EQ(r.position, store_->last_position()) << name;
    EXPECT_TRUE(r.first.empty()) << name;
  }
  // The readers' models are the same objects, with the same contents.
  EXPECT_EQ(runner_->orders(), orders_before);
  EXPECT_TRUE(sums_of(*runner_) == before);
  for (const auto& s : runner_->status()) {
    EXPECT_FALSE(s.dry_running) << s.name;
    EXPECT_FALSE(s.rebuilding) << s.name;
  }
  // The catalog's dry run applied the log once more (to the shadow).
  EXPECT_EQ(runner_->status()[0].events_applied, catalog_applied + store_->last_position());

  // Progress: told while under way, then once done, positions never past the target.
  const auto p = log.of("orders");
  ASSERT_GE(p.size(), 2u);
  EXPECT_FALSE(p.front().done);
  EXPECT_TRUE(p.back().done);
  EXPECT_TRUE(p.back().dry_run);
  EXPECT_EQ(p.back().position, store_->last_position());
  for (const auto& e : p) {
    EXPECT_LE(e.position, e.target);
    EXPECT_TRUE(e.error.empty()) << e.error;
  }

  // The shadows' column families are gone: one family per model is left.
  sub.reset();
  runner_.reset();
  const auto fams = families();
  EXPECT_EQ(fams.size(), 5u) << ::testing::PrintToString(fams);
}

TEST_F(DryRunTest, ACorruptedModelIsFoundKeyByKeyAndARebuildMendsIt) {
  start_runner(on_disk());
  fill(0, 30);
  sync();
  const auto good = sums_of(*runner_);
  runner_.reset();
  // Damage the live orders on disk, as a bug in an older build could have:
  // one order's head rewritten, one gone, one that never was.
  with_models_db([](detail::model_db& db) {
    auto m = db.meta("orders");
    ASSERT_TRUE(m);
    auto f = db.family("orders", m->generation);
    ASSERT_TRUE(f) << f.error();
    ASSERT_TRUE(db.get_latest(f->get(), "oo7")) << "the orders' head key layout changed: update this test";
    rocksdb::WriteBatch b;
    b.Put(f->get(), "oo7", "not an order");
    b.Delete(f->get(), "oo8");
    b.Put(f->get(), "ozz", "no such order");
    ASSERT_TRUE(db.write(b));
    ASSERT_TRUE(db.flush());
  });
  start_runner(on_disk());
  sync();
  EXPECT_FALSE(sums_of(*runner_) == good) << "the damage is visible";

  ASSERT_TRUE(runner_->dry_run("orders"));
  const auto r = finished("orders");
  ASSERT_EQ(r.what, dry_run_report::state::done) << r.error;
  EXPECT_FALSE(r.equal());
  EXPECT_EQ(r.differing, 1u);
  EXPECT_EQ(r.only_live, 1u);
  EXPECT_EQ(r.only_shadow, 1u);
  EXPECT_EQ(r.first.size(), 3u);
  EXPECT_TRUE(lists(r, key_difference::kind::value_differs, "order o7"));
  EXPECT_TRUE(lists(r, key_difference::kind::only_shadow, "order o8"));
  EXPECT_TRUE(lists(r, key_difference::kind::only_live, "order zz"));
  EXPECT_EQ(r.live_entries, r.shadow_entries);

  // Nothing was switched: still damaged. A rebuild mends it, and a second
  // dry run finds nothing.
  EXPECT_FALSE(sums_of(*runner_) == good);
  ASSERT_TRUE(runner_->rebuild("orders"));
  rebuilt("orders");
  EXPECT_TRUE(sums_of(*runner_) == good);
  ASSERT_TRUE(runner_->dry_run("orders"));
  EXPECT_TRUE(finished("orders").equal());
}

TEST_F(DryRunTest, BesideWritersTheModelsAreComparedAtOneSnapshot) {
  start_runner(on_disk());
  fill(0, 20);
  sync();
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int i = 20; writing.load() && i < 400; ++i) fill(i, i + 1);
  });
  for (const char* name : {"catalog", "orders", "accounts", "dashboard"}) ASSERT_TRUE(runner_->dry_run(name));
  std::vector<dry_run_report> reports;
  for (const char* name : {"catalog", "orders", "accounts", "dashboard"}) reports.push_back(finished(name));
  writing = false;
  writer.join();
  for (const auto& r : reports) {
    ASSERT_EQ(r.what, dry_run_report::state::done) << r.name << ": " << r.error;
    EXPECT_TRUE(r.equal()) << r.name << ": " << r.only_live << " only live, " << r.only_shadow << " only shadow, "
                           << r.differing << " differ; first: "
                           << (r.first.empty() ? std::string() : r.first.front().key);
    EXPECT_GT(r.position, 0u);
  }
  sync();
  EXPECT_TRUE(sums_of(*runner_) == sums_of(*replay_models(*store_, {})));
}

// Holds the runner thread inside a listener while a rebuild of `name` is
// under way (its first progress), so that what is asked meanwhile meets it.
struct progress_gate {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool open = false;
};

TEST_F(DryRunTest, ARebuildAndADryRunOfOneModelExcludeEachOther) {
  auto o = on_disk();
  o.batch_events = 10;  // a rebuild of many steps, so that one is seen under way
  start_runner(o);
  fill(0, 30);
  sync();
  auto g = std::make_shared<progress_gate>();
  auto sub = runner_->subscribe([g](const change_batch& b) {
    for (const auto& p : b.progress) {
      if (p.name != "orders" || p.done) continue;
      std::unique_lock<std::mutex> lk(g->mu);
      g->entered = true;
      g->cv.notify_all();
      g->cv.wait(lk, [&] { return g->open; });
    }
  });
  struct opener {
    std::shared_ptr<progress_gate> g;
    ~opener() {
      std::lock_guard<std::mutex> lk(g->mu);
      g->open = true;
      g->cv.notify_all();
    }
  } release{g};
  auto wait_entered = [&] {
    std::unique_lock<std::mutex> lk(g->mu);
    return g->cv.wait_for(lk, kWait, [&] { return g->entered; });
  };
  auto reopen = [&] {
    std::lock_guard<std::mutex> lk(g->mu);
    g->open = true;
    g->cv.notify_all();
  };

  ASSERT_TRUE(runner_->rebuild("orders"));
  ASSERT_TRUE(wait_entered());
  auto d = runner_->dry_run("orders");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().find("a rebuild of orders is under way"), std::string::npos) << d.error();
  EXPECT_TRUE(runner_->rebuild("orders")) << "asking again for what is under way is fine";
  EXPECT_TRUE(runner_->dry_run("catalog")) << "another model is not concerned";
  reopen();
  rebuilt("orders");
  EXPECT_EQ(finished("catalog").what, dry_run_report::state::done);

  {
    std::lock_guard<std::mutex> lk(g->mu);
    g->entered = false;
    g->open = false;
  }
  ASSERT_TRUE(runner_->dry_run("orders"));
  ASSERT_TRUE(wait_entered());
  auto r = runner_->rebuild("orders");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("a dry run of orders is under way"), std::string::npos) << r.error();
  reopen();
  EXPECT_TRUE(finished("orders").equal());
}

TEST_F(DryRunTest, ADryRunThenARebuildTakeNewGenerationsThatSurviveARestart) {
  start_runner(on_disk());
  fill(0, 25);
  sync();
  const auto before = sums_of(*runner_);
  ASSERT_TRUE(runner_->dry_run("orders"));
  ASSERT_TRUE(finished("orders").equal());
  // The dry run's family was dropped; the rebuild must not reuse its name.
  ASSERT_TRUE(runner_->rebuild("orders"));
  rebuilt("orders");
  for (const auto& s : runner_->status()) EXPECT_TRUE(s.last_error.empty()) << s.name << ": " << s.last_error;
  EXPECT_TRUE(sums_of(*runner_) == before);
  ASSERT_TRUE(runner_->dry_run("orders"));
  EXPECT_TRUE(finished("orders").equal());
  runner_.reset();
  EXPECT_EQ(families().size(), 5u);
  start_runner(on_disk());
  sync();
  for (const auto& s : runner_->status()) EXPECT_EQ(s.events_applied, 0u) << s.name << " resumed from disk";
  EXPECT_TRUE(sums_of(*runner_) == before);
  ASSERT_TRUE(runner_->dry_run("orders"));
  EXPECT_TRUE(finished("orders").equal());
}

TEST_F(DryRunTest, OfflineAStoppedNodesModelsAreComparedWithAReplayOfItsLog) {
  start_runner(on_disk());
  fill(0, 20);
  sync();
  replay_options o;
  o.compare_with = dir_.sub("projections");
  // (Models held by a running agorad are refused: RocksDB's lock is a
  // process's, so that is checked from another process, agoractl_online.)
  runner_.reset();
  fill(20, 25);  // the log went on after the node stopped: compared at the models' position
  auto rep = replay_models(*store_, {}, o);
  ASSERT_TRUE(rep) << rep.error();
  ASSERT_EQ(rep->models.size(), 4u);
  for (const auto& m : rep->models) {
    ASSERT_TRUE(m.compared) << m.name;
    EXPECT_TRUE(m.compared->equal()) << m.name << ": " << m.compared->only_live << " only stored, "
                                     << m.compared->only_shadow << " only replayed, " << m.compared->differing;
    EXPECT_GT(m.compared->live_entries, 0u) << m.name;
    EXPECT_LT(m.compared->position, store_->last_position());
  }
  with_models_db([](detail::model_db& db) {
    auto m = db.meta("orders");
    ASSERT_TRUE(m);
    auto f = db.family("orders", m->generation);
    ASSERT_TRUE(f) << f.error();
    rocksdb::WriteBatch b;
    b.Put(f->get(), "oo3", "not an order");
    ASSERT_TRUE(db.write(b));
  });
  rep = replay_models(*store_, {"orders"}, o);
  ASSERT_TRUE(rep) << rep.error();
  ASSERT_EQ(rep->models.size(), 1u);
  ASSERT_TRUE(rep->models[0].compared);
  const auto& c = *rep->models[0].compared;
  EXPECT_EQ(c.differing, 1u);
  EXPECT_EQ(c.only_live + c.only_shadow, 0u);
  ASSERT_EQ(c.first.size(), 1u);
  EXPECT_EQ(c.first[0].key, "order o3");

  // A model of another format is not compared: agorad would rebuild it.
  with_models_db([](detail::model_db& db) {
    auto m = db.meta("accounts");
    ASSERT_TRUE(m);
    m->format += 1;
    rocksdb::WriteBatch b;
    db.put_meta(b, "accounts", *m);
    ASSERT_TRUE(db.write(b));
  });
  auto other = replay_models(*store_, {"accounts"}, o);
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("stored in format"), std::string::npos) << other.error();
  o.compare_with = dir_.sub("nowhere");
  auto none = replay_models(*store_, {}, o);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("no read models at"), std::string::npos) << none.error();
}

}  // namespace
}  // namespace agora::projections::testing
