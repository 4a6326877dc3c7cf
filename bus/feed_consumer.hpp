#pragma once
// The feed consumer: reads the topics the outbox relays publish (this node's
// and other nodes') in a Kafka consumer group and hands projections batches of
// decoded, de-duplicated events, as the local log would.
//
// Delivery: at-least-once from Kafka, made effectively once by the
// de-duplicator (event ids, and stream versions: see event_deduper). Offsets
// are committed only after the handler returned success for the batch; a
// failing handler gets the same batch again after a back-off, so nothing is
// skipped. After a restart, a batch applied but not committed is delivered
// again: projections that persist their state keep each stream's version and
// ignore what they already have.
//
// Order: each stream's events come in version order (one stream = one key =
// one partition); streams on different partitions interleave.
//
// This header pulls in no librdkafka header.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/feed_event.hpp"
#include "common/expected.hpp"
#include "common/option_error.hpp"

namespace agora {
class config;
}

namespace agora::bus {

struct relay_options;

struct feed_consumer_options {
  /// Brokers to bootstrap from ("host:port,...").
  std::string bootstrap_servers;
  /// kafka.feed.group: the consumer group. Every node's projections use their
  /// own group (e.g. "agora.projections.<node>") to each see the whole feed.
  std::string group_id = "agora.projections";
  /// Topics to read (default: the relay's topics, see from_config).
  std::vector<std::string> topics;
  std::string client_id = "agora-feed";
  /// kafka.feed.max_batch: events per handler call at most.
  std::size_t max_batch = 500;
  /// kafka.feed.max_wait: how long to wait to fill a batch once it has an event.
  std::int64_t max_wait_ms = 20;
  /// kafka.feed.dedupe_ids / kafka.feed.dedupe_streams: the de-duplicator's bounds.
  std::size_t dedupe_ids = 1u << 18;
  std::size_t dedupe_streams = 1u << 18;
  /// Wait after a handler failure, doubling up to the max.
  std::int64_t backoff_min_ms = 100;
  std::int64_t backoff_max_ms = 10000;
  /// Extra librdkafka consumer properties, "a=b,c=d".
  std::string consumer_properties;

  /// Reads kafka.feed.* keys; bootstrap servers and topics come from `relay`
  /// (its topic map: every kind's topic and the default topic). A count below
  /// its floor (max_batch 1, the dedupe bounds 0) or an empty group is
  /// refused, naming the key.
  static expected<feed_consumer_options, option_error> from_config(config& cfg, const relay_options& relay);
};

/// Counters, for /metrics.
struct feed_stats {
  std::uint64_t messages = 0;    ///< messages read from Kafka
  std::uint64_t delivered = 0;   ///< events handed to the handler and applied
  std::uint64_t duplicates = 0;  ///< events dropped as already seen
  std::uint64_t malformed = 0;   ///< messages that are not envelopes (skipped, logged)
  std::uint64_t batches = 0;     ///< successful handler calls
  std::uint64_t handler_failures = 0;
  std::uint64_t commit_errors = 0;
  std::uint64_t errors = 0;      ///< consumer errors reported by librdkafka
};

/// Applies one batch (never empty). Returns success, or an error message to
/// have the same batch retried after a back-off. Runs on the consumer thread.
using feed_handler = std::function<expected<void, std::string>(const std::vector<feed_event>& batch)>;

class feed_consumer {
 public:
  /// Creates the consumer, subscribes, and starts its thread. Fails with a
  /// message for a bad option or librdkafka property.
  [[nodiscard]] static expected<std::unique_ptr<feed_consumer>, std::string> start(
      const feed_consumer_options& options, feed_handler handler);
  /// Stops (see stop()).
  ~feed_consumer();
  feed_consumer(const feed_consumer&) = delete;
  feed_consumer& operator=(const feed_consumer&) = delete;

  /// Stops after the current handler call, leaves the group, joins the thread.
  /// A batch not yet applied is not committed. Idempotent.
  void stop();
  feed_stats stats() const;

  class impl;

 private:
  explicit feed_consumer(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::bus
