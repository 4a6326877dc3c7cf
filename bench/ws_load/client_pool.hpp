#pragma once
// N WebSocket clients on loopback, spread over a few epoll threads, that count
// and time every broadcast they receive.
#include "latency_histogram.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agora::bench {

/// How a client talks to the server once the WebSocket is open.
enum class dialect {
  agora,     ///< WS_PROTOCOL v1: subscribe to `notifications`, ready on `subscribed`
  ws,        ///< plain: ready at once, every text frame is a message
  socketio,  ///< Engine.IO v4 / Socket.IO 4: `0{..}` -> `40` -> `40{..}`, `2` -> `3`, events `42[..]`
};

/// Where and how many clients connect.
struct pool_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  dialect kind = dialect::ws;
  std::string path = "/";
  std::string subprotocol;                ///< Sec-WebSocket-Protocol to offer; empty: none
  std::vector<std::string> sources;       ///< local addresses, used round robin (more ephemeral ports)
  std::size_t clients = 1000;
  std::size_t threads = 1;
  std::size_t max_pending = 256;          ///< handshakes in flight per thread
};

/// The step tag carried by every broadcast payload indexes these; more are refused.
inline constexpr std::size_t max_steps = 48;

/// The clients. Each thread owns its connections and its counters; other threads
/// only read the counters (atomics), so the hot path takes no lock.
class client_pool {
public:
  explicit client_pool(pool_options options);
  ~client_pool();
  client_pool(const client_pool&) = delete;
  client_pool& operator=(const client_pool&) = delete;

  /// Starts the threads; each opens its share of the connections at once, at
  /// most `max_pending` handshakes in flight.
  void start();
  /// Stops the threads and closes every socket.
  void stop();

  /// Connections subscribed (ready to receive) now.
  std::size_t ready() const noexcept { return ready_.load(std::memory_order_relaxed); }
  /// Connections that never became ready (connect, handshake or subscribe failed).
  std::size_t failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
  /// Ready connections that the server closed (or reset) later.
  std::size_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  /// The first failure or close seen, for the report.
  std::string first_error() const;

  /// Broadcast receipts so far, all steps.
  std::uint64_t delivered_total() const noexcept;
  /// Receipts of broadcasts tagged with `step`.
  std::uint64_t delivered_in_step(std::size_t step) const noexcept;
  /// Receipts whose sequence number was below one the same client had seen (reordered).
  std::uint64_t reordered() const noexcept;
  /// Latency counts (microseconds) of `step`'s receipts, and its maximum.
  void step_latencies(std::size_t step, std::array<std::uint64_t, latency_histogram::bucket_count>& out,
                      std::uint64_t& max_micros) const noexcept;

  struct worker;

private:
  friend struct worker;
  void note_error(const std::string& what);

  pool_options options_;
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> ready_{0};
  std::atomic<std::size_t> failed_{0};
  std::atomic<std::size_t> dropped_{0};
  mutable std::mutex error_mutex_;
  std::string first_error_;
};

}  // namespace agora::bench
