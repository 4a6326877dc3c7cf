#include "broadcaster.hpp"

#include "payload_tag.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

namespace agora::bench {
namespace {

using steady = std::chrono::steady_clock;

std::uint64_t ns_of(steady::time_point t) noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

int connect_to(const std::string& host, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{30, 0};  // a POST unanswered for 30 s counts as failed
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Writes the request and reads one answer; returns the status (0: no answer).
int exchange(int fd, const std::string& request, std::string& error) {
  std::size_t off = 0;
  while (off < request.size()) {
    const auto n = ::send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      error = std::string("POST send: ") + std::strerror(errno);
      return 0;
    }
    off += static_cast<std::size_t>(n);
  }
  std::string in;
  char buf[4096];
  std::size_t head_end = std::string::npos;
  std::size_t need = 0;
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      error = n == 0 ? "POST: connection closed" : std::string("POST recv: ") + std::strerror(errno);
      return 0;
    }
    in.append(buf, static_cast<std::size_t>(n));
    if (head_end == std::string::npos) {
      head_end = in.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      std::size_t length = 0;
      for (const char* name : {"Content-Length:", "content-length:", "Content-length:"}) {
        const auto at = in.find(name);
        if (at != std::string::npos && at < head_end) length = std::strtoul(in.c_str() + at + std::strlen(name), nullptr, 10);
      }
      need = head_end + 4 + length;
    }
    if (in.size() >= need) break;
  }
  const int status = in.size() > 12 ? std::atoi(in.c_str() + 9) : 0;
  if (status < 200 || status > 299) error = "POST answered: " + in.substr(0, std::min<std::size_t>(in.size(), 300));
  if (in.find("Connection: close") != std::string::npos || in.find("connection: close") != std::string::npos)
    if (error.empty()) error = "closed by the server";  // reconnect before the next POST
  return status;
}

}  // namespace

broadcaster::broadcaster(broadcaster_options options) : options_(std::move(options)) {
  fds_.assign(options_.connections == 0 ? 1 : options_.connections, -1);
}

broadcaster::~broadcaster() {
  for (int fd : fds_)
    if (fd >= 0) ::close(fd);
}

std::string broadcaster::body_for(const std::string& tag) const {
  if (!options_.bearer_token.empty())
    return R"({"title":")" + tag + R"(","body":")" + options_.filler + R"(","level":"info"})";
  return R"({"type":"notification","channel":"notifications","position":0,"kind":"broadcast","level":"info","title":")" +
         tag + R"(","body":")" + options_.filler + R"(","time":"2026-12-01T02:10:00.123456Z","data":{}})";
}

post_result broadcaster::run_step(std::size_t step, double rate, std::chrono::milliseconds duration) {
  const std::size_t k = fds_.size();
  auto total = static_cast<std::uint64_t>(rate * static_cast<double>(duration.count()) / 1000.0 + 0.5);
  if (total == 0) total = 1;
  const auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
  const auto t0 = steady::now() + std::chrono::milliseconds(5);
  std::vector<post_result> parts(k);
  std::vector<std::thread> threads;
  for (std::size_t j = 0; j < k; ++j) {
    threads.emplace_back([&, j] {
      auto& r = parts[j];
      int& fd = fds_[j];
      for (std::uint64_t i = j; i < total; i += k) {
        const auto slot = t0 + interval * static_cast<std::int64_t>(i);
        std::this_thread::sleep_until(slot);
        if (fd < 0) fd = connect_to(options_.host, options_.port);
        const auto sent = steady::now();
        if (sent - slot > std::chrono::milliseconds(10)) ++r.late;
        const payload_tag tag{next_seq_.fetch_add(1), step, ns_of(sent)};
        const std::string body = body_for(format_payload_tag(tag));
        std::string req = "POST " + options_.path + " HTTP/1.1\r\nHost: " + options_.host +
                          "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n";
        if (!options_.bearer_token.empty()) req += "Authorization: Bearer " + options_.bearer_token + "\r\n";
        req += "\r\n" + body;
        ++r.sent;
        std::string error;
        const int status = fd < 0 ? 0 : exchange(fd, req, error);
        const auto answered = steady::now();
        if (status >= 200 && status <= 299) {
          ++r.accepted;
          r.answer_micros[latency_histogram::index_of(static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(answered - sent).count()))]++;
        } else {
          ++r.failed;
          if (r.first_error.empty()) r.first_error = fd < 0 ? "POST: cannot connect" : error;
        }
        if (status == 0 || !error.empty()) {
          if (fd >= 0) ::close(fd);
          fd = -1;  // reconnect for the next one
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  // A step lasts its nominal length, so that receipts counted over it compare
  // with rate x clients (the last POST's slot is one interval before the end).
  std::this_thread::sleep_until(t0 + duration);
  post_result out;
  out.seconds = std::chrono::duration<double>(steady::now() - t0).count();
  for (const auto& p : parts) {
    out.sent += p.sent;
    out.accepted += p.accepted;
    out.failed += p.failed;
    out.late += p.late;
    if (out.first_error.empty()) out.first_error = p.first_error;
    for (std::size_t i = 0; i < out.answer_micros.size(); ++i) out.answer_micros[i] += p.answer_micros[i];
  }
  return out;
}

}  // namespace agora::bench
