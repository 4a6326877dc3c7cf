#pragma once
// Internal to agora_projections: the change listeners behind
// projection_runner::subscribe, and their delivery on the runner thread.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "projections/change_notice.hpp"
#include "projections/projection_runner.hpp"

namespace agora::projections::detail {

/// Registered change listeners. Held by shared_ptr: a subscription keeps a
/// weak_ptr, so one that outlives the runner unregisters safely (as nothing).
class change_listeners : public std::enable_shared_from_this<change_listeners> {
 public:
  /// Registers `listener` (an empty one registers nothing). Resetting the
  /// subscription unregisters it and then waits for a delivery in progress to
  /// end, unless it is reset from inside a listener (which would wait for
  /// itself).
  change_subscription add(change_listener listener);

  /// Whether any listener is registered (then the runner gathers notices).
  bool any() const noexcept { return any_.load(std::memory_order_acquire); }

  /// Calls every listener with `b`, in registration order, on this thread. A
  /// listener that throws is logged and the others still run.
  void deliver(const change_batch& b);

 private:
  void remove(std::uint64_t id);

  std::mutex mu_;  // guards listeners_ and next_id_
  std::map<std::uint64_t, std::shared_ptr<change_listener>> listeners_;
  std::uint64_t next_id_ = 0;
  std::atomic<bool> any_{false};
  // Held for the whole of a delivery, so that unregistering can wait for it.
  std::mutex delivery_mu_;
  std::atomic<std::thread::id> delivering_{};
};

}  // namespace agora::projections::detail
