#include "floor_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace agora::bench {

floor_server::floor_server(std::uint16_t port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 4096) != 0) {
    std::perror("agora-ws-floor: listen");
    std::exit(1);
  }
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  watch(listen_fd_, EPOLLIN, EPOLL_CTL_ADD);
}

floor_server::~floor_server() {
  for (const auto& [fd, p] : peers_) ::close(fd);
  ::close(epoll_fd_);
  ::close(listen_fd_);
}

void floor_server::run() {
  std::array<epoll_event, 512> events{};
  while (!stopping_.load(std::memory_order_relaxed)) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      const auto& e = events[static_cast<std::size_t>(i)];
      if (e.data.fd == listen_fd_) {
        accept_all();
        continue;
      }
      if (peers_.count(e.data.fd) == 0) continue;  // dropped earlier in this batch
      if ((e.events & EPOLLOUT) != 0) flush(e.data.fd);
      if ((e.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read(e.data.fd);
    }
  }
}

void floor_server::watch(int fd, std::uint32_t events, int op) {
  epoll_event e{};
  e.events = events;
  e.data.fd = fd;
  ::epoll_ctl(epoll_fd_, op, fd, &e);
}

void floor_server::accept_all() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    peers_[fd];
    watch(fd, EPOLLIN, EPOLL_CTL_ADD);
  }
}

void floor_server::drop(int fd) {
  ::close(fd);
  if (peers_[fd].websocket) {
    for (auto& c : clients_) {
      if (c == fd) {
        c = clients_.back();
        clients_.pop_back();
        break;
      }
    }
  }
  peers_.erase(fd);
}

void floor_server::read(int fd) {
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

void floor_server::skip_frames(int fd, peer& p, const char* data, std::size_t n) {
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
      return drop(fd);  // no client of the bench sends 64 KiB frames
    }
    if (p.in.size() - pos < head + len) break;
    if ((b[0] & 0x0f) == 0x8) return drop(fd);  // close
    pos += head + len;
  }
  p.in.erase(0, pos);
}

void floor_server::broadcast(std::string_view body) {
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

void floor_server::send_to(int fd, std::string_view bytes) {
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

void floor_server::flush(int fd) {
  auto& p = peers_[fd];
  const auto n = ::send(fd, p.out.data(), p.out.size(), MSG_NOSIGNAL);
  if (n > 0) p.out.erase(0, static_cast<std::size_t>(n));
  if (p.out.empty()) watch(fd, EPOLLIN, EPOLL_CTL_MOD);
}

}  // namespace agora::bench
