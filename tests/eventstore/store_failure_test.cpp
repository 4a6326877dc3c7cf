// The store's failure paths on a real RocksDB whose file system fails writes
// or syncs of the write-ahead log on demand (store_options::env, for tests):
// a failed append is answered with an error, nothing of it is claimed or shown
// to readers, versions and positions stay where they were, and the database
// reopens consistent.

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

#include "eventstore/event_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora::eventstore {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

/// A file system that fails appends to, or syncs of, WAL files (*.log) while
/// told to.
class faulty_fs final : public rocksdb::FileSystemWrapper {
 public:
  explicit faulty_fs(const std::shared_ptr<rocksdb::FileSystem>& base) : FileSystemWrapper(base) {}
  const char* Name() const override { return "AgoraFaultyFs"; }

  std::atomic<bool> fail_wal_appends{false};
  std::atomic<bool> fail_wal_syncs{false};
  std::atomic<int> failed{0};  ///< operations failed so far

  IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                           std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(f, o, r, dbg);
    if (s.ok() && is_wal(f)) *r = std::make_unique<wal_file>(std::move(*r), *this);
    return s;
  }
  IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                              std::unique_ptr<rocksdb::FSWritableFile>* r, IODebugContext* dbg) override {
    auto s = target()->ReopenWritableFile(f, o, r, dbg);
    if (s.ok() && is_wal(f)) *r = std::make_unique<wal_file>(std::move(*r), *this);
    return s;
  }

 private:
  static bool is_wal(const std::string& f) { return f.size() > 4 && f.compare(f.size() - 4, 4, ".log") == 0; }

  class wal_file final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    wal_file(std::unique_ptr<rocksdb::FSWritableFile>&& f, faulty_fs& fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    IOStatus Append(const rocksdb::Slice& d, const IOOptions& o, IODebugContext* dbg) override {
      if (fs_.fail_wal_appends) return injected();
      return FSWritableFileOwnerWrapper::Append(d, o, dbg);
    }
    IOStatus Append(const rocksdb::Slice& d, const IOOptions& o, const rocksdb::DataVerificationInfo& v,
                    IODebugContext* dbg) override {
      if (fs_.fail_wal_appends) return injected();
      return FSWritableFileOwnerWrapper::Append(d, o, v, dbg);
    }
    IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
      if (fs_.fail_wal_syncs) return injected();
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }
    IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
      if (fs_.fail_wal_syncs) return injected();
      return FSWritableFileOwnerWrapper::Fsync(o, dbg);
    }

   private:
    IOStatus injected() {
      ++fs_.failed;
      return IOStatus::IOError("injected by the test");
    }
    faulty_fs& fs_;
  };
};

std::vector<new_event> one_event(const std::string& tag) {
  new_event e;
  e.type = "Tested";
  e.data = R"({"tag":")" + tag + R"("})";
  return {e};
}

class StoreFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = std::make_shared<faulty_fs>(rocksdb::FileSystem::Default());
    env_ = rocksdb::NewCompositeEnv(fs_);
    open();
  }
  void TearDown() override { store_.reset(); }

  void open() {
    store_.reset();
    store_options o;
    o.path = dir_.sub("store");
    o.env = env_.get();
    auto s = event_store::open(o);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  /// After a failure RocksDB may refuse writes until reopened; the fault is
  /// cleared first, as an operator would fix the disk.
  void heal_and_reopen() {
    fs_->fail_wal_appends = false;
    fs_->fail_wal_syncs = false;
    open();
  }
  void expect_consistent() {
    auto rep = store_->verify();
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_TRUE(rep->ok) << (rep->problems.empty() ? std::string() : rep->problems.front());
  }

  testing::temp_dir dir_{"agora-store-failure"};
  std::shared_ptr<faulty_fs> fs_;
  std::unique_ptr<rocksdb::Env> env_;  // outlives store_ (declared before it)
  std::unique_ptr<event_store> store_;
};

TEST_F(StoreFailureTest, AFailedWalWriteIsAnErrorAndLeavesVersionsAndPositions) {
  ASSERT_TRUE(store_->append("s", expected_version::any(), one_event("first")));
  fs_->fail_wal_appends = true;
  auto failed = store_->append("s", expected_version::exact(1), one_event("lost"));
  ASSERT_FALSE(failed) << "an append whose WAL write failed was acknowledged";
  EXPECT_EQ(failed.error().code, errc::io_error) << failed.error().message;
  EXPECT_GT(fs_->failed.load(), 0);
  EXPECT_EQ(store_->last_position(), 1u);
  auto version = store_->current_version("s");
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, 1u) << "a failed write leaves the version where it was";
  auto log = store_->read_log(1, 10);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->size(), 1u);

  heal_and_reopen();
  expect_consistent();
  EXPECT_EQ(store_->last_position(), 1u) << "the failed append is not there";
  auto next = store_->append("s", expected_version::exact(1), one_event("after"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->version, 2u);
  EXPECT_EQ(next->first_position, 2u) << "no gap where the failed append was";
}

TEST_F(StoreFailureTest, AFailedWalSyncIsAnErrorAndNothingIsShownAsDurable) {
  ASSERT_TRUE(store_->append("s", expected_version::any(), one_event("first")));
  fs_->fail_wal_syncs = true;
  auto failed = store_->append("s", expected_version::exact(1), one_event("unsure"));
  ASSERT_FALSE(failed) << "an append whose WAL sync failed was acknowledged";
  EXPECT_EQ(failed.error().code, errc::io_error) << failed.error().message;
  EXPECT_NE(failed.error().message.find("may or may not"), std::string::npos) << failed.error().message;
  EXPECT_GT(fs_->failed.load(), 0);
  EXPECT_EQ(store_->last_position(), 1u) << "not durable: readers must not see it";
  auto log = store_->read_log(1, 10);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->size(), 1u);
  auto stream = store_->read_stream("s", 1, 10);
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->size(), 1u);

  // Whether the unsure append survived is up to the disk; either way the
  // store reopens whole and numbering goes on without a gap.
  heal_and_reopen();
  expect_consistent();
  const auto last = store_->last_position();
  EXPECT_TRUE(last == 1u || last == 2u) << last;
  auto v = store_->current_version("s");
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, last);
  auto next = store_->append("s", expected_version::exact(*v), one_event("after"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->first_position, last + 1);
}

}  // namespace
}  // namespace agora::eventstore
