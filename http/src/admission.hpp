#pragma once
// The books of open connections and the decision whether a new one is served.
// Pure (no socket, no Asio), so unit tested on its own
// (tests/http/admission_test.cpp); the acceptor asks it for every accepted
// socket and each session releases its place when it ends.
//
// Connection exhaustion: a connection costs an attacker a socket and us a
// place under max_connections for as long as we let it sit. Three limits
// keep such connections from starving the others:
// - max_connections_per_ip: one address cannot take more than its share
//   (refused with 429). Trusted proxies are exempt, as every client behind
//   them shares their address; the global cap still bounds them.
// - header_timeout: a connection that does not complete a request head soon
//   is closed (session::head_wait_deadline).
// - shedding at the global cap: a connection that has a request in flight is
//   doing work for a client; one waiting for a head (half-sent, or an idle
//   keep-alive) is not, and closing it loses nothing (RFC 9112 9.3: an idle
//   connection may be closed at any time; clients retry on a new one). So a
//   newcomer at the cap closes the one that has waited longest and takes its
//   place; only when every connection has a request in flight is the
//   newcomer refused (503). Many addresses flooding half-sent heads thus
//   only push each other out, and a health probe or a real client, which
//   sends its head at once, gets served. Refusing the newcomer instead (the
//   old behaviour) handed the server to whoever opened connections first.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace agora::http {

/// What the books need to know about a connection to pick one to shed, shared
/// so that the acceptor can read it while the connection runs on another
/// thread.
struct conn_mark {
  /// steady_clock ticks since the connection began waiting for a request head
  /// with nothing in flight; 0 while it is not (a request is being read,
  /// handled or answered). Written by the connection's thread.
  std::atomic<std::int64_t> waiting_since{0};
  /// The books chose this connection to shed and the acceptor ordered it to
  /// close; it is not chosen twice. The connection clears it when it did not
  /// close after all (a head completed in the meantime).
  std::atomic<bool> shed_ordered{false};
};

/// Open connections: how many, how many per peer address, and which one may
/// make room. Thread-safe.
class connection_books {
 public:
  struct limits {
    /// http.max_connections (>= 1).
    std::size_t max_connections = 1024;
    /// http.max_connections_per_ip; 0: no per-address cap.
    std::size_t max_per_ip = 128;
  };
  enum class verdict { admitted, per_ip, global };
  struct admission {
    verdict outcome = verdict::admitted;
    /// Admitted: the connection's id in the books, for release().
    std::uint64_t id = 0;
    /// Admitted at the cap: the connection to close to make room (see
    /// conn_mark::shed_ordered). Null when none needs closing, or when the
    /// chosen one is ending already (its place is about to be free).
    std::shared_ptr<void> victim;
  };

  explicit connection_books(limits l) : limits_(l) {}

  /// Decides whether a new connection from `peer_ip` is served and, if so,
  /// enters it: refused when its address has max_per_ip open already
  /// (`exempt`: a trusted proxy, not counted per address), or when
  /// max_connections are open and none of them waits for a request head.
  /// `conn` is what live() and admission::victim hand back.
  admission admit(const std::string& peer_ip, bool exempt, std::weak_ptr<void> conn,
                  std::shared_ptr<conn_mark> mark);
  /// The connection admitted as `id` is now served by `conn` (what live()
  /// hands back for it): a session handing its socket over to a taker.
  void rebind(std::uint64_t id, std::weak_ptr<void> conn);
  /// The connection admitted as `id` ended: its places are free. Returns the
  /// connections open now.
  std::size_t release(std::uint64_t id);
  /// Connections open now.
  std::size_t open() const noexcept { return open_.load(); }
  /// The admitted connections still alive.
  std::vector<std::shared_ptr<void>> live() const;

 private:
  struct entry {
    std::weak_ptr<void> conn;
    std::shared_ptr<conn_mark> mark;
    std::string ip;
    bool ip_counted = false;  // counted in per_ip_
  };

  const limits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, entry> entries_;
  // Open connections per peer address (exempt ones not counted).
  std::unordered_map<std::string, std::size_t> per_ip_;
  std::uint64_t next_id_ = 1;
  std::atomic<std::size_t> open_{0};
};

}  // namespace agora::http
