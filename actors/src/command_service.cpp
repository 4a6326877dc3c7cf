// The facade over the actor system: starts CAF and the registries, routes
// commands from any thread to the owning registry, and stops it all in order.

#include "actors/command_service.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string_view>
#include <thread>

#include "actors/src/hooks.hpp"
#include "actors/src/registry.hpp"
#include "common/config.hpp"

namespace agora::actors {

using namespace detail;

const char* to_string(aggregate_kind k) noexcept {
  switch (k) {
    case aggregate_kind::product: return "product";
    case aggregate_kind::inventory: return "inventory";
    case aggregate_kind::cart: return "cart";
    case aggregate_kind::order: return "order";
    case aggregate_kind::customer: return "customer";
    case aggregate_kind::claim: return "claim";
  }
  return "unknown";
}

const char* to_string(command_errc c) noexcept {
  switch (c) {
    case command_errc::rejected: return "rejected";
    case command_errc::overloaded: return "overloaded";
    case command_errc::timeout: return "timeout";
    case command_errc::storage: return "storage";
    case command_errc::unavailable: return "unavailable";
    case command_errc::precondition_failed: return "precondition_failed";
  }
  return "unknown";
}

namespace {

// A duration key (a number with a unit, see config::get_duration_ms) as the
// option's std::chrono type.
std::chrono::milliseconds duration_of(config& cfg, std::string_view key, std::chrono::milliseconds def,
                                      std::string_view help) {
  return std::chrono::milliseconds(cfg.get_duration_ms(key, def.count(), help));
}

}  // namespace

expected<actor_options, option_error> actor_options::from_config(config& cfg) {
  actor_options o;
  o.scheduler_threads = static_cast<int>(
      cfg.get_int("actors.scheduler_threads", o.scheduler_threads, "CAF scheduler worker threads"));
  o.scheduler_sleep_polls = cfg.get_int("actors.scheduler_sleep_polls", o.scheduler_sleep_polls,
                                         "polls (50 us apart) of an idle CAF worker before it waits");
  o.io_threads = static_cast<int>(cfg.get_int("actors.io_threads", o.io_threads, "threads reading the store for activations"));
  const auto io_queue_limit = cfg.get_int("actors.io_queue_limit", static_cast<std::int64_t>(o.io_queue_limit),
                                          "activation jobs waiting at most");
  o.io_queue_limit = static_cast<std::size_t>(std::max<std::int64_t>(0, io_queue_limit));
  o.idle_timeout = duration_of(cfg, "actors.idle_timeout", o.idle_timeout, "passivate aggregates idle this long");
  const auto max_resident = cfg.get_int("actors.max_resident", static_cast<std::int64_t>(o.max_resident),
                                        "live aggregates per kind at most (LRU passivation beyond)");
  o.max_resident = static_cast<std::size_t>(std::max<std::int64_t>(0, max_resident));
  o.passivation_sweep =
      duration_of(cfg, "actors.passivation_sweep", o.passivation_sweep, "how often to look for idle aggregates");
  const auto snapshot_every =
      cfg.get_int("actors.snapshot_every", o.snapshot_every, "write a snapshot after this many events");
  o.snapshot_every = static_cast<std::uint32_t>(std::max<std::int64_t>(0, snapshot_every));
  const auto max_queued = cfg.get_int("actors.max_queued_commands", static_cast<std::int64_t>(o.max_queued_commands),
                                      "commands waiting per aggregate");
  o.max_queued_commands = static_cast<std::size_t>(std::max<std::int64_t>(0, max_queued));
  o.command_timeout = duration_of(cfg, "actors.command_timeout", o.command_timeout, "wait for a command's answer");
  o.saga_step_timeout =
      duration_of(cfg, "actors.saga_step_timeout", o.saga_step_timeout, "wait for one inventory answer in the order saga");
  o.cart_hold_ttl = duration_of(cfg, "actors.cart_hold_ttl", o.cart_hold_ttl, "how long cart holds last");
  o.registry_shards = static_cast<int>(cfg.get_int("actors.registry_shards", o.registry_shards, "registries per kind"));
  o.reservation_retention = duration_of(cfg, "actors.reservation_retention", o.reservation_retention,
                                        "how long inventory remembers settled orders (0: forever)");
  o.max_units_held_per_customer = cfg.get_int(
      "actors.max_units_held_per_customer", o.max_units_held_per_customer,
      "units of one SKU one customer may hold in carts plus unshipped orders (0: no limit)");
  o.max_open_carts_per_customer = cfg.get_int("actors.max_open_carts_per_customer", o.max_open_carts_per_customer,
                                              "open carts one customer may have at once (0: no limit)");
  o.payment_deadline = duration_of(
      cfg, "orders.payment_deadline", o.payment_deadline,
      "cancel a confirmed order not paid within this and release its stock (0: never)");
  // Every key is read (and so declared for --print-config) before the first
  // refusal. Negative counts are refused before an unsigned member could hold
  // them; the other ranges are validate()'s.
  if (io_queue_limit < 1) return unexpected(make_option_error("actors.io_queue_limit", "out of range: must be >= 1"));
  if (max_resident < 1) return unexpected(make_option_error("actors.max_resident", "out of range: must be >= 1"));
  if (snapshot_every < 0 || snapshot_every > 0xFFFFFFFFLL) {
    return unexpected(make_option_error("actors.snapshot_every", "out of range: must be 0..4294967295"));
  }
  if (max_queued < 1) return unexpected(make_option_error("actors.max_queued_commands", "out of range: must be >= 1"));
  if (auto valid = o.validate(); !valid) return unexpected(std::move(valid).error());
  return o;
}

expected<void, option_error> actor_options::validate() const {
  auto refuse = [](const char* key, const char* range) {
    return expected<void, option_error>(unexpected(make_option_error(key, std::string("out of range: ") + range)));
  };
  if (scheduler_threads < 1) return refuse("actors.scheduler_threads", "must be >= 1");
  if (io_threads < 1) return refuse("actors.io_threads", "must be >= 1");
  if (registry_shards < 1) return refuse("actors.registry_shards", "must be >= 1");
  if (max_resident < 1) return refuse("actors.max_resident", "must be >= 1");
  // Each registry shard keeps its share of max_resident: a share of 0 would
  // passivate every aggregate as it is activated.
  if (max_resident < static_cast<std::size_t>(registry_shards)) {
    return refuse("actors.max_resident", "must be >= actors.registry_shards (each registry keeps a share)");
  }
  if (io_queue_limit < 1) return refuse("actors.io_queue_limit", "must be >= 1 (0 would refuse every activation)");
  if (idle_timeout.count() < 0) return refuse("actors.idle_timeout", "must be >= 0");
  // A sweep more often than this would keep the registries busy sweeping.
  if (passivation_sweep < std::chrono::milliseconds(10)) return refuse("actors.passivation_sweep", "must be >= 10ms");
  if (saga_step_timeout.count() < 1) return refuse("actors.saga_step_timeout", "must be >= 1ms");
  if (cart_hold_ttl.count() < 1) return refuse("actors.cart_hold_ttl", "must be >= 1ms");
  if (max_queued_commands < 1) return refuse("actors.max_queued_commands", "must be >= 1");
  if (command_timeout.count() < 1) return refuse("actors.command_timeout", "must be >= 1ms");
  if (scheduler_sleep_polls < 0 || scheduler_sleep_polls > 100000) {
    return refuse("actors.scheduler_sleep_polls", "must be 0..100000");
  }
  if (reservation_retention.count() < 0) {
    return refuse("actors.reservation_retention", "must be >= 0 (0 remembers settled orders forever)");
  }
  if (max_units_held_per_customer < 0 || max_units_held_per_customer > domain::inventory::max_quantity) {
    return refuse("actors.max_units_held_per_customer", "must be 0..1000000000 (0: no limit)");
  }
  if (max_open_carts_per_customer < 0 || max_open_carts_per_customer > 1000) {
    return refuse("actors.max_open_carts_per_customer", "must be 0..1000 (0: no limit)");
  }
  if (payment_deadline.count() < 0) return refuse("orders.payment_deadline", "must be >= 0 (0: no deadline)");
  return {};
}

class command_service::impl {
 public:
  std::shared_ptr<runtime> rt;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;

  template <class Kind>
  void spawn_registries() {
    auto& shards = rt->shards<Kind>();
    for (int i = 0; i < rt->opts.registry_shards; ++i) shards.push_back(sys->spawn(registry_behavior<Kind>, rt));
  }

  template <class Kind>
  void route(std::string id, typename Kind::request req, command_context ctx, command_callback done) {
    if (auto err = eventstore::event_store::validate_stream_id(stream_id(Kind::name, id), 200)) {
      domain::domain_error d;
      d.code = domain::domain_errc::invalid_argument;
      d.field = "id";
      d.message = "invalid id: " + err->message;
      return done(agora::unexpected{rejected(std::move(d))});
    }
    const auto& reg = registry_of<Kind>(*rt, id);  // before `id` is moved (see query)
    caf::anon_send(reg, route_msg<Kind>{std::move(id), std::move(req), std::move(ctx), std::move(done), 0});
  }

  template <class Kind>
  void query(std::string id, state_callback done) {
    if (auto err = eventstore::event_store::validate_stream_id(stream_id(Kind::name, id), 200)) {
      return done(agora::unexpected{make_command_error(command_errc::rejected, "invalid id: " + err->message)});
    }
    // The shard first: `id` is moved into the message below, and argument
    // evaluation order is unspecified (hashing a moved-from id picks another
    // shard, which would start a second actor for the same aggregate).
    const auto& reg = registry_of<Kind>(*rt, id);
    caf::anon_send(reg, route_query<Kind>{std::move(id), std::move(done)});
  }

  /// Activates `stream`'s aggregate, not before `due` (0: now).
  void wake(const std::string& stream, timestamp_us due);

  void stop() {
    if (!sys) return;
    std::apply([](auto&... kinds) { (..., [&] { for (auto& r : kinds) caf::anon_send(r, shutdown_msg{}); }()); },
               rt->registries);
    // Appends in flight are answered to actors: wait (bounded) for the store.
    for (int i = 0; i < 500 && rt->appends_in_flight.load() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    rt->io->stop();
    // Actors still running read the registry handles (to route, to say they
    // are gone): the handles go only once every actor is done. (Clearing them
    // first raced with those reads; a stress run caught a division by zero
    // when a shard list was found empty.)
    sys->await_all_actors_done();
    std::apply([](auto&... kinds) { (kinds.clear(), ...); }, rt->registries);
    sys.reset();
  }
};

command_service::command_service(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
command_service::~command_service() { impl_->stop(); }

agora::expected<std::unique_ptr<command_service>, std::string> command_service::start(
    eventstore::event_store& store, const actor_options& options, const clock& clk,
    std::shared_ptr<payment_port> payments) {
  if (auto valid = options.validate(); !valid) return agora::unexpected{std::move(valid).error().message};
  auto p = std::make_unique<impl>();
  p->rt = std::make_shared<runtime>();
  auto& rt = *p->rt;
  rt.store = &store;
  rt.opts = options;
  rt.clk = &clk;
  rt.payments = payments ? std::move(payments) : std::make_shared<simulated_payments>();
  rt.io = std::make_unique<work_pool>("actors-io", static_cast<std::size_t>(options.io_threads),
                                      options.io_queue_limit);

  p->cfg = std::make_unique<caf::actor_system_config>();
  p->cfg->set("scheduler.max-threads", static_cast<std::size_t>(options.scheduler_threads));
  p->cfg->set("work-stealing.moderate-poll-attempts", static_cast<std::size_t>(options.scheduler_sleep_polls));
  p->sys = std::make_unique<caf::actor_system>(*p->cfg);
  p->spawn_registries<product_kind>();
  p->spawn_registries<inventory_kind>();
  p->spawn_registries<cart_kind>();
  p->spawn_registries<order_kind>();
  p->spawn_registries<customer_kind>();
  p->spawn_registries<claim_kind>();

  std::unique_ptr<command_service> svc(new command_service(std::move(p)));
  // Resume what was pending at the last stop: hold expiries, sagas, refunds.
  auto wakeups = store.list_wakeups(~std::size_t{0});
  if (!wakeups) return agora::unexpected{"reading wake-ups: " + wakeups.error().message};
  for (const auto& w : *wakeups) svc->impl_->wake(w.stream, w.due);
  if (!wakeups->empty()) spdlog::info("actors: resumed {} aggregates with pending work", wakeups->size());
  return svc;
}

void command_service::send(std::string id, domain::product::command cmd, command_context ctx, command_callback done) {
  impl_->route<product_kind>(std::move(id), product_kind::request{std::move(cmd)}, std::move(ctx), std::move(done));
}
void command_service::send(std::string id, domain::inventory::command cmd, command_context ctx, command_callback done) {
  impl_->route<inventory_kind>(std::move(id), inventory_kind::request{std::move(cmd)}, std::move(ctx), std::move(done));
}
void command_service::send(std::string id, domain::cart::command cmd, command_context ctx, command_callback done) {
  impl_->route<cart_kind>(std::move(id), cart_kind::request{std::move(cmd)}, std::move(ctx), std::move(done));
}
void command_service::send(std::string id, domain::order::command cmd, command_context ctx, command_callback done) {
  impl_->route<order_kind>(std::move(id), order_kind::request{std::move(cmd)}, std::move(ctx), std::move(done));
}
void command_service::send(std::string id, domain::customer::command cmd, command_context ctx, command_callback done) {
  impl_->route<customer_kind>(std::move(id), customer_kind::request{std::move(cmd)}, std::move(ctx), std::move(done));
}
void command_service::send(std::string key, domain::claim::command cmd, command_context ctx, command_callback done) {
  impl_->route<claim_kind>(std::move(key), claim_kind::request{std::move(cmd)}, std::move(ctx), std::move(done));
}

void command_service::pay(std::string order_id, std::string method, command_context ctx, command_callback done) {
  impl_->route<order_kind>(std::move(order_id), order_kind::request{pay_request{std::move(method)}}, std::move(ctx),
                           std::move(done));
}

void command_service::get_state(aggregate_kind kind, std::string id, state_callback done) {
  switch (kind) {
    case aggregate_kind::product: return impl_->query<product_kind>(std::move(id), std::move(done));
    case aggregate_kind::inventory: return impl_->query<inventory_kind>(std::move(id), std::move(done));
    case aggregate_kind::cart: return impl_->query<cart_kind>(std::move(id), std::move(done));
    case aggregate_kind::order: return impl_->query<order_kind>(std::move(id), std::move(done));
    case aggregate_kind::customer: return impl_->query<customer_kind>(std::move(id), std::move(done));
    case aggregate_kind::claim: return impl_->query<claim_kind>(std::move(id), std::move(done));
  }
}

void command_service::wake(const std::string& stream) { impl_->wake(stream, 0); }

void command_service::impl::wake(const std::string& stream, timestamp_us due) {
  const auto dash = stream.find('-');
  if (dash == std::string::npos) return;
  const std::string_view kind(stream.data(), dash);
  std::string id = stream.substr(dash + 1);
  auto send_wake = [&](auto kind_tag) {
    using Kind = decltype(kind_tag);
    caf::anon_send(registry_of<Kind>(*rt, id), wake_msg{id, due});
  };
  if (kind == inventory_kind::name) send_wake(inventory_kind{});
  else if (kind == order_kind::name) send_wake(order_kind{});
  else if (kind == cart_kind::name) send_wake(cart_kind{});
  else if (kind == product_kind::name) send_wake(product_kind{});
  else if (kind == customer_kind::name) send_wake(customer_kind{});
  else if (kind == claim_kind::name) send_wake(claim_kind{});
}

service_stats command_service::stats() const {
  const auto& rt = *impl_->rt;
  service_stats s;
  s.commands = rt.commands.load(std::memory_order_relaxed);
  s.activations = rt.activations.load(std::memory_order_relaxed);
  s.passivations = rt.passivations.load(std::memory_order_relaxed);
  s.live_aggregates = rt.live.load(std::memory_order_relaxed);
  s.retries = rt.retries.load(std::memory_order_relaxed);
  s.snapshot_loads = rt.snapshot_loads.load(std::memory_order_relaxed);
  s.events_replayed = rt.events_replayed.load(std::memory_order_relaxed);
  s.fresh_activations = rt.fresh_activations.load(std::memory_order_relaxed);
  return s;
}

const actor_options& command_service::options() const noexcept { return impl_->rt->opts; }

}  // namespace agora::actors
