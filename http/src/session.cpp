// The connection state machine (see session.hpp for its shape). The only
// translation unit of agora_http that includes Beast's HTTP parser: it
// compiles slowly, so nothing else should.

#include "http/src/session.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <spdlog/spdlog.h>

#include "common/guarded.hpp"
#include "common/uuid.hpp"
#include "common/clock.hpp"
#include "http/rate_limiter.hpp"
#include "http/request.hpp"
#include "http/responder.hpp"
#include "http/router.hpp"
#include "http/src/response_writer.hpp"
#include "http/src/upgrade_hold.hpp"
#include "http/src/upgrade_handoff.hpp"

namespace agora::http {

namespace {

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace

session::session(socket_type socket, std::shared_ptr<shared_state> st)
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

session::~session() {
  if (counted_) {
    const std::size_t now = st_->books.release(id_);
    if (st_->connections_gauge) st_->connections_gauge->set(static_cast<double>(now));
  }
}

void session::admitted(std::uint64_t id) {
  counted_ = true;
  id_ = id;
  if (st_->connections_gauge) st_->connections_gauge->set(static_cast<double>(st_->books.open()));
}

void session::start() {
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

void session::start_rejected(bool per_ip) {
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

void session::begin_stop() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    boost::system::error_code ec;
    // Wakes a pending read with EOF without disturbing a write in progress.
    self->socket_.shutdown(tcp::socket::shutdown_receive, ec);
    if (!self->reading_ && !self->writing_ && self->slots_.empty()) self->do_close();
  });
}

void session::force_close() {
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->do_close(); });
}

void session::shed() {
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

// The earliest of the state's deadline and the deadline of the oldest
// request still waiting for its handler (slots are in arrival order).
steady::time_point session::next_deadline() const {
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
void session::schedule_timer() {
  if (closed_) return;
  const steady::time_point due = next_deadline();
  if (due == steady::time_point::max() || due >= timer_expiry_) return;
  timer_expiry_ = due;
  timer_.expires_at(due);  // a pending wait completes with operation_aborted
  timer_.async_wait([self = shared_from_this(), due](boost::system::error_code ec) { self->on_timer(ec, due); });
}

void session::set_state_deadline(steady::time_point t) {
  state_deadline_ = t;
  schedule_timer();
}

void session::stop_timer() {
  state_deadline_ = steady::time_point::max();
  timer_expiry_ = steady::time_point::max();
  timer_.cancel();  // releases the session the pending wait holds
}

void session::on_timer(boost::system::error_code ec, steady::time_point armed_for) {
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
void session::update_timer() {
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
bool session::waiting_for_head() const noexcept {
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
steady::time_point session::head_wait_deadline(steady::time_point now) {
  if (head_due_ == steady::time_point::max() && buffer_.size() > 0) head_due_ = now + st_->opts.header_timeout;
  if (head_due_ != steady::time_point::max()) return std::min(head_due_, idle_due_);
  return std::min(idle_due_, now + st_->opts.header_timeout);
}

void session::do_read() {
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
void session::on_header(boost::system::error_code ec) {
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
std::optional<framing_problem> session::check_framing() const {
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
bool session::wants_continue() const {
  const auto& m = parser_->get();
  if (m.version() < 11 || buffer_.size() > 0 || writing_ || !slots_.empty()) return false;
  auto e = m.find(bhttp::field::expect);
  return e != m.end() && beast::iequals(e->value(), "100-continue");
}

void session::do_continue() {
  static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
  writing_ = true;
  set_state_deadline(steady::now() + st_->opts.write_timeout);
  net::async_write(socket_, net::buffer(interim.data(), interim.size()),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     self->on_continue(ec);
                   });
}

void session::on_continue(boost::system::error_code ec) {
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

void session::do_read_body() {
  bhttp::async_read(socket_, buffer_, *parser_,
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_read(ec); });
}

void session::on_read(boost::system::error_code ec) {
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
  const bool handled = call_guarded([&] { on_request(); }, [&](std::string_view what) {
    spdlog::error("http {}: failed to handle a request: {}", remote_, what);
  });
  if (!handled) {
    do_close();
    return;
  }
  do_read();
}

// A request that could not be read: answer it, then close the connection
// (the stream's framing is lost).
void session::read_failed(int status, std::string_view type, std::string_view title, std::string detail) {
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
  finish(s, problem_at(s.path, s.request_id, status, type, title, detail));
  maybe_write();
}

void session::on_request() {
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

  // An upgrade (WebSocket) leaves the HTTP session entirely, once nothing
  // earlier on the connection awaits its answer.
  const bool upgrade = wants_upgrade(req);
  std::optional<response> upgrade_refused;
  if (upgrade && slots_.empty()) {
    if (const upgrade_route* u = find_upgrade_route(st_->hooks.upgrades, req)) {
      upgrade_refused = refuse_upgrade(req, msg.version());
      if (!upgrade_refused) {
        hand_off_to(*u, std::move(req));
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

  if (upgrade_refused) {
    s.route = "upgrade";
    s.close_after = true;  // the client may not wait for our answer before it speaks WebSocket
    finish(s, std::move(*upgrade_refused));
    maybe_write();
    return;
  }
  if (upgrade) {
    finish(s, problem(req, 404, "not-found", "Not Found", "no upgrade endpoint at this path"));
    maybe_write();
    return;
  }

  // CORS preflight from an allowed origin: answered here, never routed.
  auto acrm = req.headers.get("Access-Control-Request-Method");
  if (req.method == method::options && !s.origin.empty() && acrm && st_->cors.allows(s.origin)) {
    auto m = st_->routes->match(parse_method(*acrm), req.path, /*want_allow=*/true);
    if (m.outcome != router::match_result::kind::not_found) {
      s.route = "cors.preflight";
      finish(s, preflight_response(*acrm, m.allow, req.headers.get("Access-Control-Request-Headers")));
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

std::optional<response> session::refuse_upgrade(const request& req, unsigned version) {
  if (!is_websocket_upgrade(req, version)) {
    if (st_->upgrades_refused) st_->upgrades_refused->inc();
    return problem(req, 400, "bad-request", "Bad Request", "not a WebSocket handshake (RFC 6455 4.1)");
  }
  if (st_->hooks.upgrade_limiter) {
    auto d = st_->hooks.upgrade_limiter->try_acquire("ip:" + req.remote_ip, system_clock::instance().now());
    if (!d.allowed) {
      if (st_->upgrades_rate_limited) st_->upgrades_rate_limited->inc();
      return too_many_requests(req, d);
    }
  }
  return std::nullopt;
}

void session::hand_off_to(const upgrade_route& u, request req) {
  stop_timer();
  closed_ = true;  // this session does nothing more on the socket
  mark_->waiting_since.store(0, std::memory_order_relaxed);
  if (st_->upgrades_accepted) st_->upgrades_accepted->inc();
  // The place in the books goes to a small hold the taker keeps; this
  // session, with its buffers, ends once its pending handlers have run.
  std::shared_ptr<upgrade_ticket> ticket;
  if (counted_) {
    auto hold = std::make_shared<upgrade_hold>(st_, id_);
    st_->books.rebind(id_, std::static_pointer_cast<connection>(hold));
    counted_ = false;
    ticket = std::move(hold);
  }
  upgraded_connection conn{tcp::socket(std::move(socket_)), std::move(ticket)};
  hand_off(u, std::move(req), std::move(conn), remote_, st_->opts.access_log);
}

session::slot& session::push_slot() {
  slot& s = slots_.emplace_back();
  s.id = next_slot_id_++;
  s.start = steady::now();
  update_timer();
  return s;
}

session::slot* session::find_slot(std::uint64_t id) {
  if (slots_.empty() || id < slots_.front().id) return nullptr;
  std::size_t i = static_cast<std::size_t>(id - slots_.front().id);
  return i < slots_.size() ? &slots_[i] : nullptr;
}

void session::on_answer(std::uint64_t id, std::optional<response> r) {
  slot* s = find_slot(id);
  if (s == nullptr || s->res) {
    spdlog::debug("http {}: late answer for request {} dropped", remote_, id);
    return;
  }
  if (!r) {
    spdlog::error("http {} {}: handler of route {} dropped its responder without answering (request {})",
                  s->method_text, s->target, s->route, s->request_id);
    r = problem_at(s->path, s->request_id, 500, "internal", "Internal Server Error", "the request was not answered");
  }
  finish(*s, std::move(*r));
  maybe_write();
}

void session::on_deadline(std::uint64_t id) {
  slot* s = find_slot(id);
  if (s == nullptr || s->res || closed_) return;
  spdlog::warn("http {} {}: no answer within {} ms (route {}, request {})", s->method_text, s->target,
               st_->opts.request_timeout.count(), s->route, s->request_id);
  response r =
      problem_at(s->path, s->request_id, 503, "timeout", "Service Unavailable", "the request was not answered in time");
  r.headers.set("Retry-After", "1");
  finish(*s, std::move(r));
  maybe_write();
}

// Turns a handler's response into the message to write, with the headers
// every response carries, and records the log line and the metrics.
void session::finish(slot& s, response r) {
  bool keep = s.keep_alive && !s.close_after && !st_->stopping.load();
  if (!keep) s.close_after = true;
  const std::size_t bytes = status_has_body(r.status) ? r.body.size() : 0;
  response_framing framing;
  framing.version = s.version;
  framing.keep_alive = keep;
  framing.head = s.head;
  framing.request_id = s.request_id;
  framing.allow_origin = st_->cors.allow_origin(s.origin);
  s.res = serialize_response(r, framing);

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

void session::maybe_write() {
  if (closed_ || writing_ || slots_.empty() || !slots_.front().res) return;
  writing_ = true;
  set_state_deadline(steady::now() + st_->opts.write_timeout);
  net::async_write(socket_, net::buffer(*slots_.front().res),
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_write(ec); });
}

void session::on_write(boost::system::error_code ec) {
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

void session::finish_if_done() {
  if (closing_ && slots_.empty() && !writing_ && !reading_) do_linger();
}

// Close gracefully: send FIN, then read and discard what the client still
// sends for a moment, so that closing with unread data does not reset the
// connection and destroy the response we just wrote (RFC 9112 9.6).
void session::do_linger() {
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

void session::drain() {
  if (!drain_buf_) drain_buf_ = std::make_unique<std::array<char, 4096>>();
  socket_.async_read_some(net::buffer(*drain_buf_), [self = shared_from_this()](boost::system::error_code ec,
                                                                                 std::size_t) {
    if (ec || self->closed_) return self->do_close();
    self->drain();
  });
}

void session::do_close() {
  if (closed_) return;
  closed_ = true;
  mark_->waiting_since.store(0, std::memory_order_relaxed);
  slots_.clear();
  stop_timer();
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace agora::http
