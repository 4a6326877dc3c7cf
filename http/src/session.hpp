#pragma once
// Private: one HTTP connection's state machine (reading requests ahead of
// their answers, answering in order, timeouts, closing) and what the sessions
// and the acceptor share. Beast and Asio stay in http/src: nothing public
// includes this.
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
// next. Re-arming asio timers on every state change cost several cancelled-
// handler dispatches per request.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/metrics.hpp"
#include "http/response.hpp"
#include "http/server.hpp"
#include "http/src/admission.hpp"
#include "http/src/client_address.hpp"
#include "http/src/connection.hpp"
#include "http/src/cors.hpp"
#include "http/src/framing.hpp"

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

/// What sessions, responders and the acceptor share; outlives the
/// io_context's handlers through shared_ptr so that a late answer never
/// touches freed memory.
struct shared_state {
  /// `o` as validated by server::start().
  shared_state(server_options o, address_set proxies)
      : opts(std::move(o)), trusted_proxies(std::move(proxies)),
        books({opts.max_connections, opts.max_connections_per_ip}), cors(opts.cors_origins) {}

  server_options opts;
  const router* routes = nullptr;
  server_hooks hooks;
  std::atomic<bool> stopping{false};
  address_set trusted_proxies;
  /// Admitted sessions: for stop(), and for the acceptor to pick one to shed.
  connection_books books;
  cors_policy cors;

  counter_family* requests_total = nullptr;
  histogram_family* request_duration = nullptr;
  gauge* connections_gauge = nullptr;
  counter* refused_per_ip = nullptr;
  counter* refused_global = nullptr;
  counter* shed_total = nullptr;
  counter* header_timeouts = nullptr;
  /// agora_http_upgrades_total{outcome}: handed over, rate_limited, refused
  /// (not a WebSocket handshake).
  counter* upgrades_accepted = nullptr;
  counter* upgrades_rate_limited = nullptr;
  counter* upgrades_refused = nullptr;
  /// agora_http_upgraded_connections: handed over and still held.
  gauge* upgraded_gauge = nullptr;

  /// Responders post onto sessions' io_contexts only while those exist.
  std::shared_mutex post_mu;
  bool accepting_posts = true;
};

/// One connection. Runs on the thread of its socket's io_context; the public
/// members may be called from any thread (they post onto it).
///
/// After an upgrade the session hands its place in the books to an
/// upgrade_hold (the taker's ticket) and ends.
class session : public std::enable_shared_from_this<session>, public connection {
 public:
  session(socket_type socket, std::shared_ptr<shared_state> st);
  ~session() override;  // releases its place in the books (unless handed over)

  /// The TCP peer's address, canonical (IPv4-mapped IPv6 as IPv4).
  const std::string& peer_ip() const noexcept { return remote_ip_; }
  /// The TCP peer is one of trusted_proxies.
  bool peer_trusted() const noexcept { return peer_trusted_; }
  const std::shared_ptr<conn_mark>& mark() const noexcept { return mark_; }

  /// Admitted as `id` in st->books (called by the acceptor before start()).
  void admitted(std::uint64_t id);
  /// Serves the connection.
  void start();
  /// Refused (max_connections or max_connections_per_ip): answer 429
  /// (`per_ip`) or 503 without reading, and close.
  void start_rejected(bool per_ip);
  /// stop(): no more requests; the answers in flight still go out.
  void begin_stop() override;
  /// stop() after the grace period: close now.
  void force_close() override;
  /// The acceptor needs this connection's place for a newcomer (see
  /// admission.hpp): close it if it is still waiting for a request head with
  /// nothing in flight. If a head completed in the meantime, it keeps serving
  /// (the newcomer then holds one place beyond max_connections until some
  /// connection closes) and may be chosen again later.
  void shed() override;

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

  // timers
  steady::time_point next_deadline() const;
  void schedule_timer();
  void set_state_deadline(steady::time_point t);
  void stop_timer();
  void on_timer(boost::system::error_code ec, steady::time_point armed_for);
  void update_timer();
  bool waiting_for_head() const noexcept;
  steady::time_point head_wait_deadline(steady::time_point now);

  // reading
  void do_read();
  void on_header(boost::system::error_code ec);
  std::optional<framing_problem> check_framing() const;
  bool wants_continue() const;
  void do_continue();
  void on_continue(boost::system::error_code ec);
  void do_read_body();
  void on_read(boost::system::error_code ec);
  void read_failed(int status, std::string_view type, std::string_view title, std::string detail);
  void on_request();
  void hand_off_to(const upgrade_route& u, request req);
  /// Why an upgrade request for a route's path is not handed over (not a
  /// WebSocket handshake: 400; over the handshake rate limit: 429), or
  /// nullopt when it may be.
  std::optional<response> refuse_upgrade(const request& req, unsigned version);
  slot& push_slot();
  slot* find_slot(std::uint64_t id);

  // answers
  void on_answer(std::uint64_t id, std::optional<response> r);
  void on_deadline(std::uint64_t id);
  void finish(slot& s, response r);

  // writing
  void maybe_write();
  void on_write(boost::system::error_code ec);
  void finish_if_done();

  // closing
  void do_linger();
  void drain();
  void do_close();

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
  bool awaiting_head_ = false;  // the read in progress is for a request head
  bool first_head_ = true;      // no head read yet: its deadline counts from the accept
  bool counted_ = false;        // admitted, so in st_->books
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // read no more; close once the answers are out
  bool lingering_ = false;
  bool closed_ = false;
};

}  // namespace agora::http
