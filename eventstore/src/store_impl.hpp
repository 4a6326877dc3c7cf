#pragma once
// Private: the state behind event_store. Only eventstore/src includes this.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "eventstore/event_store.hpp"

namespace agora::eventstore {

/// Listeners live apart from the store so a subscription that outlives the
/// store can still unregister safely (it holds a weak_ptr).
struct listener_registry {
  std::mutex mu;
  std::map<std::uint64_t, commit_listener> listeners;
  std::uint64_t next_id = 1;
};

/// One validated, encoded append waiting for the writer.
struct pending_append {
  std::string stream;
  expected_version expected = expected_version::any();
  std::vector<std::string> envelopes;  // stream version still 0
  std::size_t bytes = 0;
  append_callback done;
  append_options options;
};

/// A batch the writer has written to RocksDB (visible in the memtable) whose
/// appends are answered once the WAL is synced.
struct written_batch {
  std::vector<pending_append> appends;
  std::vector<store_result<append_result>> results;
  /// Last position written by this batch (0 when it wrote nothing).
  log_position last_position = 0;
};

/// A RocksDB snapshot for reads that must agree with each other, released on
/// destruction. A secondary instance has none (RocksDB does not support them
/// there) and needs none: its view moves only in event_store::catch_up().
class read_snapshot {
 public:
  read_snapshot(rocksdb::DB* db, open_mode mode)
      : db_(db), snap_(mode == open_mode::secondary ? nullptr : db->GetSnapshot()) {}
  ~read_snapshot() {
    if (snap_ != nullptr) db_->ReleaseSnapshot(snap_);
  }
  read_snapshot(const read_snapshot&) = delete;
  read_snapshot& operator=(const read_snapshot&) = delete;
  /// For ReadOptions::snapshot (null: the current view).
  const rocksdb::Snapshot* get() const noexcept { return snap_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

class event_store::impl {
 public:
  impl(const store_options& opts, const clock& clk);
  ~impl();

  store_result<void> open();
  void close();

  // --- writes (group_commit.cpp) ---
  void async_append(std::string stream, expected_version expected, std::vector<new_event> events,
                    append_callback done, append_options options);
  std::optional<store_error> validate_event(const new_event& e) const;
  void run_writer();
  void run_syncer();
  /// Writes one batch (unsynced when sync is on: the syncer makes it durable).
  written_batch write_batch(std::vector<pending_append>& batch);
  /// Answers a batch's appends, after publishing `durable` when it is new.
  void complete(written_batch& wb, log_position durable);
  store_result<stream_version> writer_version_of(const std::string& stream);
  void publish_commit(log_position pos);

  // --- reads (event_store.cpp) ---
  /// The key of the last log entry RocksDB shows (0: empty log).
  store_result<log_position> read_last_position() const;
  store_result<stream_version> read_version(std::string_view stream) const;

  store_options opts_;
  const clock* clock_;

  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* log_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* wakeups_cf_ = nullptr;

  // Append queue, guarded by queue_mu_.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<pending_append> queue_;
  bool stopping_ = false;
  std::thread writer_;

  // Written but not yet synced batches, in write order (sync on only): the
  // writer hands them to the syncer thread, which fsyncs the WAL once for all
  // of them. At most kMaxUnsyncedBatches wait, so the writer cannot run away.
  static constexpr std::size_t kMaxUnsyncedBatches = 64;
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;       // syncer: work arrived / stop
  std::condition_variable sync_space_cv_;  // writer: room in unsynced_
  std::deque<written_batch> unsynced_;
  bool writer_done_ = false;
  std::thread syncer_;

  // Owned by the writer thread only: no lock needed.
  std::unordered_map<std::string, stream_version> versions_;
  log_position next_position_ = 0;  // last position handed out and committed
  rocksdb::WriteBatch batch_;

  // Durable (and acknowledged) position, readable from any thread. Readers
  // never look past it: with sync on, RocksDB shows written batches before
  // their WAL sync, and an event must not be seen before it is durable.
  std::atomic<log_position> last_position_{0};
  mutable std::mutex position_mu_;
  mutable std::condition_variable position_cv_;

  std::shared_ptr<listener_registry> listeners_ = std::make_shared<listener_registry>();

  // Stats.
  std::atomic<std::uint64_t> appends_{0}, append_errors_{0}, events_{0}, batches_{0},
      batch_appends_max_{0}, queued_{0}, sync_writes_{0}, write_micros_{0};
};

}  // namespace agora::eventstore
