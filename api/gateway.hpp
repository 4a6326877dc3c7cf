#pragma once
// The REST API (docs/API.md): every route, wired to the write model
// (actors::command_service), the read models (projections::projection_runner)
// and the HTTP machinery (auth, cache, rate limits, metrics).
//
// A request's way: http::server (parse, limits) -> http::router -> a handler
// here: authenticate, rate-limit, decode the body (request_bodies.hpp) ->
// a command to an aggregate actor -> on its answer, wait until the read
// models have applied the command's events, render the resource from them,
// answer with ETag and X-Event-Position. Reads come from immutable
// projection snapshots, through the response cache that projection change
// notices invalidate.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "common/option_error.hpp"

namespace agora {
class clock;
class config;
class json_writer;
}  // namespace agora
namespace agora::eventstore {
class event_store;
}
namespace agora::actors {
class command_service;
}
namespace agora::projections {
class projection_runner;
}
namespace agora {
class work_pool;
}
namespace agora::http {
class router;
class metrics_registry;
class jwt_signer;
class response_cache;
class rate_limiter;
}  // namespace agora::http

namespace agora::api {

struct gateway_options {
  /// How long a GET with min_position, or a write before rendering its
  /// result, waits for the read models.
  std::chrono::milliseconds read_your_writes_wait{2000};
  /// Time-to-live of cached responses that no change notice covers.
  std::chrono::milliseconds cache_ttl{30000};
  /// argon2id cost of password hashes (libsodium's "interactive" defaults;
  /// lower only with auth.allow_weak_password_cost, for tests).
  std::uint64_t password_ops_limit = 2;
  std::uint64_t password_mem_limit = 64u << 20;

  /// Logins, registrations and password changes per client IP (each costs a
  /// password hash): a bucket of its own, stricter than the general limit.
  /// auth.login_rate_limit.per_minute / .burst / .max_keys.
  double login_per_second = 30.0 / 60.0;
  double login_burst = 20;
  std::size_t login_max_keys = 100000;
  /// Failed logins per account (normalized e-mail): after this many in a row
  /// the account's logins are refused (429, Retry-After, no hash computed)
  /// for login_lock_base, doubling with each further failure up to
  /// login_lock_max; a successful login resets it. auth.login_lockout.*.
  std::uint32_t login_free_failures = 5;
  std::chrono::milliseconds login_lock_base{30000};
  std::chrono::milliseconds login_lock_max{15 * 60 * 1000};
  std::size_t login_lockout_max_keys = 100000;

  /// Reads api.* and auth.* keys (through password_cost, rate_limit_options
  /// and failure_backoff_options); a value out of range is refused, naming
  /// its key: the node must not start.
  static expected<gateway_options, option_error> from_config(config& cfg);
};

/// A component's health for /health/detailed.
struct component_health {
  std::string name;
  bool ok = true;
  std::string detail;
  /// Extra numbers to show (e.g. {"lag", 3}).
  std::vector<std::pair<std::string, std::int64_t>> figures;
};

/// What the gateway uses; all must outlive it.
struct gateway_deps {
  eventstore::event_store* store = nullptr;
  actors::command_service* commands = nullptr;
  projections::projection_runner* projections = nullptr;
  http::jwt_signer* tokens = nullptr;
  work_pool* hashing = nullptr;
  http::response_cache* cache = nullptr;
  http::rate_limiter* limiter = nullptr;
  http::metrics_registry* metrics = nullptr;
  const clock* clk = nullptr;
  /// Extra components for /health/detailed and /health/ready (e.g. Kafka).
  std::function<std::vector<component_health>()> extra_health;
  /// When set, GET /api/admin/stats has a member "realtime" whose value this
  /// writes (WebSocket connections and subscriptions per channel); the
  /// answer is then not cached (the counts move without change notices).
  std::function<void(json_writer&)> realtime_stats;
};

/// The API's routes and the state they share.
class gateway {
 public:
  gateway(gateway_deps deps, gateway_options options);
  /// Stops listening to projection changes.
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  /// Adds every route of docs/API.md to `r`, and GET /openapi.json describing them.
  void register_routes(http::router& r);

  /// The OpenAPI 3 document of the registered routes.
  const std::string& openapi() const;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::api
