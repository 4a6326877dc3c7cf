#pragma once
// Helpers of the Kafka tests: read every message of some topics from the
// beginning (an outside view of what the relay published), and append
// numbered events to a store.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bus/embedded_broker.hpp"
#include "bus/relay_options.hpp"
#include "eventstore/event_store.hpp"

namespace agora::bus::testing {

/// Relay options for a test against `broker`: short linger and checkpoint
/// interval, so that tests see deliveries and checkpoints quickly.
inline relay_options test_relay_options(const embedded_broker& broker) {
  relay_options o;
  o.mode = broker_mode::embedded;
  o.bootstrap_servers = broker.bootstrap_servers();
  o.linger_ms = 2;
  o.checkpoint_interval_ms = 50;
  return o;
}

/// One consumed message.
struct consumed {
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

/// Reads `topics` from the beginning in a fresh consumer group until at least
/// `min_messages` arrived and then nothing new for `quiet`, or `timeout`.
inline std::vector<consumed> read_all(const std::string& bootstrap, const std::vector<std::string>& topics,
                                      std::size_t min_messages, std::chrono::milliseconds quiet,
                                      std::chrono::milliseconds timeout) {
  static int group_seq = 0;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::string group = "test-reader-" + std::to_string(::getpid()) + "-" + std::to_string(++group_seq);
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) return {};
  rd_kafka_poll_set_consumer(rk);
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);

  std::vector<consumed> out;
  const auto start = std::chrono::steady_clock::now();
  auto last_new = start;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now - start > timeout) break;
    if (out.size() >= min_messages && now - last_new > quiet) break;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      consumed c;
      c.topic = rd_kafka_topic_name(m->rkt);
      c.partition = m->partition;
      c.offset = m->offset;
      if (m->key) c.key.assign(static_cast<const char*>(m->key), m->key_len);
      if (m->payload) c.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
          c.headers[name] = std::string(static_cast<const char*>(val), size);
        }
      }
      out.push_back(std::move(c));
      last_new = std::chrono::steady_clock::now();
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

/// Appends one event of type `type` with data {"n":<n>,"pad":"..."} to `stream`.
inline eventstore::store_result<eventstore::append_result> append_numbered(eventstore::event_store& store,
                                                                          const std::string& stream,
                                                                          const std::string& type, int n,
                                                                          std::size_t pad = 0) {
  eventstore::new_event e;
  e.type = type;
  e.data = "{\"n\":" + std::to_string(n) + ",\"pad\":\"" + std::string(pad, 'x') + "\"}";
  std::vector<eventstore::new_event> events;
  events.push_back(std::move(e));
  return store.append(stream, eventstore::expected_version::any(), std::move(events));
}

}  // namespace agora::bus::testing
