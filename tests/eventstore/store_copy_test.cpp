// The store's offerings to tools: secondary instances beside a live owner,
// checkpoints and copies for backups, flush for bulk loads, the lock probe,
// list_checkpoints. The live owner is a real other process
// (eventstore_crash_child, appending as fast as it can) because RocksDB's lock
// and secondary instances are about processes.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "eventstore/event_store.hpp"
#include "eventstore/store_lock.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora::eventstore {
namespace {

using agora::testing::temp_dir;

std::unique_ptr<event_store> open_or_die(store_options o) {
  auto s = event_store::open(o);
  if (!s) ADD_FAILURE() << s.error().message;
  return s ? std::move(*s) : nullptr;
}

new_event ev(const std::string& data) {
  new_event e;
  e.type = "Happened";
  e.data = data;
  return e;
}

/// The crash child appending to `path` in another process; its ACK lines say
/// how far it got. Closing the pipe stops it (its next write fails).
class live_owner {
 public:
  explicit live_owner(const std::string& path) {
    const std::string cmd = std::string(AGORA_CRASH_CHILD) + " '" + path + "' live 7";
    pipe_ = ::popen(cmd.c_str(), "r");
  }
  ~live_owner() { stop(); }
  /// Reads ACK lines until one reports a last position >= `pos` (bounded by
  /// the child's pace, not by a clock); answers that position (0: it died).
  log_position wait_for(log_position pos) {
    char line[512];
    while (pipe_ != nullptr && std::fgets(line, sizeof line, pipe_) != nullptr) {
      char id[128], stream[128];
      unsigned long long version = 0, first = 0, last = 0;
      int n = 0;
      if (std::sscanf(line, "ACK %127s %127s %llu %llu %llu %d", id, stream, &version, &first, &last, &n) == 6 &&
          last >= pos) {
        return last;
      }
    }
    return 0;
  }
  void stop() {
    if (pipe_ != nullptr) ::pclose(pipe_);
    pipe_ = nullptr;
  }

 private:
  FILE* pipe_ = nullptr;
};

TEST(StoreLock, ProbeTellsNoStoreFreeAndHeldByAnotherProcess) {
  temp_dir dir;
  EXPECT_EQ(probe_store_lock(dir.sub("none")).state, store_lock_state::status::no_store);
  {
    store_options o;
    o.path = dir.sub("s");
    auto s = open_or_die(o);
  }
  EXPECT_EQ(probe_store_lock(dir.sub("s")).state, store_lock_state::status::free);
  live_owner owner(dir.sub("s"));
  ASSERT_GT(owner.wait_for(1), 0u);
  const auto held = probe_store_lock(dir.sub("s"));
  EXPECT_EQ(held.state, store_lock_state::status::held);
  EXPECT_GT(held.holder_pid, 0);
  owner.stop();
  EXPECT_EQ(probe_store_lock(dir.sub("s")).state, store_lock_state::status::free);
}

TEST(SecondaryStore, ReadsBesideALiveOwnerAndCatchesUp) {
  temp_dir dir;
  live_owner owner(dir.sub("s"));
  ASSERT_GT(owner.wait_for(50), 0u);
  store_options o;
  o.path = dir.sub("s");
  o.mode = open_mode::secondary;
  o.secondary_path = dir.sub("secondary");
  auto s = open_or_die(o);
  ASSERT_TRUE(s);
  const auto first = s->last_position();
  ASSERT_GE(first, 50u);
  // Its view holds still between catch-ups: verify sees one consistent log.
  auto rep = s->verify();
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok) << (rep->problems.empty() ? "" : rep->problems[0]);
  EXPECT_EQ(rep->last_position, first);
  auto events = s->read_log(1, 10);
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 10u);

  ASSERT_GT(owner.wait_for(first + 200), 0u);
  auto caught = s->catch_up();
  ASSERT_TRUE(caught) << caught.error().message;
  EXPECT_GE(*caught, first + 200) << "the owner's acknowledged appends are visible after catch_up";
  EXPECT_EQ(s->last_position(), *caught);

  // A copy taken while the owner keeps appending is a whole, consistent store.
  auto copied = s->copy_to(dir.sub("copy"));
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_EQ(*copied, s->last_position());
  owner.stop();
  store_options c;
  c.path = dir.sub("copy");
  c.mode = open_mode::read_only;
  auto copy = open_or_die(c);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->last_position(), s->last_position());
  auto crep = copy->verify();
  ASSERT_TRUE(crep);
  EXPECT_TRUE(crep->ok) << (crep->problems.empty() ? "" : crep->problems[0]);
}

TEST(SecondaryStore, NeedsItsOwnPath) {
  temp_dir dir;
  {
    store_options o;
    o.path = dir.sub("s");
    auto s = open_or_die(o);
  }
  store_options o;
  o.path = dir.sub("s");
  o.mode = open_mode::secondary;
  auto s = event_store::open(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::invalid_argument);
}

TEST(StoreCheckpoint, IsAConsistentOpenableCopyAtOnePoint) {
  temp_dir dir;
  store_options o;
  o.path = dir.sub("s");
  auto s = open_or_die(o);
  ASSERT_TRUE(s);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s->append("a-" + std::to_string(i % 3), expected_version::any(), {ev("{}")}));
  ASSERT_TRUE(s->put_checkpoint("outbox", 15));
  auto cp = s->create_checkpoint(dir.sub("cp"));
  ASSERT_TRUE(cp) << cp.error().message;
  ASSERT_TRUE(s->append("a-0", expected_version::any(), {ev("{}")}));  // after: not in it
  auto again = s->create_checkpoint(dir.sub("cp"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, errc::invalid_argument) << "an existing directory is never overwritten";

  store_options c;
  c.path = dir.sub("cp");
  c.mode = open_mode::read_only;
  auto copy = open_or_die(c);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->last_position(), 20u);
  auto rep = copy->verify();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok);
  auto cps = copy->list_checkpoints();
  ASSERT_TRUE(cps);
  ASSERT_EQ(cps->size(), 1u);
  EXPECT_EQ((*cps)[0].first, "outbox");
  EXPECT_EQ((*cps)[0].second, 15u);
  auto refused = copy->create_checkpoint(dir.sub("cp2"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::invalid_argument) << "a checkpoint needs the owner's handle";
  auto no_flush = copy->flush();
  ASSERT_FALSE(no_flush);
  EXPECT_EQ(no_flush.error().code, errc::invalid_argument);
}

TEST(StoreFlush, MakesAnUnsyncedLoadDurableAndReopenable) {
  temp_dir dir;
  store_options o;
  o.path = dir.sub("s");
  o.sync = false;
  {
    auto s = open_or_die(o);
    ASSERT_TRUE(s);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(s->append("b-1", expected_version::exact(i), {ev("{\"i\":1}")}));
    auto f = s->flush();
    ASSERT_TRUE(f) << f.error().message;
  }
  // Flushed to table files: no WAL is needed to read it back.
  std::uint64_t wal_bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.sub("s"))) {
    if (e.path().extension() == ".log") wal_bytes += e.file_size();
  }
  EXPECT_EQ(wal_bytes, 0u);
  o.mode = open_mode::read_only;
  auto s = open_or_die(o);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->last_position(), 100u);
}

TEST(StoreOpen, CreateIfMissingOffRefusesAWrongPath) {
  temp_dir dir;
  store_options o;
  o.path = dir.sub("typo");
  o.create_if_missing = false;
  auto s = event_store::open(o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::open_failed);
  EXPECT_FALSE(std::filesystem::exists(dir.sub("typo") + "/CURRENT"));
}

}  // namespace
}  // namespace agora::eventstore
