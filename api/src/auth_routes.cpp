// Registration, login (JWT), and who-am-I.

#include "actors/domain/customer.hpp"
#include "api/src/gateway_impl.hpp"
#include "common/json_writer.hpp"
#include "http/auth.hpp"
#include "http/blocking_pool.hpp"

namespace agora::api {

namespace {

http::response login_failed(const http::request& req) {
  // One answer for an unknown e-mail and a wrong password: no account probing.
  return detail::unauthorized(req, "wrong e-mail or password");
}

}  // namespace

http::password_cost gateway::impl::cost() const {
  http::password_cost c;
  c.ops_limit = opts_.password_ops_limit;
  c.mem_limit = static_cast<std::size_t>(opts_.password_mem_limit);
  return c;
}

const std::string& gateway::impl::dummy_hash() const {
  // Made once, on a hashing thread, at the configured cost.
  static const std::string hash = http::hash_password("not a password", cost()).value();
  return hash;
}

void gateway::impl::auth_routes(http::router& r) {
  add(r, {http::method::post, "/api/auth/register", "auth.register", "Register a customer account", access::anyone, "Register", 201, "Account"},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_register(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        auto email = domain::customer::normalize_email(body->email);
        if (!email) return respond(detail::invalid_body(req, {{"email", email.error().message}}));
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        auto b = std::make_shared<register_body>(std::move(*body));
        // argon2id takes tens of milliseconds: never on an io thread.
        const bool queued = deps_.hashing->post([this, copy, out, b, email = *email] {
          auto hash = http::hash_password(b->password, cost());
          if (!hash) return (*out)(http::problem(*copy, 500, "internal", "Internal error", "cannot hash the password"));
          domain::customer::register_customer c{new_id(), email, std::move(*hash), b->name,
                                                domain::customer::role::customer, now()};
          const std::string id = c.customer_id;
          deps_.commands->send(id, domain::customer::command{std::move(c)}, context(*copy),
                           [this, copy, out, id, email](actors::command_result res) {
            if (!res) return (*out)(detail::command_failed(*copy, res.error()));
            answer_write(*copy, std::move(*out), *res, 201, [id, email]() -> std::optional<http::response> {
              json_writer w;
              w.begin_object().key("id").value(id).key("email").value(email).key("role").value("customer").end_object();
              auto resp = http::response::json(201, std::move(w).take());
              resp.headers.set("Location", "/api/auth/me");
              return resp;
            });
          });
        });
        if (!queued) (*out)(detail::unavailable(*copy, "too many registrations at once"));
      });

  add(r, {http::method::post, "/api/auth/login", "auth.login", "Log in; returns a bearer token", access::anyone, "Login", 200, "Token"},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_login(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        auto email = domain::customer::normalize_email(body->email);
        auto account = email ? deps_.projections->accounts()->by_email(*email) : nullptr;
        auto copy = std::make_shared<http::request>(req);
        auto out = std::make_shared<http::responder>(std::move(respond));
        const bool queued = deps_.hashing->post([this, copy, out, account, password = body->password] {
          // Verify even without an account (against a dummy hash), so the
          // answer takes as long either way.
          const bool ok = http::verify_password(password, account ? account->password_hash : dummy_hash());
          if (!account || !ok) return (*out)(login_failed(*copy));
          http::principal p{account->id, account->email, account->role};
          const auto issued = now();
          const std::string token = deps_.tokens->issue(p, issued);
          json_writer w;
          w.begin_object().key("token").value(token);
          w.key("expires_at").value(format_rfc3339(
              issued + std::chrono::duration_cast<std::chrono::microseconds>(deps_.tokens->ttl()).count()));
          w.key("user");
          detail::write_account(w, *account, false);
          w.end_object();
          (*out)(http::response::json(200, std::move(w).take()));
        });
        if (!queued) (*out)(detail::unavailable(*copy, "too many logins at once"));
      });

  add(r, {http::method::get, "/api/auth/me", "auth.me", "The logged-in account", access::user, "", 200, "Account"},
      [this](http::request& req, http::responder respond) {
        auto account = deps_.projections->accounts()->by_id(req.user->user_id);
        if (!account) return respond(detail::not_found(req, "account"));
        json_writer w;
        detail::write_account(w, *account, true);
        respond(http::response::json(200, std::move(w).take()));
      });
}

}  // namespace agora::api
