// realtime.* settings: read, checked, refused naming the key.

#include "common/config.hpp"
#include "realtime/realtime_service.hpp"

namespace agora::realtime {

expected<realtime_options, option_error> realtime_options::from_config(config& cfg) {
  realtime_options o;
  o.path = cfg.get_string("realtime.path", o.path, "the path upgraded to WebSocket (the realtime feed)");
  const auto queue_messages = cfg.get_int("realtime.send_queue_messages", static_cast<std::int64_t>(o.send_queue_messages),
                                          "messages waiting for one WebSocket client at most; beyond: closed 1013");
  const auto queue_bytes = cfg.get_bytes("realtime.send_queue_bytes", o.send_queue_bytes,
                                         "bytes waiting for one WebSocket client at most; beyond: closed 1013");
  const auto message_bytes = cfg.get_bytes("realtime.max_message_bytes", o.max_message_bytes,
                                           "largest message a WebSocket client may send; beyond: closed 1009");
  const auto subs = cfg.get_int("realtime.max_subscriptions", static_cast<std::int64_t>(o.max_subscriptions),
                                "channels one WebSocket connection may subscribe to");
  const auto conns = cfg.get_int("realtime.max_connections", static_cast<std::int64_t>(o.max_connections),
                                 "WebSocket connections in all; beyond: the handshake gets 503");
  const auto per_user = cfg.get_int("realtime.max_connections_per_user", static_cast<std::int64_t>(o.max_connections_per_user),
                                    "WebSocket connections per account; beyond: closed 1008");
  const auto idle = cfg.get_duration_ms("realtime.idle_timeout", o.idle_timeout.count(),
                                        "a WebSocket client silent this long is closed; pinged after half of it");
  const auto handshake = cfg.get_duration_ms("realtime.handshake_timeout", o.handshake_timeout.count(),
                                             "the WebSocket opening and closing handshakes must finish within this");
  const auto resume = cfg.get_int("realtime.max_resume_events", static_cast<std::int64_t>(o.max_resume_events),
                                  "how many events back a subscription can resume from (older: resume_too_old)");
  if (o.path.empty() || o.path.front() != '/') return unexpected(make_option_error("realtime.path", "must start with /"));
  if (queue_messages < 1 || queue_messages > 1'000'000) {
    return unexpected(make_option_error("realtime.send_queue_messages", "must be 1..1000000"));
  }
  if (queue_bytes < 1024 || queue_bytes > (1ull << 30)) {
    return unexpected(make_option_error("realtime.send_queue_bytes", "must be 1KiB..1GiB"));
  }
  if (message_bytes < 256 || message_bytes > (16ull << 20)) {
    return unexpected(make_option_error("realtime.max_message_bytes", "must be 256..16MiB"));
  }
  if (subs < 1 || subs > 10000) return unexpected(make_option_error("realtime.max_subscriptions", "must be 1..10000"));
  if (conns < 1 || conns > 10'000'000) {
    return unexpected(make_option_error("realtime.max_connections", "must be 1..10000000"));
  }
  if (per_user < 1 || per_user > 100000) {
    return unexpected(make_option_error("realtime.max_connections_per_user", "must be 1..100000"));
  }
  if (idle < 100 || idle > 3'600'000) {
    return unexpected(make_option_error("realtime.idle_timeout", "must be 100ms..1h"));
  }
  if (handshake < 100 || handshake > 600'000) {
    return unexpected(make_option_error("realtime.handshake_timeout", "must be 100ms..10m"));
  }
  if (resume < 0 || resume > 10'000'000) {
    return unexpected(make_option_error("realtime.max_resume_events", "must be 0..10000000"));
  }
  o.send_queue_messages = static_cast<std::size_t>(queue_messages);
  o.send_queue_bytes = static_cast<std::size_t>(queue_bytes);
  o.max_message_bytes = static_cast<std::size_t>(message_bytes);
  o.max_subscriptions = static_cast<std::size_t>(subs);
  o.max_connections = static_cast<std::size_t>(conns);
  o.max_connections_per_user = static_cast<std::size_t>(per_user);
  o.idle_timeout = std::chrono::milliseconds(idle);
  o.handshake_timeout = std::chrono::milliseconds(handshake);
  o.max_resume_events = static_cast<std::size_t>(resume);
  return o;
}

}  // namespace agora::realtime
