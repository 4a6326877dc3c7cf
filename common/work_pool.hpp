#pragma once
// A few named threads for work that must not run on an io thread or a CAF
// worker: password hashing (http-blocking), store reads and snapshot writes
// of the actors (actors-io), anything else CPU-heavy or blocking.
//
// The queue is bounded, and fair between sources (a client IP for password
// hashing): each source has its own FIFO, the threads take one job per source
// in turn (round robin), and a source may have at most `max_per_source` jobs
// waiting. So one client flooding the pool fills only its own share: another
// source's job waits behind at most one job of each busy source, not behind
// the flood. A user without sources posts under the one anonymous source and
// gets a plain FIFO.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace agora {

/// N threads and a bounded queue, fair between sources. Thread-safe.
class work_pool {
 public:
  /// Starts `threads` threads (at least 1), each named `name` (as top -H
  /// shows it; at most 15 bytes are kept); post() refuses jobs beyond
  /// `max_queued` waiting ones in all, or beyond `max_per_source` waiting ones
  /// of one source (0: no per-source bound other than `max_queued`).
  work_pool(std::string name, std::size_t threads, std::size_t max_queued, std::size_t max_per_source = 0);
  /// Runs the jobs already queued, then joins (see stop()).
  ~work_pool();
  work_pool(const work_pool&) = delete;
  work_pool& operator=(const work_pool&) = delete;

  /// Queues `job` for `source` (e.g. the client IP; jobs of one source run in
  /// order, sources take turns). False when the queue or the source's share is
  /// full, or the pool is stopping: the caller answers 503 instead of waiting.
  /// A job's exceptions are caught and logged (call_guarded); a job must answer its request
  /// itself (e.g. through a responder). Keep what a job captures small: it may
  /// wait in the queue (capture the fields it needs, not a whole request).
  [[nodiscard]] bool post(std::string_view source, std::function<void()> job);
  /// post() under the anonymous source "" (work of the process itself).
  [[nodiscard]] bool post(std::function<void()> job) { return post(std::string_view(), std::move(job)); }
  /// Jobs waiting (not running).
  std::size_t queued() const;
  /// Jobs of `source` waiting (not running).
  std::size_t queued(std::string_view source) const;
  /// Refuses new jobs, finishes the queued ones, joins. Idempotent.
  void stop();

 private:
  void run();

  /// "<name> job", as an escaped exception is logged.
  std::string job_label_;
  std::mutex stop_mu_;  // serialises stop() calls
  mutable std::mutex mu_;
  std::condition_variable cv_;
  /// The waiting jobs of each source that has some.
  std::unordered_map<std::string, std::deque<std::function<void()>>> sources_;
  /// Sources with waiting jobs, in the order they take their turn.
  std::list<std::string> turns_;
  std::size_t queued_ = 0;
  std::size_t max_queued_;
  std::size_t max_per_source_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace agora
