#include "client_pool.hpp"

#include "payload_tag.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>

namespace agora::bench {
namespace {

enum class conn_state : std::uint8_t { idle, connecting, handshaking, open, ready, closed };

/// One client. Small on purpose: 10,000 of them live in one thread.
struct connection {
  int fd = -1;
  conn_state state = conn_state::idle;
  std::uint32_t index = 0;
  std::uint64_t last_seq = 0;
  std::string out;   // bytes not yet written (handshake, subscribe, pong, ...)
  std::string in;    // an incomplete frame (or response head) carried to the next read
  std::string frag;  // a fragmented text message being assembled
};

constexpr std::string_view ws_key = "dGhlIHNhbXBsZSBub25jZQ==";

std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

struct step_slot {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> max_micros{0};
  latency_histogram latencies;
};

/// One epoll thread and the connections it owns.
struct client_pool::worker {
  client_pool& pool;
  std::size_t id;
  int epoll_fd = -1;
  std::vector<connection> conns;
  std::size_t next_to_open = 0;
  std::size_t pending = 0;  // opened, neither ready nor failed yet
  std::vector<char> buffer = std::vector<char>(256 * 1024);
  std::uint32_t mask_state = 0x9e3779b9u;
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> reordered{0};
  std::array<step_slot, max_steps> steps;

  worker(client_pool& p, std::size_t worker_id) : pool(p), id(worker_id) {}

  static void bump(std::atomic<std::uint64_t>& a) noexcept {
    a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  void run() {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    std::array<epoll_event, 512> events{};
    while (!pool.stopping_.load(std::memory_order_relaxed)) {
      while (pending < pool.options_.max_pending && next_to_open < conns.size()) open(conns[next_to_open++]);
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 50);
      for (int i = 0; i < n; ++i) {
        auto& c = conns[events[static_cast<std::size_t>(i)].data.u32];
        handle(c, events[static_cast<std::size_t>(i)].events);
      }
    }
    for (auto& c : conns)
      if (c.fd >= 0) ::close(c.fd);
    ::close(epoll_fd);
  }

  void open(connection& c) {
    const auto& o = pool.options_;
    ++pending;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return fail(c, std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!o.sources.empty()) {
      // The port is chosen at connect() time, per destination: the 28k
      // ephemeral ports are then per (source, destination) pair.
      ::setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, o.sources[c.index % o.sources.size()].c_str(), &local.sin_addr);
      if (::bind(c.fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
        return fail(c, std::string("bind: ") + std::strerror(errno));
    }
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(o.port);
    ::inet_pton(AF_INET, o.host.c_str(), &remote.sin_addr);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 && errno != EINPROGRESS)
      return fail(c, std::string("connect: ") + std::strerror(errno));
    c.state = conn_state::connecting;
    // Edge-triggered, registered once: a level-triggered set re-polls every
    // ready socket on each epoll_wait (sock_poll was the generator's top cost),
    // and write interest would cost an epoll_ctl each time a send falls short.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u32 = static_cast<std::uint32_t>(&c - conns.data());
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void handle(connection& c, std::uint32_t ev) {
    if (c.state == conn_state::closed) return;
    if (c.state == conn_state::connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (ev & (EPOLLERR | EPOLLHUP)) != 0)
        return fail(c, std::string("connect: ") + std::strerror(err != 0 ? err : ECONNRESET));
      if ((ev & EPOLLOUT) == 0) return;
      c.state = conn_state::handshaking;
      const auto& o = pool.options_;
      c.out = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + std::string(ws_key) +
              "\r\nSec-WebSocket-Version: 13\r\n";
      if (!o.subprotocol.empty()) c.out += "Sec-WebSocket-Protocol: " + o.subprotocol + "\r\n";
      c.out += "\r\n";
    }
    if ((ev & EPOLLOUT) != 0 || !c.out.empty()) flush(c);
    if (c.state == conn_state::closed) return;
    if ((ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) read(c);
  }

  void flush(connection& c) {
    while (!c.out.empty()) {
      const auto n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return lost(c, std::string("send: ") + std::strerror(errno));
      }
      c.out.erase(0, static_cast<std::size_t>(n));
    }
  }

  void read(connection& c) {
    // Edge-triggered: read until a short read (new bytes after it raise a new
    // edge), which saves the recv that would only answer EAGAIN.
    for (;;) {
      const auto n = ::recv(c.fd, buffer.data(), buffer.size(), 0);
      if (n == 0) return lost(c, "closed by the server without a close frame");
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return lost(c, std::string("recv: ") + std::strerror(errno));
      }
      std::size_t used = 0;
      if (c.in.empty()) {
        used = parse(c, buffer.data(), static_cast<std::size_t>(n));
        if (c.state != conn_state::closed && used < static_cast<std::size_t>(n))
          c.in.assign(buffer.data() + used, static_cast<std::size_t>(n) - used);
      } else {
        c.in.append(buffer.data(), static_cast<std::size_t>(n));
        used = parse(c, c.in.data(), c.in.size());
        if (c.state != conn_state::closed) c.in.erase(0, used);
      }
      if (c.state == conn_state::closed) return;
      if (!c.out.empty()) flush(c);
      if (static_cast<std::size_t>(n) < buffer.size()) return;
    }
  }

  /// Consumes whole units (the response head, then frames); returns the bytes used.
  std::size_t parse(connection& c, const char* data, std::size_t size) {
    std::size_t pos = 0;
    if (c.state == conn_state::handshaking) {
      const std::string_view s(data, size);
      const auto end = s.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (size > 16384) fail(c, "handshake response head too large");
        return 0;
      }
      if (!starts_with(s, "HTTP/1.1 101")) {
        fail(c, "handshake refused: " + std::string(s.substr(0, s.find("\r\n"))));
        return size;
      }
      pos = end + 4;
      c.state = conn_state::open;
      on_open(c);
    }
    while (c.state != conn_state::closed && size - pos >= 2) {
      const auto* p = reinterpret_cast<const unsigned char*>(data + pos);
      const bool fin = (p[0] & 0x80) != 0;
      const unsigned opcode = p[0] & 0x0f;
      std::uint64_t len = p[1] & 0x7f;
      std::size_t head = 2;
      if ((p[1] & 0x80) != 0) {
        lost(c, "masked frame from the server");
        return size;
      }
      if (len == 126) {
        if (size - pos < 4) break;
        len = (std::uint64_t{p[2]} << 8) | p[3];
        head = 4;
      } else if (len == 127) {
        if (size - pos < 10) break;
        len = 0;
        for (int i = 2; i < 10; ++i) len = (len << 8) | p[i];
        head = 10;
      }
      if (size - pos - head < len) break;
      const char* payload = data + pos + head;
      const auto n = static_cast<std::size_t>(len);
      pos += head + n;
      switch (opcode) {
        case 0x1:
        case 0x2:
          if (fin) {
            on_message(c, payload, n);
          } else {
            c.frag.assign(payload, n);
          }
          break;
        case 0x0:
          c.frag.append(payload, n);
          if (fin) {
            std::string whole;
            whole.swap(c.frag);
            on_message(c, whole.data(), whole.size());
          }
          break;
        case 0x8: {
          std::string why = "close frame";
          if (n >= 2) {
            const auto* q = reinterpret_cast<const unsigned char*>(payload);
            why += " " + std::to_string((q[0] << 8) | q[1]) + " " + std::string(payload + 2, n - 2);
          }
          send_frame(c, 0x8, payload, n < 2 ? 0 : 2);
          flush(c);
          lost(c, why);
          return size;
        }
        case 0x9:
          send_frame(c, 0xA, payload, n);
          break;
        default:
          break;
      }
    }
    return pos;
  }

  void on_open(connection& c) {
    switch (pool.options_.kind) {
      case dialect::ws:
        become_ready(c);
        break;
      case dialect::agora: {
        static constexpr std::string_view subscribe =
            R"({"type":"subscribe","id":1,"channels":[{"name":"notifications"}]})";
        send_frame(c, 0x1, subscribe.data(), subscribe.size());
        break;
      }
      case dialect::socketio:
        break;  // the server speaks first: the Engine.IO open packet
    }
  }

  void on_message(connection& c, const char* data, std::size_t size) {
    const std::string_view m(data, size);
    if (const auto tag = find_payload_tag(m)) return record(c, *tag);
    if (c.state == conn_state::ready) {
      if (pool.options_.kind == dialect::socketio && m == "2") send_frame(c, 0x1, "3", 1);
      return;
    }
    switch (pool.options_.kind) {
      case dialect::agora:
        if (m.find(R"("type":"subscribed")") != std::string_view::npos) {
          become_ready(c);
        } else if (m.find(R"("type":"error")") != std::string_view::npos) {
          fail(c, "subscribe refused: " + std::string(m.substr(0, 200)));
        }
        break;
      case dialect::socketio:
        if (starts_with(m, "40")) {
          become_ready(c);
        } else if (starts_with(m, "0")) {
          send_frame(c, 0x1, "40", 2);
        } else if (m == "2") {
          send_frame(c, 0x1, "3", 1);
        } else if (starts_with(m, "44")) {
          fail(c, "socket.io connect error: " + std::string(m.substr(0, 200)));
        }
        break;
      case dialect::ws:
        break;
    }
  }

  void record(connection& c, const payload_tag& tag) {
    const auto now = now_ns();
    const std::uint64_t micros = now > tag.sent_ns ? (now - tag.sent_ns) / 1000 : 0;
    if (tag.step < max_steps) {
      auto& s = steps[tag.step];
      bump(s.delivered);
      s.latencies.record(micros);
      if (micros > s.max_micros.load(std::memory_order_relaxed))
        s.max_micros.store(micros, std::memory_order_relaxed);
    }
    bump(delivered);
    if (tag.seq < c.last_seq) bump(reordered);
    else c.last_seq = tag.seq;
  }

  void send_frame(connection& c, unsigned opcode, const char* payload, std::size_t n) {
    // Client frames are masked (RFC 6455 5.3); a cheap xorshift picks the keys.
    mask_state ^= mask_state << 13;
    mask_state ^= mask_state >> 17;
    mask_state ^= mask_state << 5;
    unsigned char key[4];
    std::memcpy(key, &mask_state, 4);
    c.out.push_back(static_cast<char>(0x80 | opcode));
    if (n < 126) {
      c.out.push_back(static_cast<char>(0x80 | n));
    } else {
      c.out.push_back(static_cast<char>(0x80 | 126));
      c.out.push_back(static_cast<char>((n >> 8) & 0xff));
      c.out.push_back(static_cast<char>(n & 0xff));
    }
    c.out.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < n; ++i) c.out.push_back(static_cast<char>(payload[i] ^ static_cast<char>(key[i % 4])));
  }

  void become_ready(connection& c) {
    if (c.state == conn_state::ready) return;
    c.state = conn_state::ready;
    --pending;
    pool.ready_.fetch_add(1, std::memory_order_relaxed);
  }

  void close_socket(connection& c) {
    if (c.fd >= 0) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
    }
    c.fd = -1;
    c.state = conn_state::closed;
    std::string().swap(c.out);
    std::string().swap(c.in);
    std::string().swap(c.frag);
  }

  /// A connection that never became ready.
  void fail(connection& c, const std::string& why) {
    close_socket(c);
    --pending;
    pool.failed_.fetch_add(1, std::memory_order_relaxed);
    pool.note_error(why);
  }

  /// A ready connection that the server closed.
  void lost(connection& c, const std::string& why) {
    if (c.state != conn_state::ready) return fail(c, why);
    close_socket(c);
    pool.ready_.fetch_sub(1, std::memory_order_relaxed);
    pool.dropped_.fetch_add(1, std::memory_order_relaxed);
    pool.note_error(why);
  }

};

client_pool::client_pool(pool_options options) : options_(std::move(options)) {
  const std::size_t threads = options_.threads == 0 ? 1 : options_.threads;
  for (std::size_t t = 0; t < threads; ++t) workers_.push_back(std::make_unique<worker>(*this, t));
  for (std::size_t i = 0; i < options_.clients; ++i) {
    auto& w = *workers_[i % threads];
    w.conns.emplace_back();
    w.conns.back().index = static_cast<std::uint32_t>(i);
  }
}

client_pool::~client_pool() { stop(); }

void client_pool::start() {
  for (auto& w : workers_) threads_.emplace_back([wp = w.get()] { wp->run(); });
}

void client_pool::stop() {
  stopping_.store(true);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

std::string client_pool::first_error() const {
  std::lock_guard lock(error_mutex_);
  return first_error_;
}

void client_pool::note_error(const std::string& what) {
  std::lock_guard lock(error_mutex_);
  if (first_error_.empty()) first_error_ = what;
}

std::uint64_t client_pool::delivered_total() const noexcept {
  std::uint64_t n = 0;
  for (const auto& w : workers_) n += w->delivered.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t client_pool::delivered_in_step(std::size_t step) const noexcept {
  std::uint64_t n = 0;
  for (const auto& w : workers_) n += w->steps[step].delivered.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t client_pool::reordered() const noexcept {
  std::uint64_t n = 0;
  for (const auto& w : workers_) n += w->reordered.load(std::memory_order_relaxed);
  return n;
}

void client_pool::step_latencies(std::size_t step, std::array<std::uint64_t, latency_histogram::bucket_count>& out,
                                 std::uint64_t& max_micros) const noexcept {
  out.fill(0);
  max_micros = 0;
  for (const auto& w : workers_) {
    w->steps[step].latencies.merge_into(out);
    const auto m = w->steps[step].max_micros.load(std::memory_order_relaxed);
    if (m > max_micros) max_micros = m;
  }
}

}  // namespace agora::bench
