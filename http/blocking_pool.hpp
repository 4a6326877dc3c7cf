#pragma once
// A few threads for work that must not run on an io thread or a CAF worker:
// password hashing, anything else CPU-heavy or blocking.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace agora::http {

/// N threads and a bounded FIFO queue. Thread-safe.
class blocking_pool {
 public:
  /// Starts `threads` threads (at least 1); post() refuses jobs beyond
  /// `max_queued` waiting ones.
  blocking_pool(std::size_t threads, std::size_t max_queued);
  /// Runs the jobs already queued, then joins (see stop()).
  ~blocking_pool();
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  /// Queues `job`. False when the queue is full or the pool is stopping: the
  /// caller answers 503 instead of waiting. A job's exceptions are caught and
  /// logged; a job must answer its request itself (e.g. through a responder).
  [[nodiscard]] bool post(std::function<void()> job);
  /// Jobs waiting (not running).
  std::size_t queued() const;
  /// Refuses new jobs, finishes the queued ones, joins. Idempotent.
  void stop();

 private:
  void run();

  std::mutex stop_mu_;  // serialises stop() calls
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace agora::http
