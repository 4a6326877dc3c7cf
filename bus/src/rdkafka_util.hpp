#pragma once
// Small helpers shared by the relay and the feed consumer around librdkafka's
// C API: building a configuration from string pairs and routing its logs.

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <map>
#include <string>

#include "common/expected.hpp"

namespace agora::bus::detail {

/// Sets every pair on a new conf. Fails with "key: why" for a bad property.
inline expected<rd_kafka_conf_t*, std::string> make_conf(const std::map<std::string, std::string>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return unexpected(k + ": " + err);
    }
  }
  return conf;
}

/// librdkafka's log lines into spdlog (called on librdkafka's threads;
/// spdlog's default logger is thread-safe). Syslog levels: 0..7.
inline void log_to_spdlog(const rd_kafka_t* /*rk*/, int level, const char* fac, const char* buf) {
  const auto lvl = level <= 3 ? spdlog::level::err : level <= 4 ? spdlog::level::warn
                 : level <= 6 ? spdlog::level::info : spdlog::level::debug;
  spdlog::log(lvl, "kafka {}: {}", fac, buf);
}

}  // namespace agora::bus::detail
