#pragma once
// An in-process Kafka cluster: librdkafka's mock cluster, which speaks the real
// Kafka protocol on loopback TCP ports, so kcat and any other client (in this
// process or another) can connect to bootstrap_servers(). Memory only, no
// replication to disk, no security: for development, tests and benchmarks,
// never production (see docs/KAFKA.md).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace agora::bus {

struct embedded_broker_options {
  /// Brokers in the cluster (ids 1..brokers).
  int brokers = 3;
  /// Partitions of the topics created at start and of auto-created topics.
  int partitions = 4;
  /// Topics created at start with `partitions` partitions (duplicates are
  /// created once). Other topics are
  /// auto-created on first use (librdkafka's mock default: 4 partitions).
  std::vector<std::string> topics;
};

/// Owns a mock cluster (and the librdkafka handle that owns it). The cluster,
/// and every message in it, goes away with the object.
class embedded_broker {
 public:
  /// Starts the cluster. Fails with a message when librdkafka cannot.
  [[nodiscard]] static expected<std::unique_ptr<embedded_broker>, std::string> start(
      const embedded_broker_options& options);
  ~embedded_broker();
  embedded_broker(const embedded_broker&) = delete;
  embedded_broker& operator=(const embedded_broker&) = delete;

  /// "127.0.0.1:port,..." for clients' bootstrap.servers.
  const std::string& bootstrap_servers() const noexcept;
  int brokers() const noexcept;

  /// Creates `topic` with `partitions` partitions (<= 0: the start option).
  /// Returns an error message when the cluster refuses (e.g. it exists).
  [[nodiscard]] expected<void, std::string> create_topic(std::string_view topic, int partitions = 0);

  // Fault injection, for tests.
  /// Takes broker `id` (1..brokers()) down: its connections are closed and new
  /// ones refused until set_up(id).
  void set_down(std::int32_t id);
  void set_up(std::int32_t id);
  /// Every broker down / up.
  void set_all_down();
  void set_all_up();
  /// The next `errors.size()` requests with Kafka API key `api_key` (0 =
  /// Produce, 3 = Metadata, ...) fail with those Kafka error codes (e.g. 7 =
  /// REQUEST_TIMED_OUT, 6 = NOT_LEADER_FOR_PARTITION), one each, in order.
  void push_request_errors(std::int16_t api_key, const std::vector<std::int32_t>& errors);
  /// Adds `rtt_ms` of latency to broker `id`'s responses.
  void set_rtt(std::int32_t id, int rtt_ms);

  class impl;

 private:
  explicit embedded_broker(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::bus
