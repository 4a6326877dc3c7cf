#pragma once
// An offline replay of the read models: the models the projection runner
// keeps, built from the log by one thread, with no runner, no change routing,
// no checkpoints and no writes to the store. For tools (agoractl replay) and
// tests: it shows how long a rebuild takes and what it yields (each model's
// checksum()), to compare with a running node's models.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "eventstore/event.hpp"
#include "projections/dry_run.hpp"

namespace agora::eventstore {
class event_store;
}

namespace agora::projections {

/// What one model got from a replay.
struct replayed_model {
  std::string name;  ///< "catalog", "orders", "accounts", "dashboard"
  std::uint64_t events_applied = 0;
  /// Time spent in this model's apply (estimated from every 16th event) and
  /// in building its final snapshot; decoding is shared and not included.
  double apply_seconds = 0;
  /// The model's checksum() after the replay.
  std::uint64_t checksum = 0;
  /// Entries: products, orders, accounts; the dashboard's total orders.
  std::uint64_t entries = 0;
  /// With replay_options::compare_with: the stored model compared key by
  /// key with this replay (live = stored, shadow = replayed).
  std::optional<dry_run_report> compared;
};

/// What replay_models() did.
struct replay_report {
  eventstore::log_position after = 0;  ///< events after this position were read
  eventstore::log_position to = 0;     ///< the last position read
  std::uint64_t events_read = 0;
  /// Events no codec accepted (skipped, as the runner does).
  std::uint64_t undecodable = 0;
  /// The first undecodable event, for the message.
  std::string first_undecodable;
  double seconds = 0;  ///< wall time of the whole replay
  std::vector<replayed_model> models;
};

/// Called after each batch with the position reached and the target.
using replay_progress = std::function<void(eventstore::log_position reached, eventstore::log_position target)>;

/// The names replay_models() accepts, in the runner's order.
const std::vector<std::string>& replayable_models();

/// Builds fresh models `names` (a subset of replayable_models(), in any order;
/// empty means all) from the events after `after` up to the store's last
/// position at the call, and reports each one's checksum. `after` > 0 yields
/// a partial model (the events before it are not applied): for looking at a
/// range, not for comparing with a node. Errors: an unknown name, a failed read.
/// Only reads the store (a read-only or secondary instance is fine). The
/// models are built on disk as the runner's are, in `scratch_dir` (which
/// must not hold anything else; the caller removes it afterwards) or, when
/// empty, in memory (fine for tests and small logs: memory grows with the log).
/// `up_to` > 0 stops at that position instead of the store's end (to compare
/// with a node's models at the position they report); an error when the
/// store does not reach it.
/// How replay_models() runs; see the positional overload for each field.
struct replay_options {
  eventstore::log_position after = 0;
  replay_progress progress;
  std::string scratch_dir;
  eventstore::log_position up_to = 0;
  /// An offline dry run: a stopped node's read models (its projections.path)
  /// to compare with. The replay then goes up to the position they are
  /// stored at (up_to and after must be 0), and each replayed model carries
  /// the comparison (replayed_model::compared). Errors: no models' database
  /// there, one held by a running agorad, a model missing, stored in another
  /// format, or built from another log.
  std::string compare_with;
};

/// replay_models() with its options in a struct.
agora::expected<replay_report, std::string> replay_models(const eventstore::event_store& store,
                                                          const std::vector<std::string>& names,
                                                          const replay_options& options);

agora::expected<replay_report, std::string> replay_models(const eventstore::event_store& store,
                                                          const std::vector<std::string>& names,
                                                          eventstore::log_position after = 0,
                                                          const replay_progress& progress = {},
                                                          const std::string& scratch_dir = {},
                                                          eventstore::log_position up_to = 0);

}  // namespace agora::projections
