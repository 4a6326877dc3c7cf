#pragma once
// history_writer: writes a history_plan's appends into an event store, many at
// a time, so that the generating thread and the store's writer thread both
// stay busy.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "bench/history_gen/history_plan.hpp"
#include "eventstore/event_store.hpp"

namespace agora::bench {

/// Feeds appends to `store` with at most `max_in_flight` unanswered. Each
/// append carries its exact expected version, so a plan that disagreed with
/// the store (a stream it did not expect to exist) fails instead of writing.
class history_writer {
 public:
  history_writer(eventstore::event_store& store, std::size_t max_in_flight);
  /// Waits for every append in flight (a writer must not outlive its answers).
  ~history_writer();
  history_writer(const history_writer&) = delete;
  history_writer& operator=(const history_writer&) = delete;

  /// Queues `a`; blocks while max_in_flight appends are unanswered. False once
  /// an append has failed (then error() says why).
  bool write(planned_append a);
  /// Waits until every queued append is answered; true when all succeeded.
  bool drain();
  /// The first failure, empty if none.
  std::string error() const;
  /// Events acknowledged so far.
  std::uint64_t events_written() const;

 private:
  eventstore::event_store& store_;
  const std::size_t max_in_flight_;
  // The answers come on the store's writer thread, the bottleneck of a bulk
  // load: they touch atomics only, and the mutex when someone waits.
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> waiting_{false};
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> events_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string error_;  // guarded by mu_
};

}  // namespace agora::bench
