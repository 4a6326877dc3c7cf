#include "app/node.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <random>
#include <system_error>

#include "actors/domain/customer.hpp"
#include "api/gateway.hpp"
#include "common/json_writer.hpp"
#include "common/secret.hpp"
#include "common/uuid.hpp"
#include "common/work_pool.hpp"
#include "http/auth.hpp"
#include "http/metrics.hpp"
#include "http/rate_limiter.hpp"
#include "http/response_cache.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "realtime/realtime_service.hpp"
#include "web/static_site.hpp"

namespace agora {

agora::expected<std::unique_ptr<node>, std::string> node::start(config& cfg) {
  std::unique_ptr<node> n(new node());
  auto store_parsed = eventstore::store_options::from_config(cfg);
  if (!store_parsed) return agora::unexpected{std::move(store_parsed).error().message};
  auto store_opts = std::move(*store_parsed);

  std::error_code ec;
  std::filesystem::create_directories(store_opts.path, ec);
  if (ec) return agora::unexpected{"cannot create " + store_opts.path + ": " + ec.message()};
  auto store = eventstore::event_store::open(store_opts);
  if (!store) return agora::unexpected{std::move(store).error().message};
  n->store_ = std::move(*store);

  const auto abs = std::filesystem::absolute(store_opts.path, ec).lexically_normal();
  spdlog::info("event store open at {} (last position {}, sync {})", ec ? store_opts.path : abs.string(),
               n->store_->last_position(), store_opts.sync ? "on" : "OFF: acknowledged writes may be lost on power failure");

  // The outbox: the log goes to Kafka (embedded broker by default).
  auto ko_parsed = bus::relay_options::from_config(cfg);
  if (!ko_parsed) return agora::unexpected{"kafka: " + ko_parsed.error().message};
  auto ko = std::move(*ko_parsed);
  if (ko.mode == bus::broker_mode::embedded) {
    bus::embedded_broker_options bo{ko.embedded_brokers, ko.embedded_partitions, {}};
    for (const auto& [kind, topic] : ko.topics.topics) bo.topics.push_back(topic);
    if (!ko.topics.default_topic.empty()) bo.topics.push_back(ko.topics.default_topic);
    auto broker = bus::embedded_broker::start(bo);
    if (!broker) return agora::unexpected{"cannot start the embedded Kafka broker: " + broker.error()};
    n->broker_ = std::move(*broker);
    ko.bootstrap_servers = n->broker_->bootstrap_servers();
    spdlog::info("embedded Kafka broker at {} (in memory only: not for production; see docs/KAFKA.md)",
                 ko.bootstrap_servers);
  }
  if (ko.mode != bus::broker_mode::off) {
    n->relay_ = std::make_unique<bus::outbox_relay>(*n->store_, ko);
    if (auto r = n->relay_->start(); !r) return agora::unexpected{"cannot start the outbox relay: " + r.error()};
  } else {
    spdlog::warn("kafka.brokers = off: events are not published to Kafka");
  }

  const auto actor_parsed = actors::actor_options::from_config(cfg);
  if (!actor_parsed) return agora::unexpected{actor_parsed.error().message};
  const auto& actor_opts = *actor_parsed;
  auto commands = actors::command_service::start(*n->store_, actor_opts, system_clock::instance(),
                                                 std::make_shared<actors::simulated_payments>());
  if (!commands) return agora::unexpected{"cannot start the actor system: " + commands.error()};
  n->commands_ = std::move(*commands);
  spdlog::info("actor system started ({} scheduler threads); payments: simulated provider (moves no money)",
               actor_opts.scheduler_threads);

  if (auto r = n->start_read_side(cfg); !r) return agora::unexpected{std::move(r).error()};
  return n;
}

namespace {

/// The read side's projections.* keys. The models' database defaults to a
/// directory beside the event store's: ./data/projections for a store at
/// ./data/store, <store.path>-projections for a store named otherwise (two
/// stores side by side then never share one).
expected<projections::runner_options, option_error> projections_options(config& cfg, const std::string& store_path) {
  projections::runner_options o;
  const std::string def = projections::default_models_path(store_path);
  o.path = cfg.get_string("projections.path", def,
                          "directory of the read models' RocksDB (derived from the log: may be deleted, then it is "
                          "rebuilt at the next start)");
  o.block_cache_bytes = cfg.get_bytes("projections.block_cache", o.block_cache_bytes,
                                      "block cache of the read models on disk (bounds their read memory)");
  o.write_buffer_bytes = cfg.get_bytes("projections.write_buffer", o.write_buffer_bytes,
                                       "memtables of the read models together (bounds unflushed changes, and what a "
                                       "crash makes the projections apply again)");
  const auto hot = cfg.get_int("projections.hot_orders", static_cast<std::int64_t>(o.hot_orders),
                               "orders the projection thread keeps decoded between their events");
  if (o.path.empty()) return unexpected(make_option_error("projections.path", "must not be empty"));
  std::error_code ec;
  if (std::filesystem::weakly_canonical(o.path, ec) == std::filesystem::weakly_canonical(store_path, ec)) {
    return unexpected(make_option_error("projections.path", "must not be the event store's directory (store.path)"));
  }
  if (o.block_cache_bytes < (std::size_t{1} << 20)) {
    return unexpected(make_option_error("projections.block_cache", "must be at least 1MiB"));
  }
  if (o.write_buffer_bytes < (std::size_t{4} << 20) || o.write_buffer_bytes > (std::size_t{4} << 30)) {
    return unexpected(make_option_error("projections.write_buffer", "must be 4MiB..4GiB"));
  }
  if (hot < 1 || hot > 10'000'000) return unexpected(make_option_error("projections.hot_orders", "must be 1..10000000"));
  o.hot_orders = static_cast<std::size_t>(hot);
  return o;
}

// What agorad reads under auth.*. start_read_side and declare_config both call
// from_config, so each default is written once (the member initializers) and
// --check-config refuses what a start would.
struct auth_settings {
  /// The signing key, from auth.jwt_secret (environment or config file) or
  /// auth.jwt_secret_file; empty when neither is set.
  std::string jwt_secret;
  std::string jwt_issuer = "agora";
  std::int64_t jwt_ttl_ms = 3600 * 1000;
  std::int64_t hash_threads = 1;
  std::int64_t hash_queue = 256;
  std::int64_t hash_queue_per_client = 8;

  /// Refused (naming the key): an unreadable or guessable key, both key
  /// settings, no hashing thread or an empty hashing queue.
  static expected<auth_settings, option_error> from_config(config& cfg) {
    auth_settings a;
    // A secret: never printed, and refused on the command line by the config.
    a.jwt_secret = cfg.get_string("auth.jwt_secret", "",
                                  "HS256 key for tokens (environment or config file only, never a flag); empty "
                                  "and no auth.jwt_secret_file: a random key per start (tokens die with the process)",
                                  config_secrecy::secret);
    const std::string file = cfg.get_string(
        "auth.jwt_secret_file", "", "file holding the HS256 key (mode 600 or 400: refused when group or others may read it)");
    a.jwt_issuer = cfg.get_string("auth.jwt_issuer", a.jwt_issuer, "the iss claim of tokens");
    a.jwt_ttl_ms = cfg.get_duration_ms("auth.jwt_ttl", a.jwt_ttl_ms, "how long a token is valid");
    a.hash_threads = cfg.get_int("auth.hash_threads", a.hash_threads, "threads for argon2id password hashing");
    a.hash_queue = cfg.get_int("auth.hash_queue", a.hash_queue, "password hashing jobs waiting at most; beyond: 503");
    a.hash_queue_per_client = cfg.get_int("auth.hash_queue_per_client", a.hash_queue_per_client,
                                          "password hashing jobs of one client IP waiting at most; beyond: 503");
    if (a.hash_threads < 1) return unexpected(make_option_error("auth.hash_threads", "must be at least 1"));
    if (a.hash_queue < 1) return unexpected(make_option_error("auth.hash_queue", "must be at least 1"));
    if (a.hash_queue_per_client < 1) {
      return unexpected(make_option_error("auth.hash_queue_per_client", "must be at least 1"));
    }
    if (!file.empty()) {
      if (!a.jwt_secret.empty()) {
        return unexpected(option_error{"auth.jwt_secret_file",
                                       "auth.jwt_secret and auth.jwt_secret_file are both set: keep one"});
      }
      auto key = read_secret_file(file, "auth.jwt_secret_file");
      if (!key) return unexpected(option_error{"auth.jwt_secret_file", key.error()});
      a.jwt_secret = std::move(*key);
    }
    if (!a.jwt_secret.empty()) {
      const char* key = file.empty() ? "auth.jwt_secret" : "auth.jwt_secret_file";
      auto strong = check_key_strength(a.jwt_secret, key);
      if (!strong) return unexpected(option_error{key, strong.error()});
    }
    return a;
  }
};

/// The general limit per client IP and per user (http.rate_limit.*).
expected<http::rate_limit_options, option_error> general_rate_limit(config& cfg) {
  http::rate_limit_options defaults;
  defaults.rate_per_second = 50;
  defaults.burst = 100;
  return http::rate_limit_options::from_config(cfg, "http.rate_limit", defaults);
}

std::string random_secret() {
  std::random_device rd;
  std::string s;
  for (int i = 0; i < 32; ++i) {
    static const char* hex = "0123456789abcdef";
    const auto v = rd();
    s.push_back(hex[v & 15]);
    s.push_back(hex[(v >> 4) & 15]);
  }
  return s;
}

}  // namespace

agora::expected<void, std::string> node::start_read_side(config& cfg) {
  auto rt_parsed = realtime::realtime_options::from_config(cfg);
  if (!rt_parsed) return agora::unexpected{rt_parsed.error().message};
  // Projections: resumed from disk at start (or built from the log), then
  // following it. They keep
  // the routed notices of the last realtime.max_resume_events events, which
  // realtime clients resume from.
  auto runner_parsed = projections_options(cfg, store_->options().path);
  if (!runner_parsed) return agora::unexpected{runner_parsed.error().message};
  projections::runner_options runner_opts = *runner_parsed;
  runner_opts.history_events = rt_parsed->max_resume_events;
  projections_ = std::make_unique<projections::projection_runner>(*store_, runner_opts);
  if (auto r = projections_->start(); !r) return r;
  // The HTTP server starts once the read models hold the whole log, so no
  // client ever sees a catalog without its products. The replay takes as long
  // as the log needs (no fixed deadline: a large log is not an error); a
  // replay that stops moving for a minute is.
  const auto target = store_->last_position();
  const auto replay_start = std::chrono::steady_clock::now();
  auto last_progress = replay_start;
  eventstore::log_position last_seen = projections_->position();
  while (!projections_->wait_for_position(target, std::chrono::seconds(5))) {
    const auto now = std::chrono::steady_clock::now();
    const auto at = projections_->position();
    if (at != last_seen) {
      last_seen = at;
      last_progress = now;
    } else if (now - last_progress > std::chrono::minutes(1)) {
      return agora::unexpected{"the projections stopped replaying the log at position " + std::to_string(at) + " of " +
                               std::to_string(target)};
    }
    const double secs = std::chrono::duration<double>(now - replay_start).count();
    spdlog::info("projections replaying the log: position {} of {} ({:.0f} events/s)", at, target,
                 secs > 0 ? static_cast<double>(at) / secs : 0.0);
  }
  spdlog::info("projections caught up at position {}", target);

  const auto auth_parsed = auth_settings::from_config(cfg);
  auto gw_parsed = api::gateway_options::from_config(cfg);
  if (!auth_parsed) return agora::unexpected{auth_parsed.error().message};
  if (!gw_parsed) return agora::unexpected{gw_parsed.error().message};
  const auto& auth = *auth_parsed;
  const auto& gw_opts = *gw_parsed;
  std::string secret = auth.jwt_secret;
  if (secret.empty()) {
    secret = random_secret();
    spdlog::warn("neither auth.jwt_secret nor auth.jwt_secret_file is set: using a random key, so tokens do not "
                 "survive a restart and are not accepted by other nodes (set one in production)");
  }
  tokens_ = std::make_unique<http::jwt_signer>(secret, auth.jwt_issuer,
                                               std::chrono::duration_cast<std::chrono::seconds>(
                                                   std::chrono::milliseconds(auth.jwt_ttl_ms)));
  // The hashing queue takes turns between client IPs, each with a share of
  // hash_queue_per_client: one client cannot fill it (docs/OPERATIONS.md).
  hashing_ = std::make_unique<work_pool>("http-blocking",
                                         static_cast<std::size_t>(auth.hash_threads),
                                         static_cast<std::size_t>(auth.hash_queue),
                                         static_cast<std::size_t>(auth.hash_queue_per_client));

  if (auto r = bootstrap_admin(gw_opts); !r) return r;

  metrics_ = std::make_unique<http::metrics_registry>();
  auto cache_opts = http::response_cache_options::from_config(cfg);
  if (!cache_opts) return agora::unexpected{std::move(cache_opts).error().message};
  cache_ = std::make_unique<http::response_cache>(*cache_opts);
  auto limits = general_rate_limit(cfg);
  if (!limits) return agora::unexpected{std::move(limits).error().message};
  limiter_ = std::make_unique<http::rate_limiter>(*limits);

  api::gateway_deps deps;
  deps.store = store_.get();
  deps.commands = commands_.get();
  deps.projections = projections_.get();
  deps.tokens = tokens_.get();
  deps.hashing = hashing_.get();
  deps.cache = cache_.get();
  deps.limiter = limiter_.get();
  deps.metrics = metrics_.get();
  deps.clk = &system_clock::instance();
  bus::outbox_relay* relay = relay_.get();
  deps.extra_health = [relay]() {
    std::vector<api::component_health> out;
    if (!relay) return out;
    const auto s = relay->stats();
    const bool ok = s.state == bus::relay_state::running;
    out.push_back({"kafka.outbox", ok, ok ? "publishing" : (s.last_error.empty() ? "not publishing" : s.last_error),
                   {{"lag", static_cast<std::int64_t>(s.lag)},
                    {"published", static_cast<std::int64_t>(s.published)},
                    {"checkpoint", static_cast<std::int64_t>(s.checkpoint)}}});
    return out;
  };
  {
    const auto* runner = projections_.get();
    metrics_->add_callback_gauge("agora_projections_memory_bytes",
                                 "Memory of the read models on disk (memtables and block cache)",
                                 [runner] { return static_cast<double>(runner->storage().memory_bytes); });
    metrics_->add_callback_gauge("agora_projections_disk_bytes", "Table files of the read models on disk",
                                 [runner] { return static_cast<double>(runner->storage().disk_bytes); });
  }
  if (relay) {
    metrics_->add_callback_gauge("agora_outbox_lag", "Events not yet confirmed by Kafka",
                                 [relay] { return static_cast<double>(relay->stats().lag); });
    metrics_->add_callback_gauge("agora_outbox_published", "Events published to Kafka since start",
                                 [relay] { return static_cast<double>(relay->stats().published); });
  }
  realtime::realtime_deps rt_deps;
  rt_deps.projections = projections_.get();
  rt_deps.tokens = tokens_.get();
  rt_deps.metrics = metrics_.get();
  rt_deps.clk = &system_clock::instance();
  realtime_ = std::make_unique<realtime::realtime_service>(rt_deps, *rt_parsed);
  deps.realtime_stats = [rt = realtime_.get()](json_writer& w) {
    const auto s = rt->stats();
    w.begin_object().key("connections").value(s.connections);
    w.key("subscriptions").begin_object();
    for (const auto& [channel, n] : s.subscriptions) w.key(channel).value(n);
    w.end_object();
    w.key("slow_consumer_closes").value(s.slow_consumer_closes).key("messages_sent").value(s.messages_sent);
    w.end_object();
  };
  gateway_ = std::make_unique<api::gateway>(deps, gw_opts);
  router_ = std::make_unique<http::router>();
  gateway_->register_routes(*router_);
  // The storefront and the admin pages (web/), from memory, on the API's per-IP budget.
  if (!web::register_routes(*router_, {limiter_.get(), &system_clock::instance()})) {
    return agora::unexpected{std::string("web: a page route collides with another route")};
  }

  const auto http_parsed = http::server_options::from_config(cfg);
  if (!http_parsed) return agora::unexpected{http_parsed.error().message};
  const auto& http_opts = *http_parsed;
  server_ = std::make_unique<http::server>();
  http::server_hooks hooks;
  hooks.metrics = metrics_.get();
  hooks.upgrades.push_back(realtime_->route());
  hooks.upgrade_limiter = limiter_.get();
  shutdown_grace_ = http_opts.shutdown_grace;
  if (auto r = server_->start(http_opts, *router_, hooks); !r) return agora::unexpected{"http: " + r.error()};
  spdlog::info("HTTP API listening on http://{}:{}", http_opts.address, server_->port());
  return {};
}

agora::expected<void, std::string> node::bootstrap_admin(const api::gateway_options& gw) {
  const char* email_env = std::getenv("AGORA_ADMIN_EMAIL");
  const char* password_env = std::getenv("AGORA_ADMIN_PASSWORD");
  if (!email_env || !*email_env || !password_env || !*password_env) return {};
  auto email = domain::customer::normalize_email(email_env);
  if (!email) return agora::unexpected{"AGORA_ADMIN_EMAIL: " + email.error().message};
  if (projections_->accounts()->by_email(*email)) {
    spdlog::info("admin bootstrap: {} already has an account; left as it is", *email);
    return {};
  }
  if (std::string_view(password_env).size() < 8) return agora::unexpected{std::string("AGORA_ADMIN_PASSWORD must be at least 8 bytes")};
  http::password_cost cost;
  cost.ops_limit = gw.password_ops_limit;
  cost.mem_limit = static_cast<std::size_t>(gw.password_mem_limit);
  auto hash = http::hash_password(password_env, cost);
  if (!hash) return agora::unexpected{std::string("admin bootstrap: cannot hash the password")};
  const auto now = system_clock::instance().now();
  domain::customer::register_customer c{uuid::time_ordered_v7(now).to_string(), *email, std::move(*hash),
                                        "Administrator", domain::customer::role::admin, now};
  const std::string id = c.customer_id;
  std::promise<actors::command_result> done;
  commands_->send(id, domain::customer::command{std::move(c)}, actors::command_context{"bootstrap", "agorad", false, std::nullopt},
                  [&done](actors::command_result r) { done.set_value(std::move(r)); });
  auto r = done.get_future().get();
  if (!r) return agora::unexpected{"admin bootstrap: " + r.error().message};
  projections_->wait_for_position(r->last_position, std::chrono::seconds(10));
  spdlog::info("admin bootstrap: created admin {}", *email);
  return {};
}

std::uint16_t node::http_port() const noexcept { return server_ ? server_->port() : 0; }

void node::declare_config(config& cfg) {
  // Each module's from_config checks its keys; a refusal names the key.
  auto report = [&cfg](const auto& parsed) {
    if (!parsed) cfg.report_error(parsed.error().message);
  };
  const auto store = eventstore::store_options::from_config(cfg);
  report(store);
  report(projections_options(cfg, store ? store->path : eventstore::store_options{}.path));
  report(bus::relay_options::from_config(cfg));
  report(auth_settings::from_config(cfg));
  // Refused here too, so that --check-config (and a start) fails at once
  // rather than after the projections' replay.
  report(api::gateway_options::from_config(cfg));
  report(http::server_options::from_config(cfg));
  report(http::response_cache_options::from_config(cfg));
  report(general_rate_limit(cfg));
  report(actors::actor_options::from_config(cfg));
  report(realtime::realtime_options::from_config(cfg));
}

node::~node() { stop(); }

void node::stop() {
  // Reverse order of start: no new requests, then the read side, then the
  // writers, then the store.
  // WebSocket clients first: told 1001 while the fan-out still runs, so the
  // server's stop finds their connections gone.
  if (realtime_) realtime_->stop(shutdown_grace_);
  if (server_) {
    server_->stop();
    server_.reset();
  }
  realtime_.reset();
  // The hashing jobs use the gateway: they finish before it goes.
  if (hashing_) hashing_->stop();
  gateway_.reset();
  router_.reset();
  if (projections_) projections_->stop();
  if (commands_) {
    const auto s = commands_->stats();
    commands_.reset();
    spdlog::info("actor system stopped ({} commands, {} activations this run)", s.commands, s.activations);
  }
  if (relay_) {
    relay_->stop();
    relay_.reset();
  }
  broker_.reset();
  projections_.reset();
  if (store_) {
    const auto s = store_->stats();
    store_.reset();
    spdlog::info("event store closed ({} appends, {} events, {} group commits this run)", s.appends, s.events,
                 s.batches);
  }
}

}  // namespace agora
