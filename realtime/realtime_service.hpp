#pragma once
// The realtime feed: WebSocket clients at GET /ws (docs/API.md, "Realtime")
// get the events the read models show, per channel, live and resumable.
//
// Shape (docs/ARCHITECTURE.md, "Realtime"): the HTTP server hands each
// WebSocket handshake over (http/upgrade.hpp); a ws_session per connection
// runs on that connection's io thread; one fan-out actor takes the
// projections' change batches, serializes each message once and posts the
// same buffer to every session concerned. Nothing here blocks an io thread or
// waits for a socket. This header has no Beast, Asio or CAF: the node
// includes it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/expected.hpp"
#include "common/option_error.hpp"

namespace agora {
class config;
class clock;
}  // namespace agora
namespace agora::projections {
class projection_runner;
}
namespace agora::http {
class jwt_signer;
class metrics_registry;
struct upgrade_route;
}  // namespace agora::http

namespace agora::realtime {

/// The realtime.* settings.
struct realtime_options {
  /// realtime.path: the path upgraded to WebSocket.
  std::string path = "/ws";
  /// realtime.send_queue_messages / realtime.send_queue_bytes: messages
  /// waiting to be written to one client at most, and their bytes; one more
  /// closes the connection with 1013 "send queue full" (a slow consumer).
  std::size_t send_queue_messages = 1024;
  std::size_t send_queue_bytes = 4u << 20;
  /// realtime.max_message_bytes: a larger client message closes with 1009.
  std::size_t max_message_bytes = 16u << 10;
  /// realtime.max_subscriptions: channels one connection may hold.
  std::size_t max_subscriptions = 64;
  /// realtime.max_connections: WebSocket connections in all (each also counts
  /// against http.max_connections); beyond, the handshake gets 503.
  std::size_t max_connections = 20000;
  /// realtime.max_connections_per_user: per account (several devices);
  /// beyond, the connection is closed with 1008.
  std::size_t max_connections_per_user = 16;
  /// realtime.idle_timeout: a client that sends nothing (not even a pong)
  /// for this long is closed; the server pings after half of it (the
  /// heartbeat the welcome announces).
  std::chrono::milliseconds idle_timeout{30000};
  /// realtime.handshake_timeout: the WebSocket handshake and the closing
  /// handshake must finish within this.
  std::chrono::milliseconds handshake_timeout{10000};
  /// realtime.max_resume_events: how far back (in events) a subscribe with
  /// `from` can resume; older: error resume_too_old.
  std::size_t max_resume_events = 10000;

  /// Reads the keys above; a value out of range is refused, naming its key.
  static expected<realtime_options, option_error> from_config(config& cfg);
};

/// What the service uses; all must outlive it.
struct realtime_deps {
  projections::projection_runner* projections = nullptr;
  const http::jwt_signer* tokens = nullptr;
  /// Optional: agora_realtime_* metrics.
  http::metrics_registry* metrics = nullptr;
  const clock* clk = nullptr;
};

/// Connection and subscription counts (GET /api/admin/stats, /metrics).
struct realtime_stats {
  std::uint64_t connections = 0;
  /// Subscriptions per channel family ("orders", "orders:<customer>",
  /// "products", "inventory", "product:<id>", "admin", "notifications").
  std::vector<std::pair<std::string, std::uint64_t>> subscriptions;
  std::uint64_t slow_consumer_closes = 0;
  std::uint64_t messages_sent = 0;
};

/// The realtime feed. Thread-safe.
class realtime_service {
 public:
  /// Starts the fan-out (its own small CAF actor system, one scheduler
  /// thread) and subscribes it to the projections' change batches.
  realtime_service(realtime_deps deps, realtime_options options);
  /// stop()s.
  ~realtime_service();
  realtime_service(const realtime_service&) = delete;
  realtime_service& operator=(const realtime_service&) = delete;

  /// The upgrade route to give the HTTP server (server_hooks::upgrades).
  std::shared_ptr<const http::upgrade_route> route() const;

  /// Counts right now.
  realtime_stats stats() const;

  /// Closes every connection with 1001 "server shutting down", waits for them
  /// to end (at most `grace`), then stops the fan-out. Call before the HTTP
  /// server stops. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace agora::realtime
