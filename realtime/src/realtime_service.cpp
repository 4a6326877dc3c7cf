#include "realtime/realtime_service.hpp"

#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/logger.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "http/upgrade.hpp"
#include "projections/projection_runner.hpp"
#include "realtime/src/fan_out.hpp"
#include "realtime/src/hub.hpp"
#include "realtime/src/messages.hpp"
#include "realtime/src/ws_session.hpp"

namespace agora::realtime {

struct realtime_service::impl {
  std::shared_ptr<detail::hub> h;
  // Its own actor system, one scheduler thread: the fan-out is one actor, and
  // actors/ keeps its system to itself (docs/ARCHITECTURE.md, "Realtime").
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  projections::change_subscription changes;
  std::shared_ptr<http::upgrade_route> route;
  std::mutex stop_mu;
  bool stopped = false;
};

realtime_service::realtime_service(realtime_deps deps, realtime_options options) : impl_(std::make_shared<impl>()) {
  auto& p = *impl_;
  p.h = std::make_shared<detail::hub>(deps, std::move(options));
  p.cfg = std::make_unique<caf::actor_system_config>();
  p.cfg->set("scheduler.max-threads", static_cast<std::size_t>(1));
  p.cfg->set("logger.verbosity", caf::atom("quiet"));
  p.sys = std::make_unique<caf::actor_system>(*p.cfg);
  p.h->attach_fan_out(detail::spawn_fan_out(*p.sys, p.h));
  // CAF 0.17's constructor and spawn make this system's logger the calling
  // thread's current one (a thread-local reference), and its destructor
  // waits until every reference is gone: one left on this thread would hang
  // a stop() run from another thread.
  caf::logger::set_current_actor_system(nullptr);
  // The listener runs on the projections' thread: it only copies the batch
  // into a message (a non-blocking send), never waits.
  p.changes = deps.projections->subscribe([h = p.h](const projections::change_batch& b) {
    h->tell(detail::batch_msg{std::make_shared<const projections::change_batch>(b)});
  });
  p.route = std::make_shared<http::upgrade_route>();
  p.route->path = p.h->opts.path;
  p.route->on_upgrade = [h = p.h](http::request req, http::upgraded_connection conn) {
    auto s = std::make_shared<detail::ws_session>(h, std::move(conn));
    std::weak_ptr<detail::ws_session> weak = s;
    // server::stop(): close 1001 (the session drops the ticket when it ends).
    s->ticket_on_stop([weak] {
      if (auto live = weak.lock()) live->close_soon(1001, "server shutting down");
    });
    s->start(std::move(req));
  };
}

realtime_service::~realtime_service() { stop(); }

std::shared_ptr<const http::upgrade_route> realtime_service::route() const { return impl_->route; }

realtime_stats realtime_service::stats() const {
  realtime_stats s;
  s.connections = impl_->h->open();
  s.subscriptions = impl_->h->subscriptions();
  s.slow_consumer_closes = impl_->h->slow_consumer_closes->value();
  s.messages_sent = impl_->h->messages_sent->value();
  return s;
}

void realtime_service::stop(std::chrono::milliseconds grace) {
  std::lock_guard lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  auto& h = *impl_->h;
  h.stopping = true;  // no new connections
  impl_->changes.reset();
  for (auto& s : h.live()) s->close_soon(1001, "server shutting down");
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (h.open() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (h.open() > 0) spdlog::warn("realtime: {} connections still open at stop", h.open());
  // The handle goes first: the actor's state holds the hub (and sessions
  // that hold it), so a handle kept in the hub would keep the actor object
  // alive, and the actor system's destructor waits for it.
  if (auto fan_out = h.detach_fan_out()) caf::anon_send_exit(fan_out, caf::exit_reason::user_shutdown);
  impl_->sys.reset();  // waits for the fan-out to end (its state releases the sessions)
}

}  // namespace agora::realtime
