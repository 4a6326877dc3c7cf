#include "api/gateway.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "api/src/gateway_impl.hpp"
#include "common/config.hpp"
#include "common/json_writer.hpp"
#include "http/auth.hpp"
#include "http/rate_limiter.hpp"
#include "http/response_cache.hpp"

namespace agora::api {

gateway_options gateway_options::from_config(config& cfg) {
  gateway_options opt;
  opt.read_your_writes_wait = std::chrono::milliseconds(cfg.get_duration_ms(
      "api.read_your_writes_wait", opt.read_your_writes_wait.count(),
      "how long a GET with min_position, or a write before rendering, waits for the read models"));
  opt.cache_ttl = std::chrono::milliseconds(
      cfg.get_duration_ms("api.cache_ttl", opt.cache_ttl.count(), "time-to-live of cached GET answers"));
  opt.password_ops_limit = static_cast<std::uint64_t>(cfg.get_int(
      "auth.password_ops_limit", static_cast<std::int64_t>(opt.password_ops_limit), "argon2id passes (libsodium opslimit)"));
  opt.password_mem_limit = cfg.get_bytes("auth.password_mem_limit", opt.password_mem_limit, "argon2id memory per hash");
  return opt;
}

http::response json_with_etag(int status, std::string body, std::uint64_t version) {
  auto r = http::response::json(status, std::move(body));
  r.headers.set("ETag", "\"" + std::to_string(version) + "\"");
  return r;
}

gateway::impl::impl(gateway_deps deps, gateway_options options) : deps_(std::move(deps)), opts_(options) {
  // Exactly the cached answers that show what changed are dropped, right
  // after the read models publish it.
  changes = deps_.projections->subscribe([this](const projections::change_batch& b) {
    epoch.fetch_add(1, std::memory_order_acq_rel);
    if (!deps_.cache) return;
    for (const auto& t : b.tags) {
      if (t == "all") {
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

void gateway::impl::add(http::router& r, route_doc doc, http::handler fn) {
  const access who = doc.who;
  docs.push_back(doc);
  const std::string pattern = doc.pattern;
  const bool added = r.add(doc.method, doc.pattern, doc.name, [this, who, fn = std::move(fn)](http::request& req, http::responder respond) {
    // Authentication: a token that is present must be valid, on any route.
    if (auto token = req.bearer_token()) {
      auto p = deps_.tokens->verify(*token, now());
      if (!p) return respond(detail::unauthorized(req, std::string("invalid token: ") + http::to_string(p.error())));
      req.user = std::move(*p);
    }
    if (who != access::anyone) {
      if (!req.user) return respond(detail::unauthorized(req, "this route needs a bearer token"));
      if (who == access::admin && req.user->role != "admin") {
        return respond(detail::forbidden(req, "admins only"));
      }
      if (who == access::customer && req.user->role != "customer") {
        return respond(detail::forbidden(req, "customers only"));
      }
    }
    if (deps_.limiter) {
      const auto now_us = now();
      auto by_ip = deps_.limiter->try_acquire("ip:" + req.remote_ip, now_us);
      auto verdict = by_ip;
      if (by_ip.allowed && req.user) verdict = deps_.limiter->try_acquire("user:" + req.user->user_id, now_us);
      if (!verdict.allowed) {
        auto resp = http::problem(req, 429, "rate-limited", "Too many requests",
                                  "slow down; retry after " + std::to_string(verdict.retry_after_seconds) + " s");
        resp.headers.set("Retry-After", std::to_string(verdict.retry_after_seconds));
        return respond(std::move(resp));
      }
    }
    fn(req, std::move(respond));
  });
  // A route table mistake is a programming error: fail loudly at start.
  if (!added) {
    spdlog::critical("api: cannot register route {} (malformed or duplicate)", pattern);
    std::abort();
  }
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
      http::response resp = (inm && *inm == hit->etag) ? http::response::empty(304)
                                                      : http::response::json(200, hit->body);
      resp.headers.set("ETag", hit->etag);
      resp.headers.set("X-Cache-Status", "HIT");
      resp.headers.set("Cache-Control", per_user ? "private, no-cache" : "public, no-cache");
      return out(std::move(resp));
    }
  }
  const auto seen = epoch.load(std::memory_order_acquire);
  read_result rr = produce(rq);
  auto& resp = rr.response;
  if (resp.status == 200) {
    if (!resp.headers.contains("ETag")) resp.headers.set("ETag", http::response_cache::strong_etag(resp.body));
    const std::string etag(*resp.headers.get("ETag"));
    resp.headers.set("X-Cache-Status", "MISS");
    resp.headers.set("Cache-Control", per_user ? "private, no-cache" : "public, no-cache");
    // Not cached when a change batch arrived meanwhile: its invalidation
    // may have run before this answer (rendered from the older snapshot)
    // would be stored.
    if (deps_.cache && rr.cacheable && epoch.load(std::memory_order_acquire) == seen) {
      http::cache_entry e;
      e.body = resp.body;
      e.etag = etag;
      e.tags = std::move(rr.tags);
      e.expires_at = now() + std::chrono::duration_cast<std::chrono::microseconds>(opts_.cache_ttl).count();
      deps_.cache->put(key, std::move(e));
    }
    const auto inm = rq.header("If-None-Match");
    if (inm && *inm == etag) {
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
