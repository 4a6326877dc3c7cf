// The read models on disk: a start resumes from the stored position instead
// of the log's beginning, and whatever a start finds (a model of another
// format, models built from another log, models cut short by kill -9) ends in
// models equal to a full rebuild from the log.

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <thread>
#include <cstdio>
#include <sys/wait.h>
#include <unistd.h>

#include "projections/replay.hpp"
#include "projections/src/model_db.hpp"
#include "tests/projections/on_disk_fixture.hpp"
#include "tests/projections/model_sums.hpp"

namespace agora::projections::testing {
namespace {

using sums = model_sums;

sums of(const projection_runner& r) { return sums_of(r); }

// What a full rebuild from the log gives.
sums rebuilt(const eventstore::event_store& store) {
  auto rep = replay_models(store, {});
  EXPECT_TRUE(rep) << rep.error();
  return rep ? sums_of(*rep) : sums{};
}

std::uint64_t applied_since_start(const projection_runner& r, std::string_view name) {
  for (const auto& s : r.status()) {
    if (s.name == name) return s.events_applied;
  }
  return 0;
}

TEST_F(OnDiskTest, AStartResumesFromTheStoredPositionWithoutTheLog) {
  start_runner(on_disk());
  fill(0, 40);
  sync();
  const sums before = of(*runner_);
  const auto position = runner_->position();
  runner_.reset();

  start_runner(on_disk());
  // Published at once from disk, before anything is applied.
  EXPECT_EQ(runner_->position(), position);
  EXPECT_TRUE(of(*runner_) == before);
  EXPECT_EQ(runner_->orders()->count(), 40u);
  EXPECT_EQ(runner_->catalog()->product_count(), 40u);
  sync();
  EXPECT_EQ(applied_since_start(*runner_, "orders"), 0u) << "nothing of the log applied again";

  // Again, with nothing new in between: still nothing applied again.
  runner_.reset();
  start_runner(on_disk());
  sync();
  EXPECT_EQ(applied_since_start(*runner_, "orders"), 0u);
  EXPECT_TRUE(of(*runner_) == before);

  // New events after the restart land on the stored models.
  fill(40, 45);
  sync();
  EXPECT_TRUE(of(*runner_) == rebuilt(*store_));
  EXPECT_EQ(applied_since_start(*runner_, "orders"), store_->last_position() - position);
}

// Products changed after a publish are stored again: a price, a name (also
// the dashboard's top products), a discontinuation, each after the product
// was already written once; a restart from disk gives what a rebuild gives.
TEST_F(OnDiskTest, ProductsChangedAfterAPublishAreStoredAgain) {
  start_runner(on_disk());
  fill(0, 6);
  sync();
  product({pd::product_price_changed{{1001, "EUR"}, {1500, "EUR"}, kT0 + 5}}, "p1");
  product({pd::product_details_updated{std::string("Desk lamp"), std::nullopt, std::nullopt, std::nullopt, kT0 + 5}},
          "p2");
  product({pd::product_discontinued{"gone", kT0 + 5}}, "p3");
  sync();
  const sums before = of(*runner_);
  EXPECT_TRUE(before == rebuilt(*store_));
  runner_.reset();

  start_runner(on_disk());
  EXPECT_TRUE(of(*runner_) == before);
  EXPECT_EQ(runner_->catalog()->product("p1")->product->price, 1500);
  EXPECT_EQ(runner_->catalog()->product("p2")->product->name, "Desk lamp");
  EXPECT_TRUE(runner_->catalog()->product("p3")->product->discontinued);
  EXPECT_EQ(runner_->dashboard()->total_products, 5u);
}

// Runs the crash child on the fixture's directories and kills it with
// SIGKILL once it has published `kill_at`; answers the last position it
// printed.
eventstore::log_position run_and_kill(const std::string& store_dir, const std::string& models_dir,
                                      eventstore::log_position kill_at) {
  int out[2];
  if (pipe(out) != 0) return 0;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(AGORA_PROJECTIONS_CRASH_CHILD, AGORA_PROJECTIONS_CRASH_CHILD, store_dir.c_str(), models_dir.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  FILE* in = fdopen(out[0], "r");
  eventstore::log_position seen = 0;
  char line[256];
  // Other lines (logs) are skipped; the pipe closes if the child dies.
  while (std::fgets(line, sizeof line, in) != nullptr) {
    unsigned long long p = 0;
    if (std::sscanf(line, "position %llu", &p) != 1) continue;
    seen = p;
    if (seen >= kill_at) break;
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  std::fclose(in);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child ended on its own: " << status;
  return seen;
}

TEST_F(OnDiskTest, AfterKill9DuringApplyEveryModelEqualsAFullRebuild) {
  // Enough events that the child flushes its models many times before the kill.
  for (int round = 0; round < 2; ++round) {
    fill(round * 1500, (round + 1) * 1500);
    const auto last = store_->last_position();
    const auto before = round == 0 ? eventstore::log_position{0} : last / 2;
    store_.reset();  // the child opens it

    const auto killed_at = run_and_kill(dir_.sub("store"), dir_.sub("projections"), before + (last - before) / 2);
    EXPECT_GT(killed_at, before);
    EXPECT_LT(killed_at, last) << "killed before it was done";

    open_store();
    runner_options o = on_disk();
    start_runner(o);
    sync();
    // Resumed from what was on disk (the child's flushes), not from 0...
    EXPECT_LT(applied_since_start(*runner_, "orders"), last);
    // ...and equal to a model built from the whole log.
    EXPECT_TRUE(of(*runner_) == rebuilt(*store_)) << "round " << round;
    EXPECT_EQ(runner_->orders()->count(), static_cast<std::size_t>((round + 1) * 1500));
    runner_.reset();
  }
}

TEST_F(OnDiskTest, AModelOfAnotherFormatIsRebuiltAndTheOthersResume) {
  start_runner(on_disk());
  fill(0, 30);
  sync();
  const sums before = of(*runner_);
  runner_.reset();
  // As if an older build had written the orders in format 0.
  with_models_db([](detail::model_db& db) {
    auto m = db.meta("orders");
    ASSERT_TRUE(m);
    m->format = 0;
    rocksdb::WriteBatch b;
    db.put_meta(b, "orders", *m);
    ASSERT_TRUE(db.write(b));
  });
  start_runner(on_disk());
  sync();
  EXPECT_EQ(applied_since_start(*runner_, "orders"), store_->last_position()) << "orders rebuilt from 0";
  EXPECT_EQ(applied_since_start(*runner_, "catalog"), 0u) << "the catalog resumed";
  EXPECT_TRUE(of(*runner_) == before);
}

TEST_F(OnDiskTest, ModelsBuiltFromAnotherLogAreRebuilt) {
  start_runner(on_disk());
  fill(0, 20);
  sync();
  runner_.reset();
  // The store is replaced by another one (a restore, a mistake): same
  // length, other events.
  store_.reset();
  std::filesystem::remove_all(dir_.sub("store"));
  open_store();
  fill(100, 120);
  start_runner(on_disk());
  sync();
  for (const auto& s : runner_->status()) {
    EXPECT_EQ(s.events_applied, store_->last_position()) << s.name << " rebuilt from 0";
  }
  EXPECT_TRUE(of(*runner_) == rebuilt(*store_));
  EXPECT_FALSE(runner_->orders()->order("o1"));
  EXPECT_TRUE(runner_->orders()->order("o101"));
}

TEST_F(OnDiskTest, ARebuildSwapsInANewGenerationThatSurvivesARestart) {
  start_runner(on_disk());
  fill(0, 25);
  sync();
  const sums before = of(*runner_);
  auto old_orders = runner_->orders();
  ASSERT_TRUE(runner_->rebuild("orders"));
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  auto rebuilding = [&] {
    for (const auto& s : runner_->status()) {
      if (s.name == "orders") return s.rebuilding || s.events_applied < 2 * store_->last_position();
    }
    return true;
  };
  while (rebuilding() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(rebuilding());
  EXPECT_TRUE(of(*runner_) == before);
  // A reader holding the old generation still reads it after the swap.
  EXPECT_EQ(old_orders->count(), 25u);
  EXPECT_TRUE(old_orders->order("o3"));
  EXPECT_EQ(old_orders->checksum(), before.orders);
  old_orders.reset();
  runner_.reset();
  start_runner(on_disk());
  sync();
  EXPECT_EQ(applied_since_start(*runner_, "orders"), 0u);
  EXPECT_TRUE(of(*runner_) == before);
}

}  // namespace
}  // namespace agora::projections::testing
