// Registration, login (JWT), logout, password change, and who-am-I.
//
// Every route here that computes a password hash goes through the same
// defences, cheapest first (docs/API.md "Login limits"): the general per-IP
// limit (gateway::impl::add), a stricter per-IP bucket for hashing routes, the
// per-account failure lock (refused before any hash), then the hashing pool,
// whose queue takes turns between client IPs. What waits in that queue is
// the fields a job needs (a password, an account pointer, a slim request for
// the answer), never a whole request with its body.

#include <spdlog/spdlog.h>

#include "actors/domain/customer.hpp"
#include "api/src/gateway_impl.hpp"
#include "common/json_writer.hpp"
#include "common/work_pool.hpp"
#include "http/auth.hpp"
#include "http/metrics.hpp"
#include "http/rate_limiter.hpp"

namespace agora::api {

namespace {

http::response login_failed(const http::request& req) {
  // One answer for an unknown e-mail and a wrong password: no account probing.
  return detail::unauthorized(req, "wrong e-mail or password");
}

// The answer to every registration that got as far as the store, the same
// whether the address was free or already had an account, so registering
// cannot tell who has one (docs/API.md, "Registration").
http::response registration_accepted(const std::string& email) {
  json_writer w;
  w.begin_object().key("status").value("accepted").key("email").value(email);
  w.key("detail").value("if this address was free, the account was created: log in with it");
  w.end_object();
  return http::response::json(202, std::move(w).take());
}

// The failure lock's key of a login: the normalized address, or the text as
// typed when it is none (no account can match it, but guessing it still costs
// a hash).
std::string lockout_key(const std::string& typed, const agora::expected<std::string, domain::domain_error>& email) {
  return email ? *email : "typed:" + typed;
}

}  // namespace

http::password_cost gateway::impl::cost() const {
  http::password_cost c;
  c.ops_limit = opts_.password_ops_limit;
  c.mem_limit = static_cast<std::size_t>(opts_.password_mem_limit);
  return c;
}

void gateway::impl::start_dummy_hash() {
  auto done = std::make_shared<std::promise<std::string>>();
  dummy = done->get_future().share();
  auto ready = dummy_ready;
  const auto c = cost();
  // On the hashing pool, never on an io thread; posted before any route
  // exists, so it is the first job the pool takes and a login that needs it
  // (on another hashing thread) waits only for the rest of it.
  auto job = [done, ready, c] {
    auto h = http::hash_password("not a password", c);
    if (!h) spdlog::error("auth: cannot make the hash for logins of unknown e-mails; those answer faster");
    done->set_value(h ? std::move(*h) : std::string());
    ready->store(true, std::memory_order_release);
  };
  if (deps_.hashing == nullptr || !deps_.hashing->post(job)) {
    spdlog::warn("auth: no hashing pool at start; making the dummy hash on this thread");
    job();
  }
}

const std::string& gateway::impl::dummy_hash() const { return dummy.get(); }

std::optional<http::response> gateway::impl::login_limit(const http::request& req) {
  auto d = login_limiter->try_acquire(req.remote_ip, now());
  if (d.allowed) return std::nullopt;
  // Debug only: a flood would otherwise write a line per refused request.
  spdlog::debug("api {}: login rate limit for {} (request {})", req.path, req.remote_ip, req.request_id);
  return http::too_many_requests(req, d);
}

http::response gateway::impl::token_answer(const projections::account_view& account) const {
  http::principal p{account.id, account.email, account.role};
  const auto issued = now();
  const std::string token = deps_.tokens->issue(p, issued, account.token_version);
  json_writer w;
  w.begin_object().key("token").value(token);
  w.key("expires_at").value(format_rfc3339(
      issued + std::chrono::duration_cast<std::chrono::microseconds>(deps_.tokens->ttl()).count()));
  w.key("user");
  detail::write_account(w, account, false);
  w.end_object();
  return http::response::json(200, std::move(w).take());
}

void gateway::impl::upgrade_hash(const http::request& rq, const projections::account_view& account,
                                 const std::string& password) {
  // Runs on a hashing thread after a successful login whose hash was made at
  // another cost. A rehash, not a password change: the account's tokens stay.
  auto h = http::hash_password(password, cost());
  if (!h) return;
  domain::customer::change_password c{std::move(*h), now(), /*rehash=*/true, account.password_hash};
  actors::command_context ctx;
  ctx.correlation_id = rq.request_id;
  ctx.user_id = account.id;
  deps_.commands->send(account.id, domain::customer::command{std::move(c)}, std::move(ctx),
                       [id = account.id](actors::command_result res) {
                         if (!res) {
                           spdlog::warn("auth: upgrading the password hash of account {}: {}", id, res.error().message);
                         } else {
                           spdlog::info("auth: upgraded the password hash of account {} to the configured cost", id);
                         }
                       });
}

void gateway::impl::auth_routes(http::router& r) {
  if (deps_.metrics) {
    deps_.metrics->add_callback_gauge("agora_auth_dummy_hash_ready",
                                      "Whether the hash that logins of unknown e-mails verify against is made (1) or not yet (0)",
                                      [ready = dummy_ready] { return ready->load(std::memory_order_acquire) ? 1.0 : 0.0; });
    if (deps_.hashing) {
      deps_.metrics->add_callback_gauge("agora_auth_hash_queue", "Password hashing jobs waiting",
                                        [this] { return static_cast<double>(deps_.hashing->queued()); });
    }
  }

  add(r, {http::method::post, "/api/auth/register", "auth.register",
          "Register a customer account (the same answer whether or not the address was free)", access::anyone,
          "Register", 202, "Registration", {500, 503}},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_register(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        auto email = domain::customer::normalize_email(body->email);
        if (!email) return respond(detail::invalid_body(req, {{"email", email.error().message}}));
        if (auto refused = login_limit(req)) return respond(std::move(*refused));
        auto out = std::make_shared<http::responder>(std::move(respond));
        // argon2id takes tens of milliseconds: never on an io thread.
        const bool queued = deps_.hashing->post(
            req.remote_ip, [this, rq = slim(req), out, email = *email, password = std::move(body->password),
                            name = std::move(body->name)] {
              auto hash = http::hash_password(password, cost());
              if (!hash) {
                spdlog::error("api: cannot hash a password (request {})", rq.request_id);
                return (*out)(http::problem(rq, 500, "internal", "Internal error", "the account could not be created"));
              }
              domain::customer::register_customer c{new_id(), email, std::move(*hash), name,
                                                    domain::customer::role::customer, now()};
              const std::string id = c.customer_id;
              deps_.commands->send(id, domain::customer::command{std::move(c)}, context(rq),
                                   [this, rq, out, email](actors::command_result res) {
                eventstore::log_position wait_to = 0;
                if (res) {
                  wait_to = res->last_position;  // so that a login right after the answer finds the account
                } else if (res.error().code == actors::command_errc::rejected &&
                           res.error().domain.code == domain::domain_errc::already_exists &&
                           res.error().domain.field == "email") {
                  // Taken: the same answer as a success, after a similar wait.
                  spdlog::info("api: a registration named an address that has an account (request {})", rq.request_id);
                  wait_to = deps_.store->last_position();
                } else {
                  return (*out)(detail::command_failed(rq, res.error()));
                }
                deps_.projections->wait_for(wait_to, opts_.read_your_writes_wait,
                                            [out, email](bool) { (*out)(registration_accepted(email)); });
              });
            });
        if (!queued) (*out)(detail::unavailable(req, "too many registrations at once"));
      });

  add(r, {http::method::post, "/api/auth/login", "auth.login", "Log in; returns a bearer token", access::anyone, "Login", 200, "Token", {401, 503}},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_login(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        if (auto refused = login_limit(req)) return respond(std::move(*refused));
        auto email = domain::customer::normalize_email(body->email);
        std::string key = lockout_key(body->email, email);
        // The account's failure lock, checked before any hash: a refused
        // attempt costs nothing.
        const auto started = login_lockout->begin(key, now());
        if (!started.allowed) {
          spdlog::debug("api {}: logins of an account are locked for {} s after failures (request {}, remote {})",
                       req.path, started.retry_after_seconds, req.request_id, req.remote_ip);
          return respond(http::too_many_requests(req, started));
        }
        auto account = email ? deps_.projections->accounts()->by_email(*email) : nullptr;
        auto out = std::make_shared<http::responder>(std::move(respond));
        const bool queued = deps_.hashing->post(
            req.remote_ip, [this, rq = slim(req), out, account, key, password = std::move(body->password)] {
              // Verify even without an account (against the dummy hash), so
              // the answer takes as long either way.
              const bool ok = http::verify_password(password, account ? account->password_hash : dummy_hash());
              if (!account || !ok) {
                login_lockout->finish(key, false, now());
                return (*out)(login_failed(rq));
              }
              login_lockout->finish(key, true, now());
              (*out)(token_answer(*account));
              if (http::password_needs_rehash(account->password_hash, cost())) upgrade_hash(rq, *account, password);
            });
        if (!queued) {
          login_lockout->abandon(key);
          (*out)(detail::unavailable(req, "too many logins at once"));
        }
      });

  add(r, {http::method::post, "/api/auth/logout", "auth.logout",
          "Log out: ends every token of this account (on every device)", access::user, "", 204, "", {202, 500, 503}},
      [this](http::request& req, http::responder respond) {
        const std::string id = req.user->user_id;
        auto rq = std::make_shared<http::request>(slim(req));
        auto out = std::make_shared<http::responder>(std::move(respond));
        deps_.commands->send(id, domain::customer::command{domain::customer::revoke_tokens{now()}}, context(req),
                             [this, rq, out](actors::command_result res) {
                               if (!res) return (*out)(detail::command_failed(*rq, res.error()));
                               answer_write(*rq, std::move(*out), *res, 204,
                                            [] { return std::optional<http::response>(http::response::empty(204)); });
                             });
      });

  add(r, {http::method::post, "/api/auth/password", "auth.password",
          "Change the password: ends the account's tokens and returns a new one", access::user, "PasswordChange", 200,
          "Token", {202, 403, 500, 503}},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_password_change(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        if (auto refused = login_limit(req)) return respond(std::move(*refused));
        auto account = deps_.projections->accounts()->by_id(req.user->user_id);
        if (!account) return respond(detail::unauthorized(req, "the bearer token is not accepted; log in again"));
        // A wrong current password counts against the account like a failed
        // login: a stolen token cannot be used to guess the password.
        const std::string key = account->email;
        const auto started = login_lockout->begin(key, now());
        if (!started.allowed) return respond(http::too_many_requests(req, started));
        auto out = std::make_shared<http::responder>(std::move(respond));
        const bool queued = deps_.hashing->post(
            req.remote_ip, [this, rq = slim(req), out, account, key, current = std::move(body->current_password),
                            next = std::move(body->new_password)] {
              if (!http::verify_password(current, account->password_hash)) {
                login_lockout->finish(key, false, now());
                return (*out)(detail::forbidden(rq, "the current password is wrong"));
              }
              login_lockout->finish(key, true, now());
              auto hash = http::hash_password(next, cost());
              if (!hash) {
                spdlog::error("api: cannot hash a password (request {})", rq.request_id);
                return (*out)(http::problem(rq, 500, "internal", "Internal error", "the password was not changed"));
              }
              domain::customer::change_password c{std::move(*hash), now()};
              const std::string id = account->id;
              deps_.commands->send(id, domain::customer::command{std::move(c)}, context(rq),
                                   [this, rq, out, id](actors::command_result res) {
                                     if (!res) return (*out)(detail::command_failed(rq, res.error()));
                                     // The new token carries the account's new
                                     // token version: rendered once the read
                                     // model has applied the change.
                                     answer_write(rq, std::move(*out), *res, 200,
                                                  [this, id]() -> std::optional<http::response> {
                                                    auto a = deps_.projections->accounts()->by_id(id);
                                                    if (!a) return std::nullopt;
                                                    return token_answer(*a);
                                                  });
                                   });
            });
        if (!queued) {
          login_lockout->abandon(key);
          (*out)(detail::unavailable(req, "too many password changes at once"));
        }
      });

  add(r, {http::method::get, "/api/auth/me", "auth.me", "The logged-in account", access::user, "", 200, "Account", {404}},
      [this](http::request& req, http::responder respond) {
        auto account = deps_.projections->accounts()->by_id(req.user->user_id);
        if (!account) return respond(detail::not_found(req, "account"));
        json_writer w;
        detail::write_account(w, *account, true);
        respond(http::response::json(200, std::move(w).take()));
      });
}

}  // namespace agora::api
