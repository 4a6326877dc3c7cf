#pragma once
// Which log positions the relay has handed to Kafka and which of them Kafka
// has confirmed. Delivery reports come per message and, across partitions, in
// any order; the checkpoint may only move to the end of the contiguous prefix
// of confirmed positions, so after a crash nothing unconfirmed is skipped.
//
// The relay hands over positions in log order without gaps (skipped events are
// pushed as already confirmed), so a deque indexed by `position - base` finds
// each one in O(1).

#include <cassert>
#include <cstdint>
#include <deque>

#include "eventstore/event.hpp"

namespace agora::bus::detail {

class checkpoint_tracker {
 public:
  using log_position = eventstore::log_position;

  /// Starts over: everything up to `confirmed` is done, nothing is in flight.
  void reset(log_position confirmed) noexcept {
    pending_.clear();
    confirmed_ = confirmed;
  }

  /// The next position push() expects.
  log_position next() const noexcept { return confirmed_ + 1 + pending_.size(); }

  /// Records `position` (== next()) as handed over, or as done already when
  /// `done` (an event that is not published). Returns false, changing nothing,
  /// for any other position.
  bool push(log_position position, bool done = false) {
    if (position != next()) return false;
    pending_.push_back(done);
    advance();
    return true;
  }

  /// Records the confirmation of `position`. Returns false for a position that
  /// is not in flight (already confirmed, or never pushed).
  bool confirm(log_position position) noexcept {
    if (position <= confirmed_ || position >= next()) return false;
    auto& slot = pending_[static_cast<std::size_t>(position - confirmed_ - 1)];
    if (slot) return false;
    slot = true;
    advance();
    return true;
  }

  /// Every position up to this one is confirmed: the checkpoint may move here.
  log_position confirmed() const noexcept { return confirmed_; }
  /// Positions pushed and not yet covered by confirmed() (some of them may be
  /// confirmed out of order).
  std::size_t in_flight() const noexcept { return pending_.size(); }

 private:
  void advance() noexcept {
    while (!pending_.empty() && pending_.front()) {
      pending_.pop_front();
      ++confirmed_;
    }
  }

  log_position confirmed_ = 0;
  std::deque<bool> pending_;
};

}  // namespace agora::bus::detail
