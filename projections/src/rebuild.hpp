#pragma once
// Internal to agora_projections: one read model as the runner holds it, and
// its rebuild. A rebuild feeds a fresh model from position 0 into the next
// generation's column family beside the live one, which keeps serving
// readers; once the fresh one has caught up with the live one it replaces it
// (projection_runner::rebuild), in the batch that moves the model's meta
// record to the new generation, and the old family is dropped.

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
  /// The format version this build writes (formats::*).
  std::uint32_t format = 0;
  /// Makes an empty model on `store`, publishing into the model's snapshot slot.
  std::function<std::unique_ptr<model>(kv_writer store)> make;
  /// The model readers' snapshots come from, its family and generation.
  std::unique_ptr<model> live;
  family_ptr family;
  std::uint64_t generation = 0;
  /// Events up to here are in `live` (runner thread).
  eventstore::log_position position = 0;
  /// The model being rebuilt from position 0 into generation + 1; it never
  /// publishes until it has caught up with `live` and replaces it. Null when
  /// no rebuild is under way.
  std::unique_ptr<model> rebuilt;
  family_ptr rebuilt_family;
  /// Set by rebuild(), taken by the runner thread. Guarded by the runner's mu_.
  bool rebuild_requested = false;
  /// Taken from rebuild_requested; started by start_rebuild() (runner thread).
  bool rebuild_pending = false;
  std::atomic<bool> rebuilding{false};
  std::atomic<eventstore::log_position> rebuild_position{0};
  /// Events applied since start, rebuilds included.
  std::atomic<std::uint64_t> events_applied{0};
  /// The last problem; guarded by the runner's status_mu_.
  std::string last_error;

  /// Marks a requested rebuild pending. Needs the runner's mu_.
  void take_rebuild_request();

  /// Starts a pending rebuild unless one is under way (which then continues):
  /// creates the next generation's family. Runner thread.
  agora::expected<void, std::string> start_rebuild(model_db& db);

  /// Feeds the rebuilt model one batch (at most `batch_events` events) towards
  /// `target`, the position the live models have applied, and writes what it
  /// built. Returns true once it has reached `target` (then call
  /// swap_in_rebuilt); an error when the log could not be read or the model
  /// written (the rebuild stays where it was).
  agora::expected<bool, std::string> step_rebuild(const eventstore::event_store& store, model_db& db,
                                                  eventstore::log_position target, std::size_t batch_events);

  /// Makes the rebuilt model the live one at `position` (which it has
  /// reached): writes its meta record, drops the old family and publishes.
  agora::expected<void, std::string> swap_in_rebuilt(model_db& db, eventstore::log_position position);
};

}  // namespace agora::projections::detail
