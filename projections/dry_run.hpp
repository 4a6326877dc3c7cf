#pragma once
// Rebuild progress and dry runs: what an operator sees of a read model being
// rebuilt beside the live one (projection_runner::rebuild) or rebuilt into a
// shadow and compared with it key by key (projection_runner::dry_run).

#include <cstdint>
#include <string>
#include <vector>

#include "eventstore/event.hpp"

namespace agora::projections {

/// A rebuild's or a dry run's progress, carried by change batches
/// (change_batch::progress) to the admins' realtime channel.
struct rebuild_progress {
  /// The read model: "catalog", "orders", "accounts", "dashboard".
  std::string name;
  /// A dry run (compared, never swapped in) rather than a rebuild.
  bool dry_run = false;
  /// The position the shadow model has reached...
  eventstore::log_position position = 0;
  /// ...and the position of the live models it must reach (it moves while
  /// the node keeps writing).
  eventstore::log_position target = 0;
  /// Dry runs, once the shadow has caught up: the keys compared so far.
  std::uint64_t keys_compared = 0;
  /// Finished: swapped in (rebuild) or compared (dry run, see dry_run_report).
  bool done = false;
  /// A finished dry run: the keys that differ (0: equal).
  std::uint64_t differences = 0;
  /// Stopped on this error (done is false); empty otherwise.
  std::string error;
};

/// One key a dry run found different.
struct key_difference {
  enum class kind : std::uint8_t {
    only_live,     ///< the live model has the key, the shadow does not
    only_shadow,   ///< the shadow has the key, the live model does not
    value_differs, ///< both have it with different values
  };
  kind what = kind::value_differs;
  /// The key as the model stores it, made readable: what the entry is
  /// ("order", "stock", "index by status"...) and its id, non-printable
  /// bytes as \xNN. Personal data in keys (e-mail addresses) is withheld.
  std::string key;
};

/// The outcome of a dry run of one read model: a shadow rebuilt from the log
/// up to the live model's position and compared with it, key by key, at one
/// consistent snapshot of both. Nothing is switched.
struct dry_run_report {
  enum class state : std::uint8_t {
    running,  ///< the shadow is being rebuilt or compared
    done,     ///< compared: see the counts
    failed,   ///< stopped on `error`
  };
  std::string name;
  state what = state::running;
  /// Running: the shadow's progress. Done: the position both were compared at.
  eventstore::log_position position = 0;
  eventstore::log_position target = 0;
  /// Entries in each model (every stored key, indexes included).
  std::uint64_t live_entries = 0;
  std::uint64_t shadow_entries = 0;
  /// Keys only in the live model, only in the shadow, in both with other values.
  std::uint64_t only_live = 0;
  std::uint64_t only_shadow = 0;
  std::uint64_t differing = 0;
  /// The first differences in key order (at most max_listed_differences).
  std::vector<key_difference> first;
  std::string error;

  /// How many differences `first` lists at most.
  static constexpr std::size_t max_listed_differences = 20;

  /// Compared, and nothing differs.
  bool equal() const noexcept {
    return what == state::done && only_live == 0 && only_shadow == 0 && differing == 0;
  }
};

}  // namespace agora::projections
