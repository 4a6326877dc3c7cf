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
#include "common/option_error.hpp"

namespace agora {
class config;
}

namespace agora::http {

class router;
class metrics_registry;
class rate_limiter;
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
  /// http.read_timeout: an idle keep-alive connection (nothing of a next
  /// request arrived), or a request body that takes longer than this to
  /// arrive, is closed.
  std::chrono::milliseconds read_timeout{30000};
  /// http.header_timeout: a request head (start line and header fields) must
  /// be complete within this: counted from the accept for a connection's first
  /// request; on a keep-alive connection from when the first byte of the next
  /// head is seen (checked every header_timeout, so at most twice this after
  /// that byte). Beyond it the connection is closed without an answer (a
  /// slowloris holds connections by sending heads slowly). Must be > 0.
  std::chrono::milliseconds header_timeout{5000};
  /// http.write_timeout: a response that cannot be written within this closes
  /// the connection (a peer that stopped reading).
  std::chrono::milliseconds write_timeout{30000};
  /// http.request_timeout: a handler that has not answered within this gets a
  /// 503 Problem "timeout" sent in its place; its later answer is dropped.
  std::chrono::milliseconds request_timeout{30000};
  /// http.max_pipelined: requests read ahead of their answers per connection;
  /// the connection stops reading until an answer goes out.
  std::size_t max_pipelined = 16;
  /// http.max_connections: open connections at most. When a new connection
  /// finds them all taken, the connection that has waited longest for a
  /// request head with nothing in flight (a half-sent head, an idle keep-alive
  /// connection) is closed to make room; only when every connection has a
  /// request in flight does the newcomer get 503 and is closed. So a flood of
  /// connections that never complete a request cannot lock out a health probe
  /// or a real client: it can only push out its own kind.
  std::size_t max_connections = 1024;
  /// http.max_connections_per_ip: open connections per TCP peer address at
  /// most; beyond, a new one gets 429 and is closed. Trusted proxies
  /// (trusted_proxies) are exempt: all clients behind a load balancer share
  /// its address. 0: no per-address cap.
  std::size_t max_connections_per_ip = 128;
  /// http.trusted_proxies: comma-separated addresses and CIDR networks
  /// ("10.0.0.0/8, 192.0.2.7") of load balancers in front of the server. For a
  /// request whose TCP peer is one of them, request::remote_ip is taken from
  /// X-Forwarded-For (the right-most entry that is not itself a trusted proxy);
  /// from anyone else X-Forwarded-For is ignored. Empty (default): the TCP
  /// peer is always the client. start() refuses an entry that does not parse.
  std::vector<std::string> trusted_proxies;
  /// http.shutdown_grace: how long stop() lets in-flight requests finish.
  std::chrono::milliseconds shutdown_grace{5000};
  /// http.cors_origins: comma-separated allowed origins; "*" allows any;
  /// empty (default): no CORS headers at all.
  std::vector<std::string> cors_origins;
  /// http.access_log: one info line per request.
  bool access_log = true;

  /// Reads the http.* keys above from `cfg`, defaults as above, and checks
  /// them (validate()); a value out of range is refused, naming its key,
  /// rather than clamped.
  static expected<server_options, option_error> from_config(config& cfg);
  /// Checks the values start() would refuse (an unparsable trusted_proxies
  /// entry, header_timeout <= 0, io_threads, max_pipelined or max_connections
  /// below 1); the message names the key. start() runs it too, for options
  /// built by hand.
  [[nodiscard]] expected<void, option_error> validate() const;
};

/// Optional collaborators of the server.
struct server_hooks {
  /// When set, the server records agora_http_requests_total{route,method,status},
  /// agora_http_request_duration_seconds{route}, agora_http_connections (gauge),
  /// agora_http_connections_refused_total{reason="per_ip"|"global"},
  /// agora_http_connections_shed_total (closed to make room for a newcomer),
  /// agora_http_header_timeouts_total,
  /// agora_http_upgrades_total{outcome="accepted"|"rate_limited"|"refused"} and
  /// agora_http_upgraded_connections (gauge). Must outlive the server.
  metrics_registry* metrics = nullptr;
  /// WebSocket upgrades: a WebSocket handshake whose path equals a route's
  /// path is handed over with its socket (see upgrade.hpp); other upgrade
  /// requests get 404 (400 at a route's path when not a WebSocket handshake).
  /// The connection stays counted until its taker drops the ticket.
  std::vector<std::shared_ptr<const upgrade_route>> upgrades;
  /// When set, each handshake first takes a token from the key "ip:<client
  /// ip>" (the API's per-IP bucket, so a client cannot open sockets faster
  /// than it may send requests); refused: 429 with Retry-After. Must outlive
  /// the server.
  rate_limiter* upgrade_limiter = nullptr;
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
  /// address cannot be bound, an option is invalid (the message names its
  /// key), or the server already runs.
  [[nodiscard]] expected<void, std::string> start(const server_options& options, const router& routes,
                                                  server_hooks hooks = {});
  /// The bound port (useful with port 0); 0 before start().
  std::uint16_t port() const noexcept;
  /// Open connections right now.
  std::size_t connections() const noexcept;
  /// Graceful stop: stops accepting, closes idle connections, asks the takers
  /// of upgraded connections to close them (upgrade_ticket::on_stop), lets
  /// in-flight requests be answered and upgraded connections end for up to
  /// options.shutdown_grace, then closes every connection and joins the io
  /// threads. Idempotent; must not be called from
  /// an io thread (a handler).
  void stop();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace agora::http
