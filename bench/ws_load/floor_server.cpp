// agora-ws-floor: the floor of run_ws_bench.sh, not a server to use. One epoll
// thread that does the least a WebSocket fan-out can do: each POST /broadcast
// body is framed once and written to every client with one send() each. What
// it costs per delivery is what the kernel costs on this machine; no server
// that writes each message to each client can do better.
//
// It cuts every corner the generator does not see: Sec-WebSocket-Accept is a
// constant (agora-ws-load does not check it), client frames are skipped
// without unmasking, and a client that cannot take a frame at once gets it
// queued without bound.
// usage: agora-ws-floor PORT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

struct peer {
  bool websocket = false;
  std::string in;
  std::string out;  // bytes the socket could not take yet
};

class floor_server {
public:
  explicit floor_server(std::uint16_t port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 4096) != 0) {
      std::perror("listen");
      std::exit(1);
    }
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    watch(listen_fd_, EPOLLIN, EPOLL_CTL_ADD);
  }

  void run() {
    std::array<epoll_event, 512> events{};
    for (;;) {
      const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
      for (int i = 0; i < n; ++i) {
        const auto& e = events[static_cast<std::size_t>(i)];
        if (e.data.fd == listen_fd_) {
          accept_all();
          continue;
        }
        if ((e.events & EPOLLOUT) != 0) flush(e.data.fd);
        if ((e.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read(e.data.fd);
      }
    }
  }

private:
  void watch(int fd, std::uint32_t events, int op) {
    epoll_event e{};
    e.events = events;
    e.data.fd = fd;
    ::epoll_ctl(epoll_fd_, op, fd, &e);
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      peers_[fd];
      watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  void drop(int fd) {
    ::close(fd);
    if (peers_[fd].websocket) {
      for (auto& c : clients_)
        if (c == fd) {
          c = clients_.back();
          clients_.pop_back();
          break;
        }
    }
    peers_.erase(fd);
  }

  void read(int fd) {
    char buf[65536];
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      return drop(fd);
    }
    auto& p = peers_[fd];
    if (p.websocket) return skip_frames(fd, p, buf, static_cast<std::size_t>(n));
    p.in.append(buf, static_cast<std::size_t>(n));
    for (;;) {
      const auto head_end = p.in.find("\r\n\r\n");
      if (head_end == std::string::npos) return;
      const std::string_view head(p.in.data(), head_end);
      if (head.substr(0, 4) == "GET ") {
        p.websocket = true;
        p.in.clear();
        clients_.push_back(fd);
        send_to(fd, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
        return;
      }
      std::size_t length = 0;
      for (const char* name : {"Content-Length:", "content-length:"}) {
        const auto at = head.find(name);
        if (at != std::string_view::npos) length = std::strtoul(p.in.c_str() + at + std::strlen(name), nullptr, 10);
      }
      if (p.in.size() < head_end + 4 + length) return;
      broadcast(std::string_view(p.in.data() + head_end + 4, length));
      p.in.erase(0, head_end + 4 + length);
      send_to(fd, "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}");
    }
  }

  /// Client frames (pongs, a close): skipped; a close frame ends the connection.
  void skip_frames(int fd, peer& p, const char* data, std::size_t n) {
    p.in.append(data, n);
    std::size_t pos = 0;
    while (p.in.size() - pos >= 2) {
      const auto* b = reinterpret_cast<const unsigned char*>(p.in.data() + pos);
      std::size_t len = b[1] & 0x7f;
      std::size_t head = 2 + ((b[1] & 0x80) != 0 ? 4 : 0);
      if (len == 126) {
        if (p.in.size() - pos < 4) break;
        len = (std::size_t{b[2]} << 8) | b[3];
        head += 2;
      } else if (len == 127) {
        return drop(fd);  // no client here sends 64 KiB frames
      }
      if (p.in.size() - pos < head + len) break;
      if ((b[0] & 0x0f) == 0x8) return drop(fd);
      pos += head + len;
    }
    p.in.erase(0, pos);
  }

  void broadcast(std::string_view body) {
    std::string frame;
    frame.push_back(static_cast<char>(0x81));
    if (body.size() < 126) {
      frame.push_back(static_cast<char>(body.size()));
    } else {
      frame.push_back(static_cast<char>(126));
      frame.push_back(static_cast<char>((body.size() >> 8) & 0xff));
      frame.push_back(static_cast<char>(body.size() & 0xff));
    }
    frame.append(body);
    for (const int fd : clients_) send_to(fd, frame);
  }

  void send_to(int fd, std::string_view bytes) {
    auto& p = peers_[fd];
    if (!p.out.empty()) {
      p.out.append(bytes);
      return;
    }
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    const std::size_t sent = n < 0 ? 0 : static_cast<std::size_t>(n);
    if (sent < bytes.size()) {
      p.out.assign(bytes.substr(sent));
      watch(fd, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
    }
  }

  void flush(int fd) {
    auto& p = peers_[fd];
    const auto n = ::send(fd, p.out.data(), p.out.size(), MSG_NOSIGNAL);
    if (n > 0) p.out.erase(0, static_cast<std::size_t>(n));
    if (p.out.empty()) watch(fd, EPOLLIN, EPOLL_CTL_MOD);
  }

  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  std::unordered_map<int, peer> peers_;
  std::vector<int> clients_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: agora-ws-floor PORT\n");
    return 2;
  }
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
  floor_server server(static_cast<std::uint16_t>(std::atoi(argv[1])));
  std::printf("floor peer ready on %s\n", argv[1]);
  std::fflush(stdout);
  server.run();
}
