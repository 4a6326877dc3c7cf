#include "bus/relay_options.hpp"

#include <algorithm>

#include "common/config.hpp"

namespace agora::bus {

const char* to_string(broker_mode m) noexcept {
  switch (m) {
    case broker_mode::embedded: return "embedded";
    case broker_mode::external: return "external";
    case broker_mode::off: return "off";
  }
  return "?";
}

std::string_view topic_map::kind_of(std::string_view stream) noexcept {
  const auto dash = stream.find('-');
  return dash == std::string_view::npos ? stream : stream.substr(0, dash);
}

std::optional<std::string_view> topic_map::topic_for(std::string_view stream) const noexcept {
  auto it = topics.find(kind_of(stream));
  if (it != topics.end() && !it->second.empty()) return std::string_view(it->second);
  if (default_topic.empty()) return std::nullopt;
  return std::string_view(default_topic);
}

std::optional<std::map<std::string, std::string>> parse_properties(std::string_view text, std::string* why) {
  std::map<std::string, std::string> out;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      if (why) *why = "property without key=value: '" + std::string(item) + "'";
      return std::nullopt;
    }
    out[std::string(trim(item.substr(0, eq)))] = std::string(trim(item.substr(eq + 1)));
  }
  return out;
}

expected<relay_options, option_error> relay_options::from_config(config& cfg) {
  relay_options o;
  const std::string brokers = cfg.get_string(
      "kafka.brokers", "embedded", "embedded (in-process mock cluster, memory only), off, or host:port,...");
  if (brokers == "embedded") {
    o.mode = broker_mode::embedded;
  } else if (brokers == "off" || brokers.empty()) {
    o.mode = broker_mode::off;
  } else {
    o.mode = broker_mode::external;
    o.bootstrap_servers = brokers;
  }
  o.embedded_brokers = static_cast<int>(
      cfg.get_int("kafka.embedded.brokers", o.embedded_brokers, "brokers of the embedded mock cluster"));
  o.embedded_partitions = static_cast<int>(
      cfg.get_int("kafka.embedded.partitions", o.embedded_partitions, "partitions of each agora topic (embedded)"));

  for (auto& [kind, topic] : o.topics.topics) {
    topic = cfg.get_string("kafka.topic." + kind, topic, "topic of the " + kind + " streams");
  }
  o.topics.default_topic = cfg.get_string("kafka.topic.default", o.topics.default_topic,
                                          "topic of streams of other kinds; empty: do not publish them");
  o.client_id = cfg.get_string("kafka.client_id", o.client_id, "Kafka client.id");
  o.checkpoint_name = cfg.get_string("kafka.checkpoint_name", o.checkpoint_name, "store checkpoint of the relay");
  o.linger_ms = cfg.get_duration_ms("kafka.linger", o.linger_ms, "producer linger.ms");
  o.batch_bytes = cfg.get_bytes("kafka.batch_bytes", o.batch_bytes, "producer batch.size");
  o.message_max_bytes = cfg.get_bytes("kafka.message_max_bytes", o.message_max_bytes, "producer message.max.bytes");
  o.message_timeout_ms =
      cfg.get_duration_ms("kafka.message_timeout", o.message_timeout_ms, "producer message.timeout.ms");
  o.max_in_flight_events = static_cast<std::size_t>(cfg.get_int(
      "kafka.max_in_flight_events", static_cast<std::int64_t>(o.max_in_flight_events), "unconfirmed events at most"));
  o.scan_batch = static_cast<std::size_t>(
      cfg.get_int("kafka.scan_batch", static_cast<std::int64_t>(o.scan_batch), "events read per log scan"));
  o.checkpoint_interval_ms =
      cfg.get_duration_ms("kafka.checkpoint_interval", o.checkpoint_interval_ms, "checkpoint write interval");
  o.checkpoint_events = static_cast<std::uint64_t>(cfg.get_int(
      "kafka.checkpoint_events", static_cast<std::int64_t>(o.checkpoint_events), "checkpoint every N events"));
  o.backoff_min_ms = cfg.get_duration_ms("kafka.backoff_min", o.backoff_min_ms, "first retry wait");
  o.backoff_max_ms = cfg.get_duration_ms("kafka.backoff_max", o.backoff_max_ms, "longest retry wait");
  o.stop_timeout_ms = cfg.get_duration_ms("kafka.stop_timeout", o.stop_timeout_ms, "wait for deliveries on stop");
  o.producer_properties = cfg.get_string("kafka.producer_properties", "", "extra librdkafka properties a=b,c=d",
                                         config_secrecy::properties);
  o.publish_personal_data = cfg.get_bool(
      "kafka.publish_personal_data", o.publish_personal_data,
      "publish e-mail addresses and names (agora.customer) and e-mail claim streams; password hashes never");

  if (auto valid = o.validate(); !valid) return unexpected(std::move(valid).error());
  return o;
}

expected<void, option_error> relay_options::validate() const {
  auto refuse = [](const char* key, std::string message) {
    return expected<void, option_error>(unexpected(option_error{key, std::move(message)}));
  };
  std::string why;
  if (embedded_brokers < 1 || embedded_brokers > 16) {
    return refuse("kafka.embedded.brokers", "kafka.embedded.brokers must be 1..16");
  }
  if (embedded_partitions < 1 || embedded_partitions > 1024) {
    return refuse("kafka.embedded.partitions", "kafka.embedded.partitions must be 1..1024");
  }
  if (message_timeout_ms < 1000) return refuse("kafka.message_timeout", "kafka.message_timeout must be >= 1s");
  if (linger_ms < 0 || linger_ms > 60000) return refuse("kafka.linger", "kafka.linger must be 0..60s");
  if (max_in_flight_events < 1 || max_in_flight_events > 10000000) {
    return refuse("kafka.max_in_flight_events", "kafka.max_in_flight_events must be 1..10000000");
  }
  if (scan_batch < 1 || scan_batch > 100000) return refuse("kafka.scan_batch", "kafka.scan_batch must be 1..100000");
  if (backoff_min_ms < 1 || backoff_max_ms < backoff_min_ms) {
    return refuse("kafka.backoff_min", "kafka.backoff_min must be >= 1ms and <= kafka.backoff_max");
  }
  if (checkpoint_name.empty()) return refuse("kafka.checkpoint_name", "kafka.checkpoint_name must not be empty");
  if (!parse_properties(producer_properties, &why)) {
    return refuse("kafka.producer_properties", "kafka.producer_properties: " + why);
  }
  return {};
}

}  // namespace agora::bus
