#pragma once
// One Agora node: the parts a process runs, started in dependency order from
// the configuration and stopped in reverse. agorad is a thin main() around it.

#include <chrono>
#include <memory>
#include <string>

#include "common/config.hpp"
#include "common/expected.hpp"
#include "actors/command_service.hpp"
#include "bus/embedded_broker.hpp"
#include "bus/outbox_relay.hpp"
#include "projections/projection_runner.hpp"

namespace agora {
class work_pool;
}
namespace agora::http {
class server;
class router;
class metrics_registry;
class jwt_signer;
class response_cache;
class rate_limiter;
}  // namespace agora::http
namespace agora::realtime {
class realtime_service;
}
namespace agora::api {
class gateway;
struct gateway_options;
}
#include "eventstore/event_store.hpp"

namespace agora {

/// A running node. Not copyable; stop() (or the destructor) shuts it down.
class node {
 public:
  /// Reads the node's keys from `cfg` and starts, in order: the event store,
  /// the Kafka outbox (and the embedded broker), the actor system (which
  /// resumes aggregates with pending work), the projections (waiting for them
  /// to catch up with the log), the first admin (AGORA_ADMIN_EMAIL and
  /// AGORA_ADMIN_PASSWORD), and the HTTP gateway. Fails with a message naming what could
  /// not be started. Unknown configuration keys are reported by the caller
  /// after start (see config::unknown_keys()).
  [[nodiscard]] static agora::expected<std::unique_ptr<node>, std::string> start(config& cfg);

  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Reads every key the node's parts use (with their defaults), without
  /// starting anything: after it, cfg.print() and cfg.unknown_keys() are complete.
  static void declare_config(config& cfg);

  /// Stops every part, in reverse order of start. Idempotent.
  void stop();

  eventstore::event_store& store() noexcept { return *store_; }
  actors::command_service& commands() noexcept { return *commands_; }
  /// The outbox relay, or null with kafka.brokers = off.
  bus::outbox_relay* relay() noexcept { return relay_.get(); }
  projections::projection_runner& projections() noexcept { return *projections_; }
  /// The realtime feed (GET /ws).
  realtime::realtime_service& realtime() noexcept { return *realtime_; }
  /// The HTTP port actually bound (http.port = 0 picks one).
  std::uint16_t http_port() const noexcept;

 private:
  node() = default;
  agora::expected<void, std::string> start_read_side(config& cfg);
  agora::expected<void, std::string> bootstrap_admin(const api::gateway_options& gw);
  // Declared in start order; stop() tears down in reverse.
  std::unique_ptr<eventstore::event_store> store_;
  std::unique_ptr<bus::embedded_broker> broker_;  // outlives the relay
  std::unique_ptr<bus::outbox_relay> relay_;
  std::unique_ptr<actors::command_service> commands_;
  std::unique_ptr<projections::projection_runner> projections_;
  std::unique_ptr<http::metrics_registry> metrics_;
  std::unique_ptr<http::jwt_signer> tokens_;
  std::unique_ptr<work_pool> hashing_;
  std::unique_ptr<http::response_cache> cache_;
  std::unique_ptr<http::rate_limiter> limiter_;
  std::unique_ptr<realtime::realtime_service> realtime_;
  std::unique_ptr<api::gateway> gateway_;
  std::unique_ptr<http::router> router_;
  std::unique_ptr<http::server> server_;
  std::chrono::milliseconds shutdown_grace_{5000};
};

}  // namespace agora
