#pragma once
// The event store: Agora's single source of truth, on RocksDB.
//
// Every state change is an event in a stream (one stream per aggregate, e.g.
// "order-<id>") and in one global log ordered by commit. The log is also the
// outbox: the Kafka relay and the projections read it from their checkpoints.
//
// Writes go through one writer thread that groups the appends queued by many
// callers into one atomic RocksDB write (group commit); a second thread fsyncs
// the WAL for everything written so far and then answers those appends, so the
// fsync of one batch overlaps the writing of the next. Because there is exactly
// one writer, expected-version checks need no locks or transactions. Reads go
// straight to RocksDB, are safe from any thread, and see durable events only.
//
// This header pulls in no RocksDB header: the implementation is behind a pimpl.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/subscription.hpp"
#include "eventstore/event.hpp"
#include "eventstore/store_error.hpp"
#include "eventstore/store_options.hpp"

namespace agora::eventstore {

/// A stored snapshot of an aggregate's state.
struct snapshot {
  /// The stream version the state includes (events 1..version are folded in).
  stream_version version = 0;
  /// Schema version of `state`; a reader ignores a snapshot whose schema it
  /// does not know and replays the stream instead.
  std::uint32_t schema_version = 0;
  std::string state;
};

/// Extra effects of an append, written in the same atomic batch.
struct append_options {
  /// Wake-ups are durable reminders that an aggregate has pending work (a hold
  /// that expires, a saga to finish): after a restart, whoever owns the
  /// aggregates activates every stream with one (list_wakeups()). Setting it in
  /// the append that creates the work means a crash can never leave the work
  /// without its reminder.
  enum class wakeup_change : std::uint8_t { keep, set, clear };
  wakeup_change wakeup = wakeup_change::keep;
  /// With wakeup == set: when the work is due (0 = as soon as possible).
  timestamp_us wakeup_at = 0;
};

/// A stream's wake-up.
struct wakeup {
  std::string stream;
  timestamp_us due = 0;
};

/// Counters for /metrics and benchmarks. Monotonic unless noted.
struct store_stats {
  std::uint64_t appends = 0;          ///< appends acknowledged as written
  std::uint64_t append_errors = 0;    ///< appends answered with an error
  std::uint64_t events = 0;           ///< events written
  std::uint64_t batches = 0;          ///< RocksDB writes (group commits)
  std::uint64_t batch_appends_max = 0;///< largest batch, in appends
  std::uint64_t queued_appends = 0;   ///< gauge: appends waiting for the writer
  std::uint64_t sync_writes = 0;      ///< batches written with fsync
  std::uint64_t write_micros = 0;     ///< total time spent in RocksDB writes
  log_position last_position = 0;     ///< gauge
};

/// What verify() found.
struct integrity_report {
  bool ok = true;
  std::uint64_t events = 0;
  std::uint64_t streams = 0;
  log_position last_position = 0;
  /// Human-readable problems, at most 100.
  std::vector<std::string> problems;
};

/// Called once per append, on one of the store's threads (or, for an append
/// rejected before queueing, on the caller's thread before async_append
/// returns). It must not block: post the result to where it is needed.
/// Answers come in log order.
using append_callback = std::function<void(store_result<append_result>)>;

/// Called on the store's commit thread each time the durable log grows, with
/// the new last position, before the appends it covers are answered. Must not
/// block and must not wait for the store's answers.
using commit_listener = std::function<void(log_position)>;

/// Keeps a commit listener registered; unregisters on destruction (see
/// event_store::subscribe for what unregistering waits for).
using subscription = agora::subscription;

/// The RocksDB event store. Thread-safe.
class event_store {
 public:
  /// Opens (or creates) the store at options.path. Fails with open_failed when
  /// RocksDB cannot open it (e.g. another process holds its lock) and with
  /// corruption when its contents cannot be read.
  [[nodiscard]] static store_result<std::unique_ptr<event_store>> open(
      const store_options& options, const clock& clk = system_clock::instance());

  /// Closes the store: appends already queued are written and answered, later
  /// ones fail with shutting_down, then RocksDB is closed.
  ~event_store();
  event_store(const event_store&) = delete;
  event_store& operator=(const event_store&) = delete;

  /// Appends `events` to `stream` if its version matches `expected`, atomically:
  /// after a crash either all of them are stored or none. Never blocks: the
  /// append is validated on the calling thread, queued for the writer, and
  /// `done` is called when it is durable (store_options::sync) or failed.
  /// An empty `events` checks `expected` and answers the current version.
  /// Errors: wrong_expected_version (with actual_version), invalid_stream_id,
  /// invalid_event, too_large, overloaded, shutting_down, io_error.
  /// `options` add effects written atomically with the events, only when the
  /// append succeeds and writes at least one event.
  void async_append(std::string stream, expected_version expected, std::vector<new_event> events,
                    append_callback done, append_options options = {});

  /// async_append that waits for the answer. Blocks the calling thread: for
  /// tools, tests and dedicated threads, never for a CAF worker or io thread.
  [[nodiscard]] store_result<append_result> append(std::string stream, expected_version expected,
                                                   std::vector<new_event> events);

  /// Up to `max` events of `stream` with version >= from_version, in version
  /// order. An unknown stream yields an empty vector. Like every read, it shows
  /// only durable events (those at or before last_position()).
  [[nodiscard]] store_result<std::vector<recorded_event>> read_stream(std::string_view stream,
                                                                      stream_version from_version,
                                                                      std::size_t max) const;

  /// Up to `max` events of the global log with position >= from_position, in
  /// commit order. Only committed events are visible, and never with a gap.
  [[nodiscard]] store_result<std::vector<recorded_event>> read_log(log_position from_position,
                                                                   std::size_t max) const;

  /// Visits up to `max` log events from `from_position` without copying them;
  /// `visit` returns false to stop early. Returns how many were visited.
  [[nodiscard]] store_result<std::size_t> scan_log(
      log_position from_position, std::size_t max,
      const std::function<bool(const event_view&)>& visit) const;

  /// The position of the last durable event (0 when the log is empty): every
  /// event up to it is stored (synced, when sync is on) and readable.
  log_position last_position() const noexcept;

  /// The current version of `stream` (0 when it does not exist). This is the
  /// version the next append is checked against, so it may count appends that
  /// are written but not yet answered.
  [[nodiscard]] store_result<stream_version> current_version(std::string_view stream) const;

  /// Registers `listener` to be told of each commit (see commit_listener).
  /// This is how the outbox relay and projections learn of new events without
  /// polling. Once the subscription is reset (or destroyed), the listener is
  /// not running and will not be called again.
  [[nodiscard]] subscription subscribe(commit_listener listener);

  /// Blocks until last_position() >= position or `timeout` passes; returns
  /// whether the position was reached. For dedicated threads only.
  bool wait_for_position(log_position position, std::chrono::milliseconds timeout) const;

  /// Stores a snapshot of `stream`. Not synced: a lost snapshot costs a longer
  /// replay, never correctness.
  [[nodiscard]] store_result<void> put_snapshot(std::string_view stream, const snapshot& snap);
  /// The latest snapshot of `stream`, or nullopt.
  [[nodiscard]] store_result<std::optional<snapshot>> get_snapshot(std::string_view stream) const;

  /// Records that consumer `name` has processed the log up to `position`
  /// (synced when store_options::sync is on).
  [[nodiscard]] store_result<void> put_checkpoint(std::string_view name, log_position position);
  /// Consumer `name`'s checkpoint, or nullopt when it has none.
  [[nodiscard]] store_result<std::optional<log_position>> get_checkpoint(std::string_view name) const;

  /// Every consumer's checkpoint, by name (for export and backups).
  [[nodiscard]] store_result<std::vector<std::pair<std::string, log_position>>> list_checkpoints() const;

  /// Sets (`due` given) or clears (nullopt) the wake-up of `stream` on its own,
  /// e.g. once pending work is done. Synced when store_options::sync is on.
  [[nodiscard]] store_result<void> set_wakeup(std::string_view stream, std::optional<timestamp_us> due);
  /// Up to `max` wake-ups, by stream id.
  [[nodiscard]] store_result<std::vector<wakeup>> list_wakeups(std::size_t max) const;

  /// Checks the whole store: log positions contiguous from 1, every envelope
  /// decodes, every stream's versions contiguous from 1 and indexed at the right
  /// positions, and no index entry without its event. Reads everything: for tools and
  /// tests, not for the request path.
  [[nodiscard]] store_result<integrity_report> verify() const;

  /// secondary mode: reads what the owning node has written since the open or
  /// the last catch_up() (RocksDB's TryCatchUpWithPrimary), so that reads and
  /// last_position() move on. Other modes: nothing to do. Answers
  /// last_position() afterwards. For tools following a live log (log tail
  /// --follow); not thread-safe against concurrent reads of this instance.
  [[nodiscard]] store_result<log_position> catch_up();

  /// read_write mode: makes everything written so far durable on disk (WAL
  /// synced, memtables flushed to table files), whatever store_options::sync
  /// says. A bulk load (agoractl import) runs unsynced and calls this once at
  /// the end, before the loaded store is put in place. Call it when no append
  /// is in flight (after the last one is answered).
  [[nodiscard]] store_result<void> flush();

  /// read_write mode: writes a RocksDB checkpoint of the store into `dir`
  /// (which must not exist): a consistent, openable copy at one point in time,
  /// made of hard links where `dir` is on the same file system, without
  /// stopping appends. Fails with invalid_argument in the other modes (a
  /// checkpoint needs the owner's handle: use copy_to()).
  [[nodiscard]] store_result<void> create_checkpoint(const std::string& dir) const;

  /// Any mode: writes a new store into `dir` (which must not exist) holding
  /// every entry of every column family (log, stream index, snapshots,
  /// checkpoints, wake-ups, format marker) as seen at one RocksDB snapshot,
  /// and flushes it. The copy is consistent even while the owner appends
  /// (secondary mode sees the owner's writes up to the last catch_up()). A
  /// failure removes nothing it did not create but may leave `dir` partly
  /// written: callers write to a temporary directory and rename it. Answers
  /// the number of log events copied.
  [[nodiscard]] store_result<std::uint64_t> copy_to(const std::string& dir) const;

  /// Counters and gauges.
  store_stats stats() const;
  const store_options& options() const noexcept;

  /// Checks a stream id against the store's rules (non-empty, at most
  /// `max_bytes`, no NUL or other control characters).
  static std::optional<store_error> validate_stream_id(std::string_view stream, std::size_t max_bytes);

  class impl;

 private:
  explicit event_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::eventstore
