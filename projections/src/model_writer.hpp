#pragma once
// Internal to agora_projections: the thread that writes the runner's batches
// into the models' database, so that the runner applies the next batch of
// events while RocksDB inserts the last one (the inserts were half of a
// replay's time on one thread). One batch in flight at most: submit() waits
// for the previous one, so the writer never falls further behind.
//
// A failed write (disk full) is retried every 100 ms until it succeeds or the
// writer stops; meanwhile wait() blocks and error() says why. The models must
// not move ahead of their position on disk, so nothing is dropped.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "projections/src/model_db.hpp"

namespace agora::projections::detail {

/// Writes batches on its own thread, one at a time, in order.
class model_writer {
 public:
  explicit model_writer(std::shared_ptr<model_db> db);
  /// Stops the thread; a batch in flight is written first (or dropped after
  /// failing, when stopping).
  ~model_writer();
  model_writer(const model_writer&) = delete;
  model_writer& operator=(const model_writer&) = delete;

  /// Waits for the batch in flight, then hands `batch` over. False when the
  /// writer is stopping (the batch is dropped).
  bool submit(rocksdb::WriteBatch batch);
  /// Blocks until nothing is in flight. False when the writer is stopping
  /// with a batch unwritten.
  bool wait();
  /// Stops: the batch in flight is still tried once; waiters wake (and
  /// answer false while a batch is unwritten). Then join() the thread.
  void stop();
  /// Waits for the thread after stop(). Idempotent.
  void join();
  /// The last write error while it persists, or empty.
  std::string error() const;

 private:
  void run();

  std::shared_ptr<model_db> db_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<rocksdb::WriteBatch> pending_;  // submitted, not yet written
  bool stop_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace agora::projections::detail
