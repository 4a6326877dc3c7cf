#pragma once
// The HTTP/1.1 server (Boost.Beast inside, behind a pimpl: this header has no
// Beast or Asio so that whoever wires the server compiles fast).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/expected.hpp"

namespace agora {
class config;
}

namespace agora::http {

class router;
class metrics_registry;
struct upgrade_route;

/// Limits and settings of the server; from_config() reads the http.* keys.
struct server_options {
  /// http.address: the address to listen on.
  std::string address = "127.0.0.1";
  /// http.port: 0 picks a free port (see server::port()).
  std::uint16_t port = 8080;
  /// http.io_threads: io threads, each running its own io_context; connections
  /// are spread over them round robin.
  int io_threads = 1;
  /// http.body_limit: larger bodies are refused with 413.
  std::size_t body_limit = 1u << 20;
  /// http.header_limit: a larger start line + header block gets 431.
  std::size_t header_limit = 8u << 10;
  /// http.read_timeout: an idle keep-alive connection, or a request that takes
  /// longer than this to arrive, is closed.
  std::chrono::milliseconds read_timeout{30000};
  /// http.write_timeout: a response that cannot be written within this closes
  /// the connection (a peer that stopped reading).
  std::chrono::milliseconds write_timeout{30000};
  /// http.request_timeout: a handler that has not answered within this gets a
  /// 503 Problem "timeout" sent in its place; its later answer is dropped.
  std::chrono::milliseconds request_timeout{30000};
  /// http.max_pipelined: requests read ahead of their answers per connection;
  /// the connection stops reading until an answer goes out.
  std::size_t max_pipelined = 16;
  /// http.max_connections: beyond this, a new connection gets 503 and is closed.
  std::size_t max_connections = 1024;
  /// http.shutdown_grace: how long stop() lets in-flight requests finish.
  std::chrono::milliseconds shutdown_grace{5000};
  /// http.cors_origins: comma-separated allowed origins; "*" allows any;
  /// empty (default): no CORS headers at all.
  std::vector<std::string> cors_origins;
  /// http.access_log: one info line per request.
  bool access_log = true;

  /// Reads the http.* keys above from `cfg`, defaults as above.
  static server_options from_config(config& cfg);
};

/// Optional collaborators of the server.
struct server_hooks {
  /// When set, the server records agora_http_requests_total{route,method,status},
  /// agora_http_request_duration_seconds{route}, agora_http_connections (gauge).
  /// Must outlive the server.
  metrics_registry* metrics = nullptr;
  /// WebSocket (or other) upgrades: an upgrade request whose path equals a
  /// route's path is handed over with its socket (see upgrade.hpp); other
  /// upgrade requests get 404.
  std::vector<std::shared_ptr<const upgrade_route>> upgrades;
};

/// An HTTP/1.1 server with keep-alive, pipelining, limits, timeouts, CORS,
/// security headers, request ids, access log and metrics. Answers are written
/// in request order per connection.
class server {
 public:
  server();
  ~server();  // stop()s if running
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts the io threads. `routes` must outlive the
  /// server and not change while it runs. Returns an error message when the
  /// address cannot be bound or the server already runs.
  [[nodiscard]] expected<void, std::string> start(const server_options& options, const router& routes,
                                                  server_hooks hooks = {});
  /// The bound port (useful with port 0); 0 before start().
  std::uint16_t port() const noexcept;
  /// Open connections right now.
  std::size_t connections() const noexcept;
  /// Graceful stop: stops accepting, closes idle connections, lets in-flight
  /// requests be answered for up to options.shutdown_grace, then closes every
  /// connection and joins the io threads. Idempotent; must not be called from
  /// an io thread (a handler).
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace agora::http
