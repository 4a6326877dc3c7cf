// The server: the acceptor (one per server, on the first io thread), the io
// threads, start and graceful stop. A connection's life is in session.cpp;
// who is served, refused or shed, in admission.hpp; the limits against
// clients that hold connections (max_connections_per_ip, header_timeout,
// shedding at max_connections) are explained there.

#include "http/server.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "common/guarded.hpp"
#include "common/thread_name.hpp"
#include "http/metrics.hpp"
#include "http/src/server_options.hpp"
#include "http/src/session.hpp"

namespace agora::http {

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
      // See admission.hpp for who is served, refused or shed.
      auto a = st->books.admit(s->peer_ip(), s->peer_trusted(), std::static_pointer_cast<connection>(s), s->mark());
      switch (a.outcome) {
        case connection_books::verdict::admitted:
          s->admitted(a.id);
          if (a.victim) std::static_pointer_cast<connection>(a.victim)->shed();
          s->start();
          break;
        case connection_books::verdict::per_ip:
          if (st->refused_per_ip) st->refused_per_ip->inc();
          spdlog::debug("http: {} has {} connections open, refusing one more", s->peer_ip(),
                        st->opts.max_connections_per_ip);
          s->start_rejected(/*per_ip=*/true);
          break;
        case connection_books::verdict::global:
          if (st->refused_global) st->refused_global->inc();
          spdlog::warn("http: {} connections open, all busy, refusing one more", st->books.open());
          s->start_rejected(/*per_ip=*/false);
          break;
      }
    }
    do_accept();
  }

  // Sessions, and the holds of connections handed over (upgrade_hold).
  std::vector<std::shared_ptr<connection>> live_sessions() {
    std::vector<std::shared_ptr<connection>> out;
    for (auto& s : st->books.live()) out.push_back(std::static_pointer_cast<connection>(std::move(s)));
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
    // Upgraded connections are asked to close (their takers send 1001) and
    // waited for like requests in flight: they hold their places until then.
    for (auto& s : live_sessions()) s->begin_stop();
    auto deadline = steady::now() + st->opts.shutdown_grace;
    while (st->books.open() > 0 && steady::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& s : live_sessions()) s->force_close();
    auto close_deadline = steady::now() + std::chrono::milliseconds(200);
    while (st->books.open() > 0 && steady::now() < close_deadline) {
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
  server_options opts = options;
  if (auto valid = opts.validate(); !valid) return unexpected(std::move(valid).error().message);
  auto proxies = parse_trusted_proxies(opts);
  auto st = std::make_shared<shared_state>(std::move(opts), std::move(*proxies));
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
    auto& upgrades = st->hooks.metrics->add_counter(
        "agora_http_upgrades_total",
        "WebSocket handshakes at an upgrade route: accepted (handed over), rate_limited (429), refused (400)",
        {"outcome"});
    st->upgrades_accepted = &upgrades.with({"accepted"});
    st->upgrades_rate_limited = &upgrades.with({"rate_limited"});
    st->upgrades_refused = &upgrades.with({"refused"});
    st->upgraded_gauge = &st->hooks.metrics
                              ->add_gauge("agora_http_upgraded_connections",
                                          "Upgraded connections (WebSocket) still open; counted in agora_http_connections")
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
      while (!call_guarded("http io thread", [ioc] { ioc->run(); })) {
      }
    });
  }
  spdlog::info("http: listening on {}:{} ({} io threads)", options.address, bound.port(), impl_->st->opts.io_threads);
  return {};
}

std::uint16_t server::port() const noexcept { return impl_->port.load(); }

std::size_t server::connections() const noexcept { return impl_->st ? impl_->st->books.open() : 0; }

void server::stop() { impl_->stop(); }

}  // namespace agora::http
