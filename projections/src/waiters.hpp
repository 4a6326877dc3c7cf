#pragma once
// Internal to agora_projections: the read-your-writes wait set behind
// projection_runner::wait_for. Each wait is a callback, the position it waits
// for and its deadline; the runner answers true to those whose position it has
// published and false to those whose deadline passes first.
//
// Not thread-safe: the runner guards it with its own mutex. Nothing here calls
// a callback: every take_ hands them back, so the caller answers them after it
// has let go of that mutex (a callback may call wait_for again). Time is a
// parameter, so the set is tested without threads or sleeps.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "eventstore/event.hpp"
#include "projections/projection_runner.hpp"

namespace agora::projections::detail {

/// Pending waits, by position and by deadline.
class waiters {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Holds at most `max_waiters` waits (see full()).
  explicit waiters(std::size_t max_waiters) noexcept : max_(max_waiters) {}

  /// Pending waits.
  std::size_t size() const noexcept { return by_id_.size(); }
  /// True when no further wait may be added (runner_options::max_waiters).
  bool full() const noexcept { return by_id_.size() >= max_; }

  /// Adds a wait for `position` that ends at `deadline`; the caller has
  /// checked full(). Returns whether its deadline is now the earliest: the
  /// runner sleeps until the earliest deadline, so only then must it be woken.
  bool add(eventstore::log_position position, time_point deadline, wait_callback done);

  /// Removes the waits for positions up to `position`: answer them true.
  std::vector<wait_callback> take_reached(eventstore::log_position position);
  /// Removes the waits whose deadline is `now` or earlier: answer them false.
  std::vector<wait_callback> take_expired(time_point now);
  /// Removes every wait (the runner stops): answer them false.
  std::vector<wait_callback> take_all();

  /// The earliest deadline, if any wait is pending.
  std::optional<time_point> next_deadline() const;

 private:
  struct waiter {
    wait_callback done;
    std::multimap<eventstore::log_position, std::uint64_t>::iterator by_position;
    std::multimap<time_point, std::uint64_t>::iterator by_deadline;
  };

  /// Removes wait `id` from both indexes and returns its callback.
  wait_callback remove(std::uint64_t id);

  std::size_t max_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, waiter> by_id_;
  std::multimap<eventstore::log_position, std::uint64_t> by_position_;
  std::multimap<time_point, std::uint64_t> by_deadline_;
};

}  // namespace agora::projections::detail
