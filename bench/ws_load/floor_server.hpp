#pragma once
// The floor of run_ws_bench.sh, not a server to use: one epoll thread that does
// the least a WebSocket fan-out can do. Each POST /broadcast body is framed
// once and written to every client with one send() each, so what it costs per
// delivery is what the kernel costs on this machine: no server that writes
// each message to each client can do better.
//
// It cuts every corner the generator does not see: Sec-WebSocket-Accept is a
// constant (agora-ws-load does not check it), client frames are skipped
// without unmasking, and a client that cannot take a frame at once gets it
// queued without bound.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace agora::bench {

/// The fan-out floor on 127.0.0.1. `run` serves on the calling thread until `stop`.
class floor_server {
public:
  /// Listens on `port` (0: a free one, see `port()`); exits the process if it cannot.
  explicit floor_server(std::uint16_t port);
  ~floor_server();
  floor_server(const floor_server&) = delete;
  floor_server& operator=(const floor_server&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// Serves until `stop` (from any thread; noticed within 100 ms).
  void run();
  void stop() noexcept { stopping_.store(true); }

private:
  struct peer {
    bool websocket = false;
    std::string in;
    std::string out;  // bytes the socket could not take yet
  };

  void watch(int fd, std::uint32_t events, int op);
  void accept_all();
  void drop(int fd);
  void read(int fd);
  void skip_frames(int fd, peer& p, const char* data, std::size_t n);
  void broadcast(std::string_view body);
  void send_to(int fd, std::string_view bytes);
  void flush(int fd);

  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::unordered_map<int, peer> peers_;
  std::vector<int> clients_;
};

}  // namespace agora::bench
