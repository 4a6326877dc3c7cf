#pragma once
// The outbox relay: publishes the event log to Kafka.
//
// Two stages, one thread each. The reader (`relay-reader`) reads the log from
// the relay's checkpoint in batches (scan_log), passes every event through the
// domain's redaction (actors/domain/redaction.hpp: secrets never leave the
// store) and encodes it, at most two batches ahead. The producer
// (`relay-producer`) hands each event to librdkafka's idempotent producer
// (acks=all; topic by aggregate kind, key = stream id so one aggregate's events
// keep their order, value = the JSON envelope, headers event_id / event_type /
// position) and polls for delivery reports. The checkpoint moves only to the
// end of the contiguous run of confirmed events, so it never passes an
// unconfirmed one.
//
// Failures never drop or reorder: the idempotent producer retries inside
// librdkafka with per-partition order kept; when a message still fails (a
// timeout after kafka.message_timeout, a fatal producer error) the relay purges
// the producer, backs off, and publishes again from the last confirmed event.
// At-least-once: after a crash or such a restart, events after the checkpoint
// are published again, and consumers drop them by event id
// (bus/feed_event.hpp).
//
// The write path never waits for the relay: it learns of commits from a store
// subscription that only raises a flag. While Kafka is away the outbox lag
// (store last position - relay checkpoint) grows and shows in stats().
//
// This header pulls in no librdkafka header.

#include <cstdint>
#include <memory>
#include <string>

#include "bus/relay_options.hpp"
#include "common/expected.hpp"
#include "eventstore/event.hpp"

namespace agora::eventstore {
class event_store;
}

namespace agora::bus {

/// What the relay is doing.
enum class relay_state : std::uint8_t {
  /// Not started, or stopped.
  stopped,
  /// Publishing, or idle with nothing to publish.
  running,
  /// Waiting after a failure before it publishes again from its checkpoint.
  backing_off,
  /// No broker reachable: librdkafka keeps retrying; events queue up to the
  /// in-flight limit, then the relay waits.
  broker_down,
};

/// "stopped", "running", "backing_off", "broker_down".
const char* to_string(relay_state s) noexcept;

/// A snapshot of the relay's counters, for /metrics and /health/detailed.
struct relay_stats {
  relay_state state = relay_state::stopped;
  /// Events confirmed by Kafka since start (republished ones count again).
  std::uint64_t published = 0;
  /// Events not published because their kind has no topic (kafka.topic.default = "").
  std::uint64_t skipped = 0;
  /// Every event up to here is confirmed (the checkpoint, maybe not yet written).
  eventstore::log_position last_delivered_position = 0;
  /// The checkpoint as last written to the store.
  eventstore::log_position checkpoint = 0;
  /// store.last_position() - last_delivered_position: the outbox lag, in events.
  std::uint64_t lag = 0;
  /// Events handed to the producer and not yet confirmed.
  std::uint64_t in_flight = 0;
  /// Errors seen: failed deliveries, producer errors, store read errors.
  std::uint64_t errors = 0;
  /// Times the relay restarted publishing from its checkpoint after a failure.
  std::uint64_t retries = 0;
  /// Times a produce call found librdkafka's queue full and had to wait.
  std::uint64_t queue_full = 0;
  /// The last error, for humans ("" when none yet).
  std::string last_error;
};

/// Publishes the store's log to Kafka. Thread-safe: start/stop from one owner
/// thread, stats() from any.
class outbox_relay {
 public:
  /// A relay over `store` (which must outlive it). `options.bootstrap_servers`
  /// must be set (for embedded mode: from embedded_broker::bootstrap_servers()).
  outbox_relay(eventstore::event_store& store, relay_options options);
  /// Stops (see stop()).
  ~outbox_relay();
  outbox_relay(const outbox_relay&) = delete;
  outbox_relay& operator=(const outbox_relay&) = delete;

  /// Reads the checkpoint and starts the relay thread. Fails (with a message)
  /// for an options error, a mode of `off`, a missing bootstrap list, a bad
  /// producer property, or a checkpoint read error; calling it twice fails too.
  [[nodiscard]] expected<void, std::string> start();

  /// Stops publishing: waits up to kafka.stop_timeout for events in flight,
  /// writes the checkpoint, joins the thread. Idempotent.
  void stop();

  /// The current counters.
  relay_stats stats() const;

  /// Blocks until every event up to `position` is confirmed or `timeout_ms`
  /// passes; returns whether it was. For tests and tools.
  bool wait_for_delivered(eventstore::log_position position, std::int64_t timeout_ms) const;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::bus
