#pragma once
// The projection runner: feeds the read models (catalog, orders, accounts,
// dashboard) from the event store's log and publishes immutable snapshots.
//
// The read models live on disk (projections.path; docs/ARCHITECTURE.md, "Read
// models on disk"): each publish writes every model's changes together with its
// position in one RocksDB batch, so a start resumes from the stored position
// instead of replaying the log, and a model and its position never disagree,
// after kill -9 included. The checkpoints the runner also writes to the event
// store ("projection.<name>") are informational (lag for operators and tools).

// Threads: one runner thread applies and publishes (and, while catching up, a
// writer thread inserts each staged batch into the models' RocksDB while the
// runner applies the next events). The store's commit notification
// (subscribe) wakes it; it never polls. Each wake-up scans the log from the
// last applied position in batches (options::batch_events), applies every event
// to every model, then publishes: the models' changes are written (one batch),
// each model's next snapshot is swapped in (a RocksDB snapshot for the models on
// disk; copy-on-write with structural sharing for the catalogue in memory), then
// change listeners get a change_batch, then waiters of wait_for() whose position
// is reached are called. Listeners come first so that a cache invalidated by its listener is
// clean before a read-your-writes request waiting for the position goes on.
// While it is far behind (at start), it publishes every publish_interval or
// publish_every_events events instead of every batch, which keeps catch-up fast.
//
// Readers (HTTP io threads) call catalog()/orders()/... and get a
// shared_ptr<const snapshot>: an atomic load, never a lock held by the writer.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/subscription.hpp"
#include "eventstore/event.hpp"
#include "projections/accounts.hpp"
#include "projections/catalog.hpp"
#include "projections/change_notice.hpp"
#include "projections/dashboard.hpp"
#include "projections/dry_run.hpp"
#include "projections/orders.hpp"

namespace agora::eventstore {
class event_store;
}

namespace agora::projections {

/// One read model's progress, for /metrics and admin status.
struct projection_status {
  std::string name;  ///< "catalog", "orders", "accounts", "dashboard"
  /// The last position applied and published.
  eventstore::log_position position = 0;
  /// store.last_position() - position at the time of the call.
  std::uint64_t lag = 0;
  /// Events applied since start (rebuilds included).
  std::uint64_t events_applied = 0;
  /// The last problem (an undecodable event, a failed read), empty if none.
  std::string last_error;
  /// A rebuild from position 0 is under way; readers still see the old model.
  bool rebuilding = false;
  /// A dry run is under way (see projection_runner::dry_run).
  bool dry_running = false;
  /// When rebuilding or dry running: the position the shadow has reached.
  eventstore::log_position rebuild_position = 0;
};

/// What the read models on disk hold, for /metrics and benchmarks.
struct storage_stats {
  /// Memtables plus the block cache in use: the read models' RocksDB memory.
  std::uint64_t memory_bytes = 0;
  /// Table files on disk (the models' size, without what is still in memtables).
  std::uint64_t disk_bytes = 0;
};

/// Called with true once every read model has applied the awaited position,
/// or with false when the timeout passes first (or the runner stops).
using wait_callback = std::function<void(bool reached)>;

/// Called with each published batch of changes.
using change_listener = std::function<void(const change_batch&)>;

/// The runner's options.
struct runner_options {
  /// Events read per scan_log call.
  std::size_t batch_events = 10'000;
  /// While catching up, publish at least this often...
  std::chrono::milliseconds publish_interval{1000};
  /// ...or after this many events, whichever comes first. When the runner has
  /// read everything there is, it publishes after every batch. Publishing is
  /// cheap, but it shares every chunk with the new snapshot, so the next
  /// writes copy the chunks they touch: during a replay that touches them all,
  /// publishing every 200 ms made the replay 2.4x slower (projections_bench).
  std::size_t publish_every_events = 1'000'000;
  /// Checkpoints are written at most this often.
  std::chrono::milliseconds checkpoint_interval{1000};
  /// Pending wait_for() calls at most; past it a wait is answered false at once.
  std::size_t max_waiters = 100'000;
  /// Event notices per change_batch at most; past it the batch carries only
  /// the tag "all" and no events (listeners must resynchronize).
  std::size_t max_notices_per_batch = 200'000;
  /// The read models' RocksDB directory (projections.path); empty: in memory
  /// (tests), rebuilt at every start.
  std::string path;
  /// Block cache for the models on disk: with write_buffer_bytes, the bound
  /// on the read side's memory whatever the history.
  std::size_t block_cache_bytes = std::size_t{128} << 20;
  /// Memtables of the models together; also about how much a kill -9 makes
  /// the runner apply again at the next start.
  std::size_t write_buffer_bytes = std::size_t{64} << 20;
  /// Orders (and their dashboard facts) kept decoded in the runner's memory
  /// for the events that follow them.
  std::size_t hot_orders = 50'000;
  /// Routed notices kept in memory for read_notices() (a realtime client
  /// resuming after a disconnect): the notices of about the last this many
  /// events. 0: none kept (read_notices answers too_old).
  std::size_t history_events = 0;
  /// Rebuilds and dry runs tell their progress (change_batch::progress) at
  /// most this often, besides when they start and end.
  std::chrono::milliseconds progress_interval{250};
};

/// Where a node keeps its read models by default (projections.path), from its
/// store's path: ./data/projections beside ./data/store, else
/// <store.path>-projections (two stores side by side never share one).
std::string default_models_path(const std::string& store_path);

/// Why read_notices() cannot answer.
enum class history_error : std::uint8_t {
  /// The range starts before the oldest event whose notice is still held
  /// (runner_options::history_events back, or before the runner started).
  too_old = 1,
  /// The range holds more than the max_events asked for.
  too_many = 2,
};

/// Keeps a change listener registered; unregisters on destruction (see
/// projection_runner::subscribe for what unregistering waits for).
using change_subscription = agora::subscription;

/// Runs the read models. Thread-safe; every member may be called from any thread.
class projection_runner {
 public:
  /// Names accepted by rebuild() and reported by status().
  static constexpr std::string_view catalog_name = "catalog";
  static constexpr std::string_view orders_name = "orders";
  static constexpr std::string_view accounts_name = "accounts";
  static constexpr std::string_view dashboard_name = "dashboard";

  /// Prepares the runner on `store` (which must outlive it). Nothing runs and
  /// every snapshot is empty (position 0) until start().
  explicit projection_runner(eventstore::event_store& store, runner_options options = {});
  /// Stops the thread; pending waits are answered false.
  ~projection_runner();
  projection_runner(const projection_runner&) = delete;
  projection_runner& operator=(const projection_runner&) = delete;

  /// Opens the read models on disk (options.path), resumes each from its
  /// stored position, subscribes to the store and starts the runner thread,
  /// which applies the rest of the log and then follows it. Returns once the
  /// stored models are published; use wait_for_position(store.last_position(),
  /// ...) to wait for the catch-up. A model missing on disk, of another
  /// format version, or built from another log starts empty and is built
  /// from position 0. Errors: the models' database cannot be opened (e.g.
  /// another process holds it). Calling it twice does nothing the second time.
  agora::expected<void, std::string> start();
  /// Stops the runner thread and unsubscribes; pending waits are answered
  /// false. Snapshots stay readable. Idempotent.
  void stop();

  /// The current snapshots: never null, never blocking.
  std::shared_ptr<const catalog_snapshot> catalog() const;
  std::shared_ptr<const orders_snapshot> orders() const;
  std::shared_ptr<const accounts_snapshot> accounts() const;
  std::shared_ptr<const dashboard_snapshot> dashboard() const;

  /// The position every read model has applied and published, and whose
  /// change listeners have all returned (so a cache they invalidate is clean).
  eventstore::log_position position() const noexcept;

  /// Calls `done(true)` once every read model has applied `position` and the
  /// change listeners for it have returned, or
  /// `done(false)` after `timeout`. Never blocks: when the position is already
  /// applied, `done(true)` runs on the calling thread before wait_for returns;
  /// otherwise it runs on the runner thread (which also keeps the timeouts, so
  /// a timeout may be late by at most one batch's work). `done` must not block.
  void wait_for(eventstore::log_position position, std::chrono::milliseconds timeout,
                wait_callback done);
  /// Blocks until every read model has applied `position` or `timeout` passes;
  /// returns whether it was reached. For tests and tools, never an io thread.
  bool wait_for_position(eventstore::log_position position, std::chrono::milliseconds timeout);

  /// Registers `listener` for change batches. It runs on the runner thread after
  /// the batch's snapshots are published and before the waits for the batch's
  /// position are answered; it must not block. Once the subscription is reset
  /// (or destroyed), the listener is not running (unless reset from inside
  /// it) and will not be called again.
  [[nodiscard]] change_subscription subscribe(change_listener listener);

  /// The notices of the events after `after` up to `up_to` (log positions),
  /// in log order, routed exactly as the change listeners got them (same
  /// channels, same data, same stock transitions; events nobody is told of
  /// are left out): the routed history, so that a realtime client can resume
  /// from a position with the same channel mapping as the live feed. Never
  /// blocks on the runner (a copy under a short lock). `up_to` should not
  /// pass position(); notices beyond it may not be held yet.
  [[nodiscard]] agora::expected<std::vector<event_notice>, history_error> read_notices(
      eventstore::log_position after, eventstore::log_position up_to, std::size_t max_events) const;

  /// Rebuilds read model `name` from position 0 in the background while the old
  /// one keeps serving; the rebuilt model is swapped in once it has caught up
  /// (a change_batch tagged "all" announces it). Its progress is told to the
  /// change listeners (change_batch::progress). Errors: an unknown name, a
  /// runner that is not started, a dry run of the model under way. A rebuild
  /// already under way continues.
  [[nodiscard]] agora::expected<void, std::string> rebuild(std::string_view name);

  /// Rebuilds read model `name` from position 0 into a shadow beside the live
  /// one, as rebuild() does, then, instead of swapping it in, compares the two
  /// key by key at one snapshot (both at the same position, however the node
  /// keeps writing) and drops the shadow; dry_run_result() has the outcome,
  /// and the change listeners get its progress. Readers and writers are not
  /// affected beyond the work it adds. Errors as for rebuild() (a rebuild of
  /// the model under way instead of a dry run); one already under way continues.
  [[nodiscard]] agora::expected<void, std::string> dry_run(std::string_view name);

  /// The last dry run of `name` since start: under way, done or failed.
  /// Errors: an unknown name, or no dry run since start.
  [[nodiscard]] agora::expected<dry_run_report, std::string> dry_run_result(std::string_view name) const;

  /// One entry per read model, in the order catalog, orders, accounts, dashboard.
  std::vector<projection_status> status() const;

  /// The read models' RocksDB figures; zeros before start().
  storage_stats storage() const;

  class impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace agora::projections
