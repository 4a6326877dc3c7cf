#pragma once
// Internal to agora_projections: one read model as the runner holds it, and
// its shadow. A shadow is a fresh model fed from position 0 into a new
// generation's column family beside the live one, which keeps serving
// readers. For a rebuild, once the shadow has caught up with the live model
// it replaces it (projection_runner::rebuild), in the batch that moves the
// model's meta record to the new generation, and the old family is dropped.
// For a dry run (projection_runner::dry_run) the two are compared key by key
// at one snapshot and the shadow is dropped.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/expected.hpp"
#include "eventstore/event.hpp"
#include "projections/dry_run.hpp"
#include "projections/src/model.hpp"
#include "projections/src/model_diff.hpp"

namespace agora::eventstore {
class event_store;
}

namespace agora::projections::detail {

/// What a model's shadow (the model being rebuilt beside the live one) is for.
enum class shadow_use : std::uint8_t {
  none,     ///< no shadow
  rebuild,  ///< swapped in once it has caught up
  dry_run,  ///< compared with the live model once it has caught up, then dropped
};

/// A dry run's comparison: the live family and the shadow's at one snapshot
/// (the iterators in `diff` read through them: declared last, destroyed first).
struct shadow_comparison {
  snapshot_ptr snap;
  family_ptr live;
  family_ptr shadow;
  std::unique_ptr<model_diff> diff;
};

/// One read model in the runner. The runner thread owns the models; the
/// atomics are set from any thread, and report/last_error are guarded by the
/// runner's status_mu_.
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
  /// The last generation any shadow of this process used: a dropped
  /// family's name is never used again (the next shadow takes the next one).
  std::uint64_t last_shadow_generation = 0;
  /// Events up to here are in `live` (runner thread).
  eventstore::log_position position = 0;
  /// What a shadow is asked for or under way for. Set by request_shadow()
  /// (any thread, under the runner's status_mu_), back to none by the runner
  /// thread when the work ends: for a dry run under status_mu_ together with
  /// its report, for a rebuild by swap_in_rebuilt (no report to keep).
  std::atomic<shadow_use> use{shadow_use::none};
  /// The model being rebuilt from position 0 into a new generation; it never
  /// publishes. Null when no shadow is being built (runner thread).
  std::unique_ptr<model> rebuilt;
  family_ptr rebuilt_family;
  std::uint64_t rebuilt_generation = 0;
  /// A dry run's comparison once its shadow has caught up (runner thread).
  std::unique_ptr<shadow_comparison> comparison;
  std::atomic<eventstore::log_position> rebuild_position{0};
  /// Events applied since start, rebuilds included.
  std::atomic<std::uint64_t> events_applied{0};
  /// The last problem; guarded by the runner's status_mu_.
  std::string last_error;
  /// The last dry run's report (what.name empty: none yet); status_mu_.
  dry_run_report report;
  /// When progress was last told (runner thread).
  std::chrono::steady_clock::time_point progress_told{};

  /// Asks for a shadow for `what` (rebuild or dry_run). Asking again for
  /// what is under way is fine (it continues); an error when the other one
  /// is under way. Any thread.
  agora::expected<void, std::string> request_shadow(shadow_use what);

  /// Whether the runner thread has shadow work to do for this model.
  bool shadow_work() const noexcept { return use.load(std::memory_order_acquire) != shadow_use::none; }

  /// Starts the shadow asked for unless one is being built: creates the
  /// next generation's family. Runner thread.
  agora::expected<void, std::string> start_shadow(model_db& db);

  /// Feeds the shadow one batch (at most `batch_events` events) towards
  /// `target`, the position the live models have applied, and writes what it
  /// built. Returns true once it has reached `target` (then call
  /// swap_in_rebuilt or start_comparison); an error when the log could not be
  /// read or the model written (the shadow stays where it was).
  agora::expected<bool, std::string> step_rebuild(const eventstore::event_store& store, model_db& db,
                                                  eventstore::log_position target, std::size_t batch_events);

  /// Makes the rebuilt model the live one at `position` (which it has
  /// reached): writes its meta record, drops the old family and publishes.
  agora::expected<void, std::string> swap_in_rebuilt(model_db& db, eventstore::log_position position);

  /// A dry run's shadow has reached the live model at `position` (both
  /// written): starts comparing them at a snapshot of the database.
  void start_comparison(model_db& db);

  /// Drops the shadow (its family included). The caller then ends the
  /// shadow work (use = none), with the dry run's report under the runner's
  /// status_mu_.
  void drop_shadow(model_db& db);
};

}  // namespace agora::projections::detail
