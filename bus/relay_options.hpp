#pragma once
// Options of the Kafka side of a node: where the brokers are, which topic each
// aggregate kind goes to, and the outbox relay's producer, batching, checkpoint
// and back-off settings. Read from the `kafka.*` configuration keys.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "common/option_error.hpp"

namespace agora {
class config;
}

namespace agora::bus {

/// Where the node's Kafka is.
enum class broker_mode : std::uint8_t {
  /// librdkafka's mock cluster in this process (memory only; development and tests).
  embedded,
  /// A real cluster: `relay_options::bootstrap_servers` lists its brokers.
  external,
  /// No Kafka: the relay is not started.
  off,
};

/// "embedded", "external" or "off".
const char* to_string(broker_mode m) noexcept;

/// Maps a stream id to its topic. Stream ids are `<kind>-<id>` (`order-o-1`,
/// `inventory-SKU-1`, `claim-sku:X`): the kind is the part before the first '-'
/// (the whole id when there is none).
struct topic_map {
  /// kind -> topic, e.g. "order" -> "agora.order".
  std::map<std::string, std::string, std::less<>> topics = {
      {"product", "agora.product"}, {"inventory", "agora.inventory"}, {"cart", "agora.cart"},
      {"order", "agora.order"},     {"customer", "agora.customer"},
  };
  /// Topic of streams whose kind has no entry; empty means such events are not
  /// published (the relay skips them, and still moves its checkpoint past them).
  std::string default_topic = "agora.other";

  /// The kind of `stream`: the part before the first '-'.
  static std::string_view kind_of(std::string_view stream) noexcept;
  /// The topic for `stream`, or nullopt when it is not published. The view
  /// points into this map and is valid while the map is unchanged.
  std::optional<std::string_view> topic_for(std::string_view stream) const noexcept;
};

/// Settings of the outbox relay (and the connection settings the feed consumer
/// shares). Defaults are what a production node runs with.
struct relay_options {
  /// kafka.brokers: "embedded" (default), "off", or a bootstrap list
  /// ("host1:9092,host2:9092"), which selects broker_mode::external.
  broker_mode mode = broker_mode::embedded;
  /// The bootstrap list (external mode; in embedded mode, filled in from the
  /// embedded broker before the relay starts).
  std::string bootstrap_servers;
  /// kafka.embedded.brokers / kafka.embedded.partitions: size of the embedded cluster.
  int embedded_brokers = 3;
  int embedded_partitions = 4;

  /// kafka.topic.<kind> (product, inventory, cart, order, customer) and
  /// kafka.topic.default ("" skips streams of other kinds).
  topic_map topics;

  /// kafka.client_id.
  std::string client_id = "agora";
  /// kafka.checkpoint_name: the store checkpoint the relay keeps.
  std::string checkpoint_name = "outbox.kafka";

  /// kafka.linger: how long the producer waits to fill a batch (librdkafka linger.ms).
  std::int64_t linger_ms = 5;
  /// kafka.batch_bytes: largest produce batch per partition (librdkafka batch.size).
  std::uint64_t batch_bytes = 1u << 20;
  /// kafka.message_max_bytes: largest message the producer sends. Events may be
  /// 1 MiB of data, so it is above a broker's 1 MB default: raise the broker's and
  /// topics' max.message.bytes to match, or such an event stops the relay (it is
  /// retried, never skipped).
  std::uint64_t message_max_bytes = 2u << 20;
  /// kafka.message_timeout: how long librdkafka retries one message before it
  /// reports it failed. The relay then republishes from its checkpoint (a
  /// timeout is never a skip), so this bounds how long one stuck producer
  /// instance lives, not whether the event is published.
  std::int64_t message_timeout_ms = 30000;
  /// kafka.max_in_flight_events: events handed to the producer and not yet
  /// confirmed, at most. Bounds the relay's memory.
  std::size_t max_in_flight_events = 100000;
  /// kafka.scan_batch: events read from the log per scan. Scans above 4096
  /// events read ahead and bypass the block cache (see event_store::scan_log),
  /// which is what a relay catching up wants.
  std::size_t scan_batch = 8192;

  /// kafka.checkpoint_interval / kafka.checkpoint_events: the checkpoint is
  /// written when this much time has passed or this many events were confirmed
  /// since the last write, whichever comes first, and on stop.
  std::int64_t checkpoint_interval_ms = 1000;
  std::uint64_t checkpoint_events = 10000;

  /// kafka.backoff_min / kafka.backoff_max: waits after a failure, doubling from
  /// min to max, reset by the next confirmed delivery.
  std::int64_t backoff_min_ms = 100;
  std::int64_t backoff_max_ms = 10000;

  /// kafka.stop_timeout: on stop, how long to wait for events in flight to be
  /// confirmed (their checkpoint then moves) before giving up on them.
  std::int64_t stop_timeout_ms = 5000;

  /// Extra librdkafka producer properties ("key=value" pairs), e.g. for TLS or
  /// SASL: kafka.producer_properties = "security.protocol=ssl,ssl.ca.location=/x".
  std::string producer_properties;

  /// kafka.publish_personal_data: publish personal data (the e-mail address
  /// and name fields of customer events, and the `claim-email:<address>`
  /// streams, whose id is the address). Off by default. Secret fields
  /// (password hashes) are never published, whatever this says: the relay
  /// passes every event through domain::redact_event_data().
  bool publish_personal_data = false;

  /// Reads the kafka.* keys from `cfg`, defaults as above, and checks them
  /// (validate()); a value out of range is refused, naming its key.
  static expected<relay_options, option_error> from_config(config& cfg);
  /// Checks the limits (embedded cluster size, timeouts, batches, backoff,
  /// checkpoint name, producer properties); the message names the key. The
  /// relay's start() runs it too, for options built by hand.
  [[nodiscard]] expected<void, option_error> validate() const;
};

/// Splits "a=b,c=d" into pairs. Returns nullopt (with `why`) when a pair has no '='.
std::optional<std::map<std::string, std::string>> parse_properties(std::string_view text, std::string* why);

}  // namespace agora::bus
