#pragma once
// Internal to agora_projections: one read model as the runner holds it, and
// its rebuild. A rebuild feeds a fresh model from position 0 beside the live
// one, which keeps serving readers; once the fresh one has caught up with the
// live one it replaces it (projection_runner::rebuild).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/expected.hpp"
#include "eventstore/event.hpp"
#include "projections/src/model.hpp"

namespace agora::eventstore {
class event_store;
}

namespace agora::projections::detail {

/// One read model in the runner. The runner thread owns the models; the
/// atomics and last_error are read by status() from any thread.
struct model_slot {
  /// As reported by status() and accepted by rebuild().
  std::string name;
  /// Makes an empty model publishing into the model's snapshot slot.
  std::function<std::unique_ptr<model>()> make;
  /// The model readers' snapshots come from.
  std::unique_ptr<model> live;
  /// The model being rebuilt from position 0; it never publishes until it has
  /// caught up with `live` and replaces it. Null when no rebuild is under way.
  std::unique_ptr<model> rebuilt;
  /// Set by rebuild(), taken by the runner thread. Guarded by the runner's mu_.
  bool rebuild_requested = false;
  std::atomic<bool> rebuilding{false};
  std::atomic<eventstore::log_position> rebuild_position{0};
  /// Events applied since start, rebuilds included.
  std::atomic<std::uint64_t> events_applied{0};
  /// The last problem; guarded by the runner's status_mu_.
  std::string last_error;

  /// Starts a rebuild if one was requested and none is under way; a request
  /// while one is under way lets it continue. Needs the runner's mu_.
  void take_rebuild_request();

  /// Feeds the rebuilt model one batch (at most `batch_events` events) towards
  /// `target`, the position the live models have applied. Returns true once it
  /// has reached `target` (then call swap_in_rebuilt); an error when the log
  /// could not be read (the rebuild stays where it was).
  agora::expected<bool, std::string> step_rebuild(const eventstore::event_store& store,
                                                  eventstore::log_position target, std::size_t batch_events);

  /// Makes the rebuilt model the live one and publishes it at `position`
  /// (which it has reached).
  void swap_in_rebuilt(eventstore::log_position position);
};

}  // namespace agora::projections::detail
