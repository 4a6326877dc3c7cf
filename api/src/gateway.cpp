#include "api/gateway.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "api/src/gateway_impl.hpp"
#include "common/config.hpp"
#include "common/json_writer.hpp"
#include "http/auth.hpp"
#include "http/rate_limiter.hpp"
#include "http/response_cache.hpp"
#include "projections/change_tags.hpp"

namespace agora::api {

expected<gateway_options, option_error> gateway_options::from_config(config& cfg) {
  gateway_options opt;
  opt.read_your_writes_wait = std::chrono::milliseconds(cfg.get_duration_ms(
      "api.read_your_writes_wait", opt.read_your_writes_wait.count(),
      "how long a GET with min_position, or a write before rendering, waits for the read models"));
  opt.cache_ttl = std::chrono::milliseconds(
      cfg.get_duration_ms("api.cache_ttl", opt.cache_ttl.count(), "time-to-live of cached GET answers"));
  // Each part reads all its keys, so every key is declared (--print-config)
  // before the first refusal is answered.
  const auto cost = http::password_cost::from_config(cfg);

  http::rate_limit_options login_defaults;
  login_defaults.rate_per_second = opt.login_per_second;
  login_defaults.burst = opt.login_burst;
  login_defaults.max_keys = opt.login_max_keys;
  const auto login = http::rate_limit_options::from_config(cfg, "auth.login_rate_limit", login_defaults);

  http::failure_backoff_options lock_defaults;
  lock_defaults.free_failures = opt.login_free_failures;
  lock_defaults.base_lock_us = opt.login_lock_base.count() * 1000;
  lock_defaults.max_lock_us = opt.login_lock_max.count() * 1000;
  lock_defaults.max_keys = opt.login_lockout_max_keys;
  const auto lock = http::failure_backoff_options::from_config(cfg, "auth.login_lockout", lock_defaults);
  if (!cost) return unexpected(cost.error());
  if (!login) return unexpected(login.error());
  if (!lock) return unexpected(lock.error());
  opt.password_ops_limit = cost->ops_limit;
  opt.password_mem_limit = cost->mem_limit;
  opt.login_per_second = login->rate_per_second;
  opt.login_burst = login->burst;
  opt.login_max_keys = login->max_keys;
  opt.login_free_failures = lock->free_failures;
  opt.login_lock_base = std::chrono::milliseconds(lock->base_lock_us / 1000);
  opt.login_lock_max = std::chrono::milliseconds(lock->max_lock_us / 1000);
  opt.login_lockout_max_keys = lock->max_keys;
  return opt;
}

http::response json_with_etag(int status, std::string body, std::uint64_t version) {
  auto r = http::response::json(status, std::move(body));
  r.headers.set("ETag", "\"" + std::to_string(version) + "\"");
  return r;
}

gateway::impl::impl(gateway_deps deps, gateway_options options) : deps_(std::move(deps)), opts_(options) {
  http::rate_limit_options lo;
  lo.rate_per_second = opts_.login_per_second;
  lo.burst = opts_.login_burst;
  lo.max_keys = opts_.login_max_keys;
  login_limiter = std::make_unique<http::rate_limiter>(lo);
  http::failure_backoff_options bo;
  bo.free_failures = opts_.login_free_failures;
  bo.base_lock_us = opts_.login_lock_base.count() * 1000;
  bo.max_lock_us = opts_.login_lock_max.count() * 1000;
  bo.max_keys = opts_.login_lockout_max_keys;
  login_lockout = std::make_unique<http::failure_backoff>(bo);
  start_dummy_hash();
  // Exactly the cached answers that show what changed are dropped, right
  // after the read models publish it.
  changes = deps_.projections->subscribe([this](const projections::change_batch& b) {
    if (!deps_.cache) return;
    for (const auto& t : b.tags) {
      if (t == projections::tags::all) {
        deps_.cache->clear();
        return;
      }
    }
    deps_.cache->invalidate(b.tags);
  });
}

actors::command_context gateway::impl::context(const http::request& req, bool with_state) {
  actors::command_context c;
  c.correlation_id = req.request_id;
  if (req.user) c.user_id = req.user->user_id;
  c.with_state = with_state;
  return c;
}

std::optional<http::response> gateway::impl::limit(const http::request& req, std::string_view key) {
  if (!deps_.limiter) return std::nullopt;
  auto verdict = deps_.limiter->try_acquire(key, now());
  if (verdict.allowed) return std::nullopt;
  return http::too_many_requests(req, verdict);
}

std::optional<http::response> gateway::impl::authenticate(http::request& req) {
  auto token = req.bearer_token();
  if (!token) return std::nullopt;
  // Which check failed is for the log only: the client learns only that the
  // token is not accepted.
  auto refuse = [&req](std::string_view why) {
    spdlog::info("api {} {}: bearer token refused: {} (request {}, remote {})", http::to_string(req.method), req.path,
                 why, req.request_id, req.remote_ip);
    return detail::unauthorized(req, "the bearer token is not accepted; log in again");
  };
  auto claims = deps_.tokens->verify_claims(*token, now());
  if (!claims) return refuse(http::to_string(claims.error()));
  // The account as it is now decides: a token issued before a password
  // change, a role change or a logout is over, and the role is the
  // account's, not the one written in the token.
  auto account = deps_.projections->accounts()->by_id(claims->who.user_id);
  if (!account) return refuse("no such account");
  if (account->token_version != claims->token_version) {
    return refuse("token version " + std::to_string(claims->token_version) + " is not the account's " +
                  std::to_string(account->token_version) + " (revoked)");
  }
  http::principal who{account->id, account->email, account->role};
  req.user = std::move(who);
  return std::nullopt;
}

void gateway::impl::add(http::router& r, route_doc doc, http::handler fn) {
  const access who = doc.who;
  docs.push_back(doc);
  const std::string pattern = doc.pattern;
  const bool added = r.add(doc.method, doc.pattern, doc.name, [this, who, fn = std::move(fn)](http::request& req, http::responder respond) {
    // Per IP first, before any token work: a flood of bad tokens is limited
    // like any other.
    if (auto refused = limit(req, "ip:" + req.remote_ip)) return respond(std::move(*refused));
    // Authentication: a token that is present must be valid, on any route.
    if (auto refused = authenticate(req)) return respond(std::move(*refused));
    if (who != access::anyone) {
      if (!req.user) return respond(detail::unauthorized(req, "this route needs a bearer token"));
      if (who == access::admin && req.user->role != "admin") {
        return respond(detail::forbidden(req, "admins only"));
      }
      if (who == access::customer && req.user->role != "customer") {
        return respond(detail::forbidden(req, "customers only"));
      }
    }
    // Then per user: one account spread over many addresses is limited too.
    if (req.user) {
      if (auto refused = limit(req, "user:" + req.user->user_id)) return respond(std::move(*refused));
    }
    fn(req, std::move(respond));
  });
  // A route table mistake is a programming error: fail loudly at start.
  if (!added) {
    spdlog::critical("api: cannot register route {} (malformed or duplicate)", pattern);
    std::abort();
  }
}

http::request gateway::impl::slim(const http::request& req) {
  http::request s;
  s.method = req.method;
  s.path = req.path;
  s.remote_ip = req.remote_ip;
  s.request_id = req.request_id;
  s.route_name = req.route_name;
  s.user = req.user;
  return s;
}

namespace {

std::optional<std::uint64_t> parse_position(std::string_view s) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

void gateway::impl::serve_read(const http::request& rq, http::responder out, bool per_user,
                               const std::function<read_result(const http::request&)>& produce) {
  // min_position is left out: it changes when, not what, is shown.
  const std::string key = http::make_cache_key(rq, per_user, "min_position");
  if (deps_.cache) {
    if (auto hit = deps_.cache->get(key, now())) {
      const auto inm = rq.header("If-None-Match");
      // Weak comparison over a list, as RFC 9110 13.1.2 asks of If-None-Match.
      http::response resp = (inm && http::etag_matches(*inm, hit->etag)) ? http::response::empty(304)
                                                                        : http::response::json(200, hit->body);
      resp.headers.set("ETag", hit->etag);
      resp.headers.set("X-Cache-Status", "HIT");
      resp.headers.set("Cache-Control", per_user ? "private, no-cache" : "public, no-cache");
      return out(std::move(resp));
    }
  }
  // The cache's epoch, read before the snapshot is: a put that an
  // invalidation raced is refused (response_cache::put), so an answer rendered
  // from an older snapshot is never stored after the invalidation for a newer
  // batch has run (the listener above invalidates for every batch).
  const std::optional<std::uint64_t> fill_epoch =
      deps_.cache ? std::optional<std::uint64_t>(deps_.cache->epoch()) : std::nullopt;
  read_result rr = produce(rq);
  auto& resp = rr.response;
  if (resp.status == 200) {
    if (!resp.headers.contains("ETag")) resp.headers.set("ETag", http::make_etag(resp.body));
    const std::string etag(*resp.headers.get("ETag"));
    resp.headers.set("X-Cache-Status", "MISS");
    resp.headers.set("Cache-Control", per_user ? "private, no-cache" : "public, no-cache");
    if (deps_.cache && rr.cacheable) {
      http::cache_entry e;
      e.body = resp.body;
      e.etag = etag;
      e.tags = std::move(rr.tags);
      e.expires_at = now() + std::chrono::duration_cast<std::chrono::microseconds>(opts_.cache_ttl).count();
      deps_.cache->put(key, std::move(e), fill_epoch);
    }
    const auto inm = rq.header("If-None-Match");
    if (inm && http::etag_matches(*inm, etag)) {
      http::response nm = http::response::empty(304);
      nm.headers.set("ETag", etag);
      nm.headers.set("X-Cache-Status", "MISS");
      return out(std::move(nm));
    }
  }
  out(std::move(resp));
}

void gateway::impl::add_read(http::router& r, route_doc doc, bool per_user,
                             std::function<read_result(const http::request&)> produce) {
  // Shared, so that a request waiting for min_position holds it by pointer
  // rather than each request copying the function.
  auto fn = std::make_shared<const std::function<read_result(const http::request&)>>(std::move(produce));
  add(r, std::move(doc), [this, per_user, fn](http::request& req, http::responder respond) {
    const auto min = req.param("min_position");
    if (!min) return serve_read(req, std::move(respond), per_user, *fn);
    const auto pos = parse_position(*min);
    if (!pos) {
      return respond(detail::invalid_body(req, {{"min_position", "must be a log position (a whole number)"}}));
    }
    // Read your writes: answer once the read models have applied the write.
    auto copy = std::make_shared<http::request>(req);
    auto out = std::make_shared<http::responder>(std::move(respond));
    deps_.projections->wait_for(*pos, opts_.read_your_writes_wait, [this, copy, out, fn, per_user, pos](bool reached) {
      if (!reached) {
        return (*out)(detail::unavailable(*copy,
                                          "the read models have not reached position " + std::to_string(*pos) +
                                              " yet; retry"));
      }
      serve_read(*copy, std::move(*out), per_user, *fn);
    });
  });
}

void gateway::impl::answer_write(const http::request& req, http::responder respond, const actors::command_ack& ack,
                                 int status, std::function<std::optional<http::response>()> render) {
  auto finish = [ack, status, render](const http::request& rq, http::responder out, bool caught_up) {
    std::optional<http::response> resp;
    if (caught_up) resp = render();
    if (!resp) {
      // The write stands; the read model is behind (or the resource is not in
      // it): say where to look, and when.
      json_writer w;
      w.begin_object().key("stream").value(ack.stream).key("version").value(ack.version);
      w.key("position").value(ack.last_position).end_object();
      resp = http::response::json(202, std::move(w).take());
    } else {
      resp->status = resp->status == 200 ? status : resp->status;
    }
    resp->headers.set("ETag", "\"" + std::to_string(ack.version) + "\"");
    if (ack.last_position != 0) resp->headers.set("X-Event-Position", std::to_string(ack.last_position));
    (void)rq;
    out(std::move(*resp));
  };
  if (ack.last_position == 0) return finish(req, std::move(respond), true);  // nothing was recorded
  auto copy = std::make_shared<http::request>(req);
  auto out = std::make_shared<http::responder>(std::move(respond));
  deps_.projections->wait_for(ack.last_position, opts_.read_your_writes_wait,
                          [copy, out, finish](bool reached) { finish(*copy, std::move(*out), reached); });
}

gateway::gateway(gateway_deps deps, gateway_options options)
    : impl_(std::make_unique<impl>(std::move(deps), options)) {}

gateway::~gateway() { impl_->changes.reset(); }

void gateway::register_routes(http::router& r) {
  // Unmatched paths (404, 405) count against the client's IP like the routes,
  // so probing for paths is limited too.
  r.set_unmatched_gate([impl = impl_.get()](http::request& req) { return impl->limit(req, "ip:" + req.remote_ip); });
  impl_->auth_routes(r);
  impl_->catalog_routes(r);
  impl_->inventory_routes(r);
  impl_->cart_routes(r);
  impl_->order_routes(r);
  impl_->admin_routes(r);
  impl_->ops_routes(r);
  impl_->build_openapi();
}

const std::string& gateway::openapi() const { return impl_->openapi_doc; }

}  // namespace agora::api
