// The Beast server. The only translation unit of agora_http that includes
// Beast: it compiles slowly, so nothing else should.
//
// Shape: one io_context per io thread (http.io_threads), each run by exactly
// one thread, so a session needs no strand: everything it does runs on the
// thread of the io_context its socket was accepted onto (round robin). A
// session reads requests ahead of their answers up to max_pipelined, keeps
// one slot per request in arrival order, and writes the front slot as soon as
// its answer is there. Answers arrive from any thread through a responder,
// which posts onto the session's io_context; an answer given during dispatch,
// on the session's own thread (a cache hit), is taken as is, without a post.
//
// Timers: one timer per connection covers the header and idle/read timeouts
// while nothing is in flight, the write timeout while writing, the linger
// after a close and every request's deadline. State changes only move
// deadlines; the asio timer is re-armed when a deadline comes before its
// pending expiry, or when it fires early and re-arms itself for what is due
// next. Re-arming asio timers
// on every state change cost several cancelled-handler dispatches per request.
//
// Limits against clients that hold connections (max_connections_per_ip,
// header_timeout, shedding at max_connections): see server::impl::admit.

#include "common/thread_name.hpp"
#include "http/server.hpp"

#include <array>
#include <charconv>
#include <atomic>
#include <chrono>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include "common/config.hpp"
#include "common/uuid.hpp"
#include "http/metrics.hpp"
#include "http/request.hpp"
#include "http/responder.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "http/src/client_address.hpp"
#include "http/src/framing.hpp"
#include "http/upgrade.hpp"

namespace agora::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
// Concrete executor types: no type-erased any_io_executor on the hot path.
using executor_type = net::io_context::executor_type;
using socket_type = net::basic_stream_socket<tcp, executor_type>;
using timer_type = net::basic_waitable_timer<steady, net::wait_traits<steady>, executor_type>;

namespace {

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    std::size_t c = s.find(',');
    std::string_view item = s.substr(0, c);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

// True when the comma-separated header value contains `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
  for (const auto& t : split_list(value)) {
    if (iequals(t, token)) return true;
  }
  return false;
}

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// Header fields the server writes itself; a handler's own value for one of
// these is not passed on (it would be a duplicate or contradict the framing).
bool server_owned_header(std::string_view name) {
  static constexpr std::string_view owned[] = {
      "Content-Length", "Transfer-Encoding", "Connection", "Content-Type", "X-Content-Type-Options",
      "X-Frame-Options", "Referrer-Policy", "X-Request-Id", "Access-Control-Allow-Origin",
      "Access-Control-Expose-Headers"};
  for (auto o : owned) {
    if (iequals(name, o)) return true;
  }
  return false;
}

// "Name: value\r\n". CR and LF in a value become spaces: a value built from
// client input must not be able to start a header of its own.
void append_header(std::string& w, std::string_view name, std::string_view value) {
  w.append(name.data(), name.size());
  w.append(": ", 2);
  const std::size_t at = w.size();
  w.append(value.data(), value.size());
  for (std::size_t i = at; i < w.size(); ++i) {
    if (w[i] == '\r' || w[i] == '\n') w[i] = ' ';
  }
  w.append("\r\n", 2);
}

void append_number(std::string& w, std::uint64_t n) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  w.append(buf, static_cast<std::size_t>(end - buf));
}

constexpr const char* expose_headers =
    "ETag, Location, Retry-After, X-Request-Id, X-Event-Position, X-Cache-Status";

}  // namespace

server_options server_options::from_config(config& cfg) {
  server_options o;
  o.address = cfg.get_string("http.address", o.address, "address the HTTP server listens on");
  o.port = static_cast<std::uint16_t>(cfg.get_int("http.port", o.port, "HTTP port; 0 picks a free one"));
  o.io_threads = static_cast<int>(cfg.get_int("http.io_threads", o.io_threads, "HTTP io threads"));
  o.body_limit = cfg.get_bytes("http.body_limit", o.body_limit, "largest request body (413 beyond)");
  o.header_limit = cfg.get_bytes("http.header_limit", o.header_limit, "largest request header block (431 beyond)");
  o.read_timeout = std::chrono::milliseconds(
      cfg.get_duration_ms("http.read_timeout", o.read_timeout.count(), "idle keep-alive / slow request timeout"));
  o.header_timeout = std::chrono::milliseconds(cfg.get_duration_ms(
      "http.header_timeout", o.header_timeout.count(),
      "a request head must be complete within this (from accept, or from its first byte on keep-alive)"));
  o.write_timeout = std::chrono::milliseconds(
      cfg.get_duration_ms("http.write_timeout", o.write_timeout.count(), "timeout writing one response"));
  o.request_timeout = std::chrono::milliseconds(
      cfg.get_duration_ms("http.request_timeout", o.request_timeout.count(), "handler deadline (503 beyond)"));
  o.max_pipelined = static_cast<std::size_t>(
      cfg.get_int("http.max_pipelined", static_cast<std::int64_t>(o.max_pipelined), "pipelined requests per connection"));
  o.max_connections = static_cast<std::size_t>(
      cfg.get_int("http.max_connections", static_cast<std::int64_t>(o.max_connections), "open connections at most"));
  o.max_connections_per_ip = static_cast<std::size_t>(std::max<std::int64_t>(
      0, cfg.get_int("http.max_connections_per_ip", static_cast<std::int64_t>(o.max_connections_per_ip),
                     "open connections per client address at most (trusted proxies exempt); 0: no cap")));
  o.trusted_proxies = split_list(cfg.get_string(
      "http.trusted_proxies", "",
      "load balancers (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client; empty: none"));
  o.shutdown_grace = std::chrono::milliseconds(
      cfg.get_duration_ms("http.shutdown_grace", o.shutdown_grace.count(), "time in-flight requests get on stop"));
  o.cors_origins = split_list(cfg.get_string("http.cors_origins", "", "allowed CORS origins, comma-separated, or *"));
  o.access_log = cfg.get_bool("http.access_log", o.access_log, "one log line per request");
  if (o.io_threads < 1) o.io_threads = 1;
  if (o.max_pipelined < 1) o.max_pipelined = 1;
  return o;
}

namespace {

expected<address_set, std::string> parse_trusted_proxies(const std::vector<std::string>& items) {
  std::string list;
  for (const auto& p : items) list += (list.empty() ? "" : ",") + p;
  auto proxies = address_set::parse(list);
  if (!proxies) return unexpected("invalid http.trusted_proxies: " + proxies.error());
  return proxies;
}

}  // namespace

expected<void, std::string> server_options::validate() const {
  if (header_timeout.count() <= 0) return unexpected(std::string("http.header_timeout must be > 0"));
  if (max_connections < 1) return unexpected(std::string("http.max_connections must be >= 1"));
  if (auto proxies = parse_trusted_proxies(trusted_proxies); !proxies) return unexpected(proxies.error());
  return {};
}

class session;

// What the acceptor needs to know about a session to pick one to shed, shared
// so that the acceptor can read it while the session runs on another thread.
struct conn_mark {
  // steady_clock ticks since the session began waiting for a request head with
  // nothing in flight; 0 while it is not (a request is being read, handled or
  // answered). Written by the session's thread, read by the acceptor's.
  std::atomic<std::int64_t> waiting_since{0};
  // The acceptor chose this session to shed and posted it the order; it is
  // not chosen twice.
  std::atomic<bool> shed_ordered{false};
};

// What sessions and responders share; outlives the io_context's handlers
// through shared_ptr so that a late answer never touches freed memory.
struct shared_state {
  server_options opts;
  const router* routes = nullptr;
  server_hooks hooks;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};

  address_set trusted_proxies;

  counter_family* requests_total = nullptr;
  histogram_family* request_duration = nullptr;
  gauge* connections_gauge = nullptr;
  counter* refused_per_ip = nullptr;
  counter* refused_global = nullptr;
  counter* shed_total = nullptr;
  counter* header_timeouts = nullptr;

  // Admitted sessions: for stop(), and for the acceptor to pick one to shed.
  struct tracked {
    std::weak_ptr<session> s;
    std::shared_ptr<conn_mark> mark;
  };
  std::mutex sessions_mu;
  std::unordered_map<std::uint64_t, tracked> sessions;
  // Open connections per TCP peer address (trusted proxies not counted).
  std::unordered_map<std::string, std::size_t> per_ip;
  std::uint64_t next_session_id = 1;

  // Responders post onto sessions' io_contexts only while those exist.
  std::shared_mutex post_mu;
  bool accepting_posts = true;

  bool origin_allowed(std::string_view origin) const {
    for (const auto& o : opts.cors_origins) {
      if (o == "*" || o == origin) return true;
    }
    return false;
  }
  bool cors_any() const {
    for (const auto& o : opts.cors_origins) {
      if (o == "*") return true;
    }
    return false;
  }
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(socket_type socket, std::shared_ptr<shared_state> st)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), st_(std::move(st)),
        mark_(std::make_shared<conn_mark>()), accepted_(steady::now()) {
    boost::system::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) {
      auto addr = ep.address();
      // A listener on "::" sees IPv4 clients as ::ffff:a.b.c.d: one client,
      // one spelling, for the per-address cap, the proxy list and the logs.
      if (addr.is_v6() && addr.to_v6().is_v4_mapped()) addr = net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
      remote_ip_ = addr.to_string();
      remote_ = (addr.is_v6() ? "[" + remote_ip_ + "]" : remote_ip_) + ":" + std::to_string(ep.port());
      peer_trusted_ = st_->trusted_proxies.contains(remote_ip_);
    }
  }

  ~session() {
    if (counted_) {
      std::size_t now = st_->connections.fetch_sub(1) - 1;
      if (st_->connections_gauge) st_->connections_gauge->set(static_cast<double>(now));
      std::lock_guard lock(st_->sessions_mu);
      st_->sessions.erase(id_);
      if (ip_counted_) {
        auto it = st_->per_ip.find(remote_ip_);
        if (it != st_->per_ip.end() && --it->second == 0) st_->per_ip.erase(it);
      }
    }
  }

  const std::string& peer_ip() const noexcept { return remote_ip_; }
  bool peer_trusted() const noexcept { return peer_trusted_; }
  const std::shared_ptr<conn_mark>& mark() const noexcept { return mark_; }

  /// Admitted (called by the acceptor with sessions_mu held, after it entered
  /// the session in `sessions` and `per_ip`).
  void admitted(std::uint64_t id, bool ip_counted) {
    counted_ = true;
    ip_counted_ = ip_counted;
    id_ = id;
    std::size_t now = st_->connections.fetch_add(1) + 1;
    if (st_->connections_gauge) st_->connections_gauge->set(static_cast<double>(now));
  }

  /// Serves the connection.
  void start() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  /// Refused (max_connections or max_connections_per_ip): answer `status`
  /// without reading and close.
  void start_rejected(bool per_ip) {
    auto self = shared_from_this();
    net::post(socket_.get_executor(), [self, per_ip] {
      problem_details p;
      p.status = per_ip ? 429 : 503;
      p.type_suffix = per_ip ? "too-many-connections" : "overloaded";
      p.title = per_ip ? "Too Many Requests" : "Service Unavailable";
      p.detail = per_ip ? "too many connections from your address" : "too many connections";
      response r = problem_response(p);
      auto text = std::make_shared<std::string>(
          std::string(per_ip ? "HTTP/1.1 429 Too Many Requests" : "HTTP/1.1 503 Service Unavailable") +
          "\r\nContent-Type: application/problem+json\r\nConnection: close\r\n"
          "Retry-After: 1\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nContent-Length: " +
          std::to_string(r.body.size()) + "\r\n\r\n" + r.body);
      self->set_state_deadline(steady::now() + self->st_->opts.write_timeout);
      net::async_write(self->socket_, net::buffer(*text),
                       [self, text](boost::system::error_code ec, std::size_t) {
                         if (ec) return self->do_close();
                         self->do_linger();
                       });
    });
  }

  /// stop(): no more requests; the answers in flight still go out.
  void begin_stop() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      boost::system::error_code ec;
      // Wakes a pending read with EOF without disturbing a write in progress.
      self->socket_.shutdown(tcp::socket::shutdown_receive, ec);
      if (!self->reading_ && !self->writing_ && self->slots_.empty()) self->do_close();
    });
  }

  /// stop() after the grace period: close now.
  void force_close() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->do_close(); });
  }

  /// The acceptor needs this connection's place for a newcomer (see
  /// server::impl::admit): close it if it is still waiting for a request head
  /// with nothing in flight. If a head completed in the meantime, it keeps
  /// serving (the newcomer then holds one place beyond max_connections until
  /// some connection closes) and may be chosen again later.
  void shed() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->closed_ || !self->waiting_for_head()) {
        self->mark_->shed_ordered.store(false, std::memory_order_relaxed);
        return;
      }
      if (self->st_->shed_total) self->st_->shed_total->inc();
      spdlog::debug("http {}: closed to make room for a new connection (max_connections)", self->remote_);
      self->do_close();
    });
  }

 private:
  struct slot {
    std::uint64_t id = 0;
    // The answer as it goes on the wire (status line, header, body); set once
    // the handler has answered.
    std::optional<std::string> res;
    bool close_after = false;
    // For the answer's headers, the log line and the metrics.
    unsigned version = 11;
    bool keep_alive = true;
    bool head = false;
    std::string method_text;
    // As logged: query values redacted (loggable_target).
    std::string target;
    // The client address when it differs from the TCP peer (trusted proxy).
    std::string client;
    std::string path;
    std::string route;
    std::string request_id;
    std::string origin;
    steady::time_point start;
  };

  // ---- timers ----------------------------------------------------------------

  // The earliest of the state's deadline and the deadline of the oldest
  // request still waiting for its handler (slots are in arrival order).
  steady::time_point next_deadline() const {
    steady::time_point due = state_deadline_;
    for (const auto& sl : slots_) {
      if (!sl.res) {
        due = std::min(due, sl.start + st_->opts.request_timeout);
        break;
      }
    }
    return due;
  }

  // Makes sure the timer fires no later than next_deadline(). A pending wait
  // that fires earlier finds nothing due and re-arms itself.
  void schedule_timer() {
    if (closed_) return;
    const steady::time_point due = next_deadline();
    if (due == steady::time_point::max() || due >= timer_expiry_) return;
    timer_expiry_ = due;
    timer_.expires_at(due);  // a pending wait completes with operation_aborted
    timer_.async_wait([self = shared_from_this(), due](boost::system::error_code ec) { self->on_timer(ec, due); });
  }

  void set_state_deadline(steady::time_point t) {
    state_deadline_ = t;
    schedule_timer();
  }

  void stop_timer() {
    state_deadline_ = steady::time_point::max();
    timer_expiry_ = steady::time_point::max();
    timer_.cancel();  // releases the session the pending wait holds
  }

  void on_timer(boost::system::error_code ec, steady::time_point armed_for) {
    // Superseded by an earlier re-arm, or cancelled.
    if (ec == net::error::operation_aborted || armed_for != timer_expiry_) return;
    timer_expiry_ = steady::time_point::max();
    if (closed_) return;
    const auto now = steady::now();
    if (state_deadline_ <= now) {
      if (waiting_for_head()) {
        if (head_due_ <= now) {
          // A slowloris, or a client far too slow to be served: no answer
          // (it would wait in the same queue), just the connection back.
          if (st_->header_timeouts) st_->header_timeouts->inc();
          spdlog::debug("http {}: request head not complete within {} ms, closing", remote_,
                        st_->opts.header_timeout.count());
          do_close();
          return;
        }
        if (idle_due_ > now) {
          // A check during a keep-alive wait (see head_wait_deadline).
          state_deadline_ = head_wait_deadline(now);
          schedule_timer();
          return;
        }
      }
      if (!lingering_) spdlog::debug("http {}: {} timeout, closing", remote_, writing_ ? "write" : "read");
      do_close();
      return;
    }
    // Requests whose handler has not answered in time get a 503 instead.
    std::vector<std::uint64_t> late;
    for (const auto& sl : slots_) {
      if (!sl.res && sl.start + st_->opts.request_timeout <= now) late.push_back(sl.id);
    }
    for (auto id : late) on_deadline(id);
    schedule_timer();
  }

  // The connection's state deadline follows the state: while waiting for a
  // request head with nothing in flight, the header and read timeouts (see
  // head_wait_deadline); read timeout while a body arrives with nothing in
  // flight; none while a handler works (the client is waiting for us, not
  // idle; the request deadline applies), write timeout while writing (set by
  // maybe_write).
  void update_timer() {
    if (closed_ || lingering_ || writing_) return;
    const bool idle = reading_ && slots_.empty();
    if (idle && awaiting_head_) {
      const auto now = steady::now();
      idle_due_ = now + st_->opts.read_timeout;
      if (mark_->waiting_since.load(std::memory_order_relaxed) == 0) {
        mark_->waiting_since.store(std::max<std::int64_t>(1, now.time_since_epoch().count()),
                                   std::memory_order_relaxed);
      }
      set_state_deadline(head_wait_deadline(now));
      return;
    }
    mark_->waiting_since.store(0, std::memory_order_relaxed);
    set_state_deadline(idle ? steady::now() + st_->opts.read_timeout : steady::time_point::max());
  }

  // True while the connection waits for a request head and owes nothing: no
  // request in flight, nothing being written. Such a connection may be closed
  // by the header timeout, the read (idle) timeout, or to make room (shed).
  bool waiting_for_head() const noexcept {
    return reading_ && awaiting_head_ && slots_.empty() && !writing_ && !lingering_ && !closed_;
  }

  // The state deadline while waiting for a head. The head must be complete by
  // head_due_: accept + header_timeout for the first request; for a later one
  // header_timeout after its first byte was seen. Beast's read gives no
  // callback per received chunk, so "seen" is checked here, every
  // header_timeout while the keep-alive wait lasts: a byte in the buffer means
  // a head has started (the parser takes nothing from the buffer before the
  // whole head is there). This costs one timer expiry per header_timeout per
  // idle connection and nothing per request, unlike a separate read for the
  // first byte. A head thus gets between 1x and 2x header_timeout from its
  // first byte; an idle keep-alive connection read_timeout.
  steady::time_point head_wait_deadline(steady::time_point now) {
    if (head_due_ == steady::time_point::max() && buffer_.size() > 0) head_due_ = now + st_->opts.header_timeout;
    if (head_due_ != steady::time_point::max()) return std::min(head_due_, idle_due_);
    return std::min(idle_due_, now + st_->opts.header_timeout);
  }

  // ---- reading ---------------------------------------------------------------

  void do_read() {
    if (closed_ || closing_ || reading_ || slots_.size() >= st_->opts.max_pipelined) return;
    parser_.emplace();
    parser_->body_limit(st_->opts.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(st_->opts.header_limit, UINT32_MAX)));
    reading_ = true;
    awaiting_head_ = true;
    head_due_ = first_head_ ? accepted_ + st_->opts.header_timeout : steady::time_point::max();
    update_timer();
    bhttp::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // The header is in (a body over the limit by its Content-Length fails here
  // already, so such a client gets its 413 instead of a 100).
  void on_header(boost::system::error_code ec) {
    if (!ec) {
      awaiting_head_ = false;
      first_head_ = false;
      head_due_ = steady::time_point::max();
      mark_->waiting_since.store(0, std::memory_order_relaxed);  // no longer one to shed
      if (auto bad = check_framing()) {
        reading_ = false;
        if (closed_) return;
        const bool implemented = bad->status != 501;
        return read_failed(bad->status, implemented ? "bad-request" : "not-implemented",
                           implemented ? "Bad Request" : "Not Implemented", std::move(bad->detail));
      }
      // The body (if any) gets read_timeout from now.
      if (!parser_->is_done()) update_timer();
    }
    if (ec || parser_->is_done()) return on_read(ec);
    if (wants_continue()) return do_continue();
    do_read_body();
  }

  // RFC 9112 6.3 and 3.2, see framing.hpp: a head whose body length is
  // ambiguous, or without exactly one Host, is answered and the connection
  // closed, so its body is never read as a request of its own.
  std::optional<framing_problem> check_framing() const {
    const auto& m = parser_->get();
    request_head_facts facts;
    facts.version = m.version();
    for (const auto& f : m) {
      switch (f.name()) {
        case bhttp::field::transfer_encoding: facts.transfer_encoding.push_back(sv(f.value())); break;
        case bhttp::field::content_length: ++facts.content_length_fields; break;
        case bhttp::field::host: ++facts.host_fields; break;
        default: break;
      }
    }
    return check_request_head(facts);
  }

  // RFC 9110 10.1.1: a client that sent `Expect: 100-continue` waits for an
  // interim 100 before it sends the body (curl waits a second, then sends
  // anyway). The 100 goes out only when nothing is ahead of it on the wire
  // and the body has not started to arrive; otherwise the client is not
  // waiting or must wait for earlier answers anyway, and the RFC lets us skip it.
  bool wants_continue() const {
    const auto& m = parser_->get();
    if (m.version() < 11 || buffer_.size() > 0 || writing_ || !slots_.empty()) return false;
    auto e = m.find(bhttp::field::expect);
    return e != m.end() && beast::iequals(e->value(), "100-continue");
  }

  void do_continue() {
    static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
    writing_ = true;
    set_state_deadline(steady::now() + st_->opts.write_timeout);
    net::async_write(socket_, net::buffer(interim.data(), interim.size()),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       self->on_continue(ec);
                     });
  }

  void on_continue(boost::system::error_code ec) {
    writing_ = false;
    if (closed_) return;
    if (ec) {
      reading_ = false;
      do_close();
      return;
    }
    update_timer();
    do_read_body();
  }

  void do_read_body() {
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(boost::system::error_code ec) {
    reading_ = false;
    if (closed_) return;
    if (lingering_) {
      do_close();
      return;
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof) {
      closing_ = true;
      finish_if_done();
      return;
    }
    if (ec == bhttp::error::body_limit) {
      return read_failed(413, "payload-too-large", "Content Too Large",
                         "the request body exceeds " + std::to_string(st_->opts.body_limit) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return read_failed(431, "headers-too-large", "Request Header Fields Too Large",
                         "the request header exceeds " + std::to_string(st_->opts.header_limit) + " bytes");
    }
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::partial_message) {
      return read_failed(400, "bad-request", "Bad Request", "malformed HTTP request: " + ec.message());
    }
    if (ec) {
      // Network error, timeout (the timer closed the socket), partial message.
      do_close();
      return;
    }
    try {
      on_request();
    } catch (const std::exception& e) {
      spdlog::error("http {}: failed to handle a request: {}", remote_, e.what());
      do_close();
      return;
    }
    do_read();
  }

  // A request that could not be read: answer it, then close the connection
  // (the stream's framing is lost).
  void read_failed(int status, std::string_view type, std::string_view title, std::string detail) {
    closing_ = true;
    slot& s = push_slot();
    s.close_after = true;
    s.keep_alive = false;
    if (parser_) {
      // Whatever of the header was parsed (all of it for 413; maybe nothing
      // for 400/431) identifies the request in the answer and the log.
      const auto& m = parser_->get();
      s.method_text = std::string(sv(m.method_string()));
      const std::string target(sv(m.target()));
      s.target = loggable_target(target);
      s.path = target.substr(0, target.find('?'));
      if (m.version() == 10 || m.version() == 11) s.version = m.version();
      auto rid = m.find("X-Request-Id");
      if (rid != m.end() && is_valid_request_id(sv(rid->value()))) s.request_id = std::string(sv(rid->value()));
      auto origin = m.find(bhttp::field::origin);
      if (origin != m.end()) s.origin = std::string(sv(origin->value()));
    }
    if (s.request_id.empty()) s.request_id = uuid::random_v4().to_string();
    problem_details p;
    p.status = status;
    p.type_suffix = std::string(type);
    p.title = std::string(title);
    p.detail = std::move(detail);
    p.instance = s.path;
    p.request_id = s.request_id;
    finish(s, problem_response(p));
    maybe_write();
  }

  void on_request() {
    auto msg = parser_->release();
    request req;
    req.method = parse_method(sv(msg.method_string()));
    parse_target(sv(msg.target()), req);
    for (const auto& f : msg) req.headers.add(std::string(sv(f.name_string())), std::string(sv(f.value())));
    req.body = std::move(msg.body());
    req.remote_address = remote_;
    if (peer_trusted_) {
      std::vector<std::string_view> xff;
      for (const auto& [k, v] : req.headers.fields()) {
        if (iequals(k, "X-Forwarded-For")) xff.emplace_back(v);
      }
      req.remote_ip = client_ip(remote_ip_, xff, st_->trusted_proxies);
    } else {
      req.remote_ip = remote_ip_;
    }
    auto rid = req.headers.get("X-Request-Id");
    req.request_id = (rid && is_valid_request_id(*rid)) ? std::string(*rid) : uuid::random_v4().to_string();

    bool keep_alive = msg.keep_alive() && !st_->stopping.load();
    if (!keep_alive) closing_ = true;

    // An upgrade (WebSocket) leaves the HTTP session entirely.
    auto conn = req.headers.get("Connection");
    if (req.method == method::get && conn && has_token(*conn, "upgrade") && req.headers.contains("Upgrade")) {
      for (const auto& u : st_->hooks.upgrades) {
        if (u && u->path == req.path && slots_.empty() && u->on_upgrade) {
          hand_off(*u, std::move(req));
          return;
        }
      }
    }

    slot& s = push_slot();
    s.version = msg.version();
    s.keep_alive = keep_alive;
    s.close_after = !keep_alive;
    s.head = req.method == method::head;
    s.method_text = std::string(sv(msg.method_string()));
    s.target = loggable_target(req.target);
    s.path = req.path;
    if (req.remote_ip != remote_ip_) s.client = req.remote_ip;
    s.request_id = req.request_id;
    if (auto o = req.headers.get("Origin")) s.origin = std::string(*o);

    if (conn && has_token(*conn, "upgrade") && req.headers.contains("Upgrade")) {
      finish(s, problem(req, 404, "not-found", "Not Found", "no upgrade endpoint at this path"));
      maybe_write();
      return;
    }

    // CORS preflight from an allowed origin: answered here, never routed.
    auto acrm = req.headers.get("Access-Control-Request-Method");
    if (req.method == method::options && !s.origin.empty() && acrm && st_->origin_allowed(s.origin)) {
      auto m = st_->routes->match(parse_method(*acrm), req.path, /*want_allow=*/true);
      if (m.outcome != router::match_result::kind::not_found) {
        response r = response::empty(204);
        r.headers.set("Access-Control-Allow-Methods", m.allow.empty() ? std::string(*acrm) : m.allow);
        auto acrh = req.headers.get("Access-Control-Request-Headers");
        r.headers.set("Access-Control-Allow-Headers",
                      acrh ? std::string(*acrh) : std::string("Content-Type, Authorization, If-None-Match"));
        r.headers.set("Access-Control-Max-Age", "600");
        s.route = "cors.preflight";
        finish(s, std::move(r));
        maybe_write();
        return;
      }
    }

    // A handler that does not answer within request_timeout gets a 503 sent
    // in its place (see on_timer).
    const std::uint64_t id = s.id;
    responder respond([weak = weak_from_this(), st = st_, id](std::optional<response> r) {
      auto self = weak.lock();
      if (!self) return;  // the connection is gone; nobody to answer
      auto exec = self->socket_.get_executor();
      // Thread first: dispatching_ belongs to the session's thread and must
      // not be read from another.
      if (exec.running_in_this_thread() && self->dispatching_ == id) {
        // Answered during dispatch, on this session's thread: no post; the
        // answer is finished once dispatch has named the route.
        self->sync_answer_.emplace(std::move(r));
        return;
      }
      std::shared_lock lock(st->post_mu);
      if (!st->accepting_posts) return;
      net::post(exec, [self = std::move(self), id, r = std::move(r)]() mutable { self->on_answer(id, std::move(r)); });
    });
    // The router catches handler exceptions; route_name is only known after it ran.
    dispatching_ = id;
    st_->routes->dispatch(req, std::move(respond));
    dispatching_ = 0;
    if (slot* sp = find_slot(id)) sp->route = req.route_name.empty() ? "unmatched" : req.route_name;
    if (sync_answer_) {
      std::optional<response> r = std::move(*sync_answer_);
      sync_answer_.reset();
      on_answer(id, std::move(r));
    } else {
      schedule_timer();  // the request's deadline
    }
  }

  void hand_off(const upgrade_route& u, request req) {
    stop_timer();
    closed_ = true;  // this session does nothing more
    if (st_->opts.access_log) {
      spdlog::info("http {} {} 101 upgrade id={} remote={}", to_string(req.method), loggable_target(req.target),
                   req.request_id, remote_);
    }
    try {
      u.on_upgrade(std::move(req), tcp::socket(std::move(socket_)));
    } catch (const std::exception& e) {
      spdlog::error("http upgrade handler for {} threw: {}", u.path, e.what());
    } catch (...) {
      spdlog::error("http upgrade handler for {} threw", u.path);
    }
  }

  slot& push_slot() {
    slot& s = slots_.emplace_back();
    s.id = next_slot_id_++;
    s.start = steady::now();
    update_timer();
    return s;
  }

  slot* find_slot(std::uint64_t id) {
    if (slots_.empty() || id < slots_.front().id) return nullptr;
    std::size_t i = static_cast<std::size_t>(id - slots_.front().id);
    return i < slots_.size() ? &slots_[i] : nullptr;
  }

  // ---- answers ---------------------------------------------------------------

  void on_answer(std::uint64_t id, std::optional<response> r) {
    slot* s = find_slot(id);
    if (s == nullptr || s->res) {
      spdlog::debug("http {}: late answer for request {} dropped", remote_, id);
      return;
    }
    if (!r) {
      spdlog::error("http {} {}: handler of route {} dropped its responder without answering (request {})",
                    s->method_text, s->target, s->route, s->request_id);
      problem_details p;
      p.status = 500;
      p.type_suffix = "internal";
      p.title = "Internal Server Error";
      p.detail = "the request was not answered";
      p.instance = s->path;
      p.request_id = s->request_id;
      r = problem_response(p);
    }
    finish(*s, std::move(*r));
    maybe_write();
  }

  void on_deadline(std::uint64_t id) {
    slot* s = find_slot(id);
    if (s == nullptr || s->res || closed_) return;
    spdlog::warn("http {} {}: no answer within {} ms (route {}, request {})", s->method_text, s->target,
                 st_->opts.request_timeout.count(), s->route, s->request_id);
    problem_details p;
    p.status = 503;
    p.type_suffix = "timeout";
    p.title = "Service Unavailable";
    p.detail = "the request was not answered in time";
    p.instance = s->path;
    p.request_id = s->request_id;
    response r = problem_response(p);
    r.headers.set("Retry-After", "1");
    finish(*s, std::move(r));
    maybe_write();
  }

  // Turns a handler's response into the message to write, with the headers
  // every response carries, and records the log line and the metrics.
  void finish(slot& s, response r) {
    bool keep = s.keep_alive && !s.close_after && !st_->stopping.load();
    if (!keep) s.close_after = true;
    const bool no_body = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
    const std::size_t bytes = no_body ? 0 : r.body.size();

    // Written by hand rather than through Beast's serializer: one contiguous
    // buffer, one send, no per-field allocations (the serializer and its field
    // list were a tenth of a cached GET's CPU).
    std::string& w = s.res.emplace();
    w.reserve(320 + s.request_id.size() + r.body.size() + 64 * r.headers.size());
    w.append(s.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    append_number(w, static_cast<std::uint64_t>(r.status));
    w.push_back(' ');
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    w.append(reason.data(), reason.size());
    w.append("\r\n");
    for (const auto& [k, v] : r.headers.fields()) {
      if (!server_owned_header(k)) append_header(w, k, v);
    }
    if (!r.content_type.empty()) append_header(w, "Content-Type", r.content_type);
    w.append("X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n");
    if (!r.headers.contains("Cache-Control")) w.append("Cache-Control: no-store\r\n");
    append_header(w, "X-Request-Id", s.request_id);
    if (!s.origin.empty() && st_->origin_allowed(s.origin)) {
      if (st_->cors_any()) {
        w.append("Access-Control-Allow-Origin: *\r\n");
      } else {
        append_header(w, "Access-Control-Allow-Origin", s.origin);
        w.append("Vary: Origin\r\n");
      }
      append_header(w, "Access-Control-Expose-Headers", expose_headers);
    }
    if (s.version == 10) {
      if (keep) w.append("Connection: keep-alive\r\n");
    } else if (!keep) {
      w.append("Connection: close\r\n");
    }
    if (!no_body) {
      // HEAD: the length a GET would carry, and no body.
      w.append("Content-Length: ");
      append_number(w, r.body.size());
      w.append("\r\n");
    }
    w.append("\r\n");
    if (!no_body && !s.head) w.append(r.body);

    auto elapsed = steady::now() - s.start;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    const std::string& route = s.route.empty() ? std::string("unmatched") : s.route;
    if (st_->requests_total) {
      // The method label is normalised: a client inventing methods must not
      // invent time series.
      st_->requests_total->with({route, to_string(parse_method(s.method_text)), std::to_string(r.status)}).inc();
      st_->request_duration->with({route}).observe(static_cast<double>(us) / 1e6);
    }
    if (st_->opts.access_log) {
      if (s.client.empty()) {
        spdlog::info("http {} {} {} {}B {}us id={} remote={}", s.method_text, s.target, r.status, bytes, us,
                     s.request_id, remote_);
      } else {
        spdlog::info("http {} {} {} {}B {}us id={} remote={} client={}", s.method_text, s.target, r.status, bytes,
                     us, s.request_id, remote_, s.client);
      }
    }
  }

  // ---- writing ---------------------------------------------------------------

  void maybe_write() {
    if (closed_ || writing_ || slots_.empty() || !slots_.front().res) return;
    writing_ = true;
    set_state_deadline(steady::now() + st_->opts.write_timeout);
    net::async_write(socket_, net::buffer(*slots_.front().res),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(boost::system::error_code ec) {
    writing_ = false;
    if (closed_) return;
    if (ec) {
      spdlog::debug("http {}: write failed: {}", remote_, ec.message());
      do_close();
      return;
    }
    bool close = slots_.front().close_after;
    slots_.pop_front();
    if (close) {
      do_linger();
      return;
    }
    update_timer();
    maybe_write();
    do_read();
    finish_if_done();
  }

  void finish_if_done() {
    if (closing_ && slots_.empty() && !writing_ && !reading_) do_linger();
  }

  // ---- closing ---------------------------------------------------------------

  // Close gracefully: send FIN, then read and discard what the client still
  // sends for a moment, so that closing with unread data does not reset the
  // connection and destroy the response we just wrote (RFC 9112 9.6).
  void do_linger() {
    if (closed_ || lingering_) return;
    lingering_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) {
      do_close();
      return;
    }
    set_state_deadline(steady::now() + std::chrono::milliseconds(1000));
    // A read still pending (stop() during a pipelined read) drains for us.
    if (!reading_) drain();
  }

  void drain() {
    if (!drain_buf_) drain_buf_ = std::make_unique<std::array<char, 4096>>();
    socket_.async_read_some(net::buffer(*drain_buf_), [self = shared_from_this()](boost::system::error_code ec,
                                                                                   std::size_t) {
      if (ec || self->closed_) return self->do_close();
      self->drain();
    });
  }

  void do_close() {
    if (closed_) return;
    closed_ = true;
    mark_->waiting_since.store(0, std::memory_order_relaxed);
    slots_.clear();
    stop_timer();
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  socket_type socket_;
  timer_type timer_;
  steady::time_point timer_expiry_ = steady::time_point::max();    // of the pending wait; max: none
  steady::time_point state_deadline_ = steady::time_point::max();  // read/write/linger timeout
  std::uint64_t dispatching_ = 0;  // the slot whose request is being dispatched, or 0
  std::optional<std::optional<response>> sync_answer_;  // its answer, when given during dispatch
  std::shared_ptr<shared_state> st_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::deque<slot> slots_;
  std::unique_ptr<std::array<char, 4096>> drain_buf_;
  std::uint64_t next_slot_id_ = 1;
  std::uint64_t id_ = 0;
  std::string remote_;
  std::string remote_ip_;  // canonical TCP peer address
  std::shared_ptr<conn_mark> mark_;
  steady::time_point accepted_;
  steady::time_point head_due_ = steady::time_point::max();  // the head being read must be complete by then
  steady::time_point idle_due_ = steady::time_point::max();  // read timeout of a keep-alive wait
  bool peer_trusted_ = false;  // the TCP peer is one of trusted_proxies
  bool ip_counted_ = false;    // counted in st_->per_ip
  bool awaiting_head_ = false;  // the read in progress is for a request head
  bool first_head_ = true;      // no head read yet: its deadline counts from the accept
  bool counted_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // read no more; close once the answers are out
  bool lingering_ = false;
  bool closed_ = false;
};

struct server::impl {
  // Declared first: destroyed last, after everything that uses them. One per
  // io thread; the acceptor lives on the first.
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::vector<net::executor_work_guard<executor_type>> guards;  // run() returns only on stop()
  std::optional<tcp::acceptor> acceptor;
  std::shared_ptr<shared_state> st;
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> port{0};
  std::size_t next_ioc = 0;  // acceptor's thread only
  bool running = false;

  void do_accept() {
    // Connections are spread round robin over the io_contexts.
    net::io_context& ioc = *iocs[next_ioc++ % iocs.size()];
    acceptor->async_accept(ioc, [this](boost::system::error_code ec, socket_type socket) {
      on_accept(ec, std::move(socket));
    });
  }

  void on_accept(boost::system::error_code ec, socket_type socket) {
    if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
      // Out of descriptors and the like: keep accepting; the next may work.
      spdlog::warn("http accept failed: {}", ec.message());
    } else {
      boost::system::error_code opt_ec;
      socket.set_option(tcp::no_delay(true), opt_ec);
      auto s = std::make_shared<session>(std::move(socket), st);
      switch (admit(*s)) {
        case admission::admitted: s->start(); break;
        case admission::per_ip:
          if (st->refused_per_ip) st->refused_per_ip->inc();
          spdlog::debug("http: {} has {} connections open, refusing one more", s->peer_ip(),
                        st->opts.max_connections_per_ip);
          s->start_rejected(/*per_ip=*/true);
          break;
        case admission::global:
          if (st->refused_global) st->refused_global->inc();
          spdlog::warn("http: {} connections open, all busy, refusing one more", st->connections.load());
          s->start_rejected(/*per_ip=*/false);
          break;
      }
    }
    do_accept();
  }

  enum class admission { admitted, per_ip, global };

  // Decides whether a new connection is served, and enters it in the books.
  //
  // Connection exhaustion: a connection costs the attacker a socket and us a
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
  // Called on the acceptor's thread; the books are shared with the sessions'
  // destructors, hence the lock.
  admission admit(session& s) {
    std::shared_ptr<session> victim;
    {
      std::lock_guard lock(st->sessions_mu);
      const bool count_ip = !s.peer_trusted() && st->opts.max_connections_per_ip > 0;
      if (count_ip) {
        auto it = st->per_ip.find(s.peer_ip());
        if (it != st->per_ip.end() && it->second >= st->opts.max_connections_per_ip) return admission::per_ip;
      }
      if (st->connections.load() >= st->opts.max_connections) {
        shared_state::tracked* oldest = nullptr;
        std::int64_t oldest_since = std::numeric_limits<std::int64_t>::max();
        for (auto& [id, t] : st->sessions) {
          const std::int64_t since = t.mark->waiting_since.load(std::memory_order_relaxed);
          if (since != 0 && since < oldest_since && !t.mark->shed_ordered.load(std::memory_order_relaxed)) {
            oldest = &t;
            oldest_since = since;
          }
        }
        if (oldest == nullptr) return admission::global;
        oldest->mark->shed_ordered.store(true, std::memory_order_relaxed);
        victim = oldest->s.lock();  // null: it is being destroyed, its place is free already
      }
      const std::uint64_t id = st->next_session_id++;
      st->sessions.emplace(id, shared_state::tracked{s.weak_from_this(), s.mark()});
      if (count_ip) ++st->per_ip[s.peer_ip()];
      s.admitted(id, count_ip);
    }
    if (victim) victim->shed();
    return admission::admitted;
  }

  std::vector<std::shared_ptr<session>> live_sessions() {
    std::vector<std::shared_ptr<session>> out;
    std::lock_guard lock(st->sessions_mu);
    for (auto& [id, t] : st->sessions) {
      if (auto s = t.s.lock()) out.push_back(std::move(s));
    }
    return out;
  }

  void stop() {
    if (!running) return;
    running = false;
    st->stopping = true;
    net::post(acceptor->get_executor(), [this] {
      boost::system::error_code ec;
      acceptor->close(ec);
    });
    for (auto& s : live_sessions()) s->begin_stop();
    auto deadline = steady::now() + st->opts.shutdown_grace;
    while (st->connections.load() > 0 && steady::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& s : live_sessions()) s->force_close();
    auto close_deadline = steady::now() + std::chrono::milliseconds(200);
    while (st->connections.load() > 0 && steady::now() < close_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& ioc : iocs) ioc->stop();
    for (auto& t : threads) t.join();
    threads.clear();
    {
      std::unique_lock lock(st->post_mu);
      st->accepting_posts = false;
    }
    acceptor.reset();
    guards.clear();
    iocs.clear();  // destroys the sessions still held by queued handlers
  }
};

server::server() : impl_(std::make_shared<impl>()) {}

server::~server() { stop(); }

expected<void, std::string> server::start(const server_options& options, const router& routes, server_hooks hooks) {
  if (impl_->running) return unexpected(std::string("the server is already running"));
  auto st = std::make_shared<shared_state>();
  st->opts = options;
  if (st->opts.io_threads < 1) st->opts.io_threads = 1;
  if (st->opts.max_pipelined < 1) st->opts.max_pipelined = 1;
  if (auto valid = st->opts.validate(); !valid) return valid;
  st->trusted_proxies = *parse_trusted_proxies(st->opts.trusted_proxies);
  st->routes = &routes;
  st->hooks = std::move(hooks);
  if (st->hooks.metrics) {
    st->requests_total = &st->hooks.metrics->add_counter("agora_http_requests_total", "HTTP requests answered",
                                                         {"route", "method", "status"});
    st->request_duration = &st->hooks.metrics->add_histogram(
        "agora_http_request_duration_seconds", "Time from request read to answer ready", {"route"});
    st->connections_gauge = &st->hooks.metrics->add_gauge("agora_http_connections", "Open HTTP connections").get();
    auto& refused = st->hooks.metrics->add_counter(
        "agora_http_connections_refused_total",
        "Connections refused: per_ip (http.max_connections_per_ip), global (http.max_connections, all busy)",
        {"reason"});
    st->refused_per_ip = &refused.with({"per_ip"});
    st->refused_global = &refused.with({"global"});
    st->shed_total = &st->hooks.metrics
                          ->add_counter("agora_http_connections_shed_total",
                                        "Connections waiting for a request head, closed to make room for a new one")
                          .get();
    st->header_timeouts =
        &st->hooks.metrics
             ->add_counter("agora_http_header_timeouts_total",
                           "Connections closed because a request head was not complete within http.header_timeout")
             .get();
  }

  std::vector<std::unique_ptr<net::io_context>> iocs;
  for (int i = 0; i < st->opts.io_threads; ++i) iocs.push_back(std::make_unique<net::io_context>(1));
  boost::system::error_code ec;
  auto addr = net::ip::make_address(options.address, ec);
  if (ec) return unexpected("invalid http.address '" + options.address + "': " + ec.message());
  tcp::endpoint ep(addr, options.port);
  tcp::acceptor acc(*iocs.front());
  if (acc.open(ep.protocol(), ec); ec) return unexpected("http: open: " + ec.message());
  if (acc.set_option(net::socket_base::reuse_address(true), ec); ec) {
    return unexpected("http: reuse_address: " + ec.message());
  }
  if (acc.bind(ep, ec); ec) {
    return unexpected("http: cannot bind " + options.address + ":" + std::to_string(options.port) + ": " +
                      ec.message());
  }
  if (acc.listen(net::socket_base::max_listen_connections, ec); ec) return unexpected("http: listen: " + ec.message());
  auto bound = acc.local_endpoint(ec);
  if (ec) return unexpected("http: local_endpoint: " + ec.message());

  impl_->iocs = std::move(iocs);
  impl_->guards.clear();
  for (auto& ioc : impl_->iocs) impl_->guards.push_back(net::make_work_guard(ioc->get_executor()));
  impl_->next_ioc = 0;
  impl_->acceptor.emplace(std::move(acc));
  impl_->st = std::move(st);
  impl_->port = bound.port();
  impl_->running = true;
  impl_->do_accept();
  for (auto& ctx : impl_->iocs) {
    impl_->threads.emplace_back([ioc = ctx.get(), n = impl_->threads.size()] {
      set_current_thread_name("http-io-" + std::to_string(n));
      // Nothing should throw out of a handler; if something does, log it and
      // keep the thread serving rather than take the process down.
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http io thread: uncaught exception: {}", e.what());
        } catch (...) {
          spdlog::error("http io thread: uncaught exception");
        }
      }
    });
  }
  spdlog::info("http: listening on {}:{} ({} io threads)", options.address, bound.port(), impl_->st->opts.io_threads);
  return {};
}

std::uint16_t server::port() const noexcept { return impl_->port.load(); }

std::size_t server::connections() const noexcept { return impl_->st ? impl_->st->connections.load() : 0; }

void server::stop() { impl_->stop(); }

}  // namespace agora::http
