#pragma once
// Private: the state the API's routes share, and the three wrappers every
// route goes through.

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/command_service.hpp"
#include "api/gateway.hpp"
#include "api/request_bodies.hpp"
#include "api/src/problems.hpp"
#include "api/src/render.hpp"
#include "common/clock.hpp"
#include "common/uuid.hpp"
#include "eventstore/event_store.hpp"
#include "http/auth.hpp"
#include "http/rate_limiter.hpp"
#include "http/request.hpp"
#include "http/responder.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "projections/projection_runner.hpp"

namespace agora::api {

/// Who may call a route.
enum class access : std::uint8_t { anyone, user, customer, admin };

/// What a cacheable read produces.
struct read_result {
  http::response response;
  /// Change tags that make it stale (projections' change_batch tags).
  std::vector<std::string> tags;
  /// False for answers that must not be cached (errors are never cached).
  bool cacheable = true;
};

/// One documented route (for /openapi.json).
struct route_doc {
  http::method method;
  std::string pattern;
  std::string name;
  std::string summary;
  access who = access::anyone;
  /// The request body's schema name, or empty.
  std::string body;
  /// The success status and the response schema name.
  int status = 200;
  std::string returns;
  /// Every other status the route's own handler can answer: 202 (a write that
  /// stands before the read models show it), 304, 400 for query parameters,
  /// 409, 412, 422, 500, 503. What the wrappers and the declaration imply is
  /// added by build_openapi and need not be listed: 429 on every route, 401
  /// when a token is needed, 403 for one role only, 404 for a path with an id,
  /// 400/413/415 with a body.
  std::vector<int> answers = {};
  /// The query parameters the route reads (documented as optional strings).
  std::vector<std::string> query = {};
};

class gateway::impl {
 public:
  impl(gateway_deps deps, gateway_options options);

  gateway_deps deps_;
  gateway_options opts_;
  /// Invalidates the response cache with each change batch's tags.
  projections::change_subscription changes;
  /// Logins, registrations and password changes per client IP.
  std::unique_ptr<http::rate_limiter> login_limiter;
  /// Failed logins per account.
  std::unique_ptr<http::failure_backoff> login_lockout;
  /// The hash verified against when a login names no account, made on the
  /// hashing pool as the gateway starts (see dummy_hash()).
  std::shared_future<std::string> dummy;
  /// Set once `dummy` is made (a metric shows it). Shared with the job making it.
  std::shared_ptr<std::atomic<bool>> dummy_ready = std::make_shared<std::atomic<bool>>(false);
  std::vector<route_doc> docs;
  std::string openapi_doc;

  /// Registers a route behind rate limits (per IP first), authentication,
  /// access control and the per-user rate limit.
  void add(http::router& r, route_doc doc, http::handler fn);
  /// A 429 when `key`'s bucket of the general limiter is empty.
  std::optional<http::response> limit(const http::request& req, std::string_view key);
  /// Checks the bearer token, if any, against its signature and the account's
  /// current token version, and sets req.user from the account (role
  /// included). A 401 with a generic detail when refused (the reason is logged).
  std::optional<http::response> authenticate(http::request& req);
  /// What an asynchronous answer needs of a request (path, request id, client,
  /// user): no headers, no body, so a queued job stays small.
  static http::request slim(const http::request& req);
  /// Registers a GET whose answers are cached (per user when `per_user`) and
  /// that honours min_position (read your writes).
  void add_read(http::router& r, route_doc doc, bool per_user,
                std::function<read_result(const http::request&)> produce);
  /// add_read's answer: from the response cache, or produced (and cached).
  void serve_read(const http::request& rq, http::responder out, bool per_user,
                  const std::function<read_result(const http::request&)>& produce);

  /// After a successful write: waits (bounded) until the read models have
  /// applied `ack`, then answers `render()` with `status`, ETag and
  /// X-Event-Position. If they do not catch up in time the write still stands:
  /// it answers 202 with the stream, version and position to poll with.
  void answer_write(const http::request& req, http::responder respond, const actors::command_ack& ack,
                    int status, std::function<std::optional<http::response>()> render);

  /// The context of a command from `req`: request id as correlation id, the
  /// user as actor.
  static actors::command_context context(const http::request& req, bool with_state = false);

  timestamp_us now() const { return deps_.clk->now(); }
  /// The argon2id cost from the options.
  http::password_cost cost() const;
  /// A hash to verify against when the account does not exist, so a login
  /// takes as long either way. Made by a job posted to the hashing pool at
  /// construction (start_dummy_hash); blocks until it is done, so call it on a
  /// hashing thread only.
  const std::string& dummy_hash() const;
  void start_dummy_hash();
  /// A 429 when the client IP's bucket for hashing routes (login,
  /// registration, password change) is empty.
  std::optional<http::response> login_limit(const http::request& req);
  /// 200 {"token","expires_at","user"}: a token at the account's current
  /// token version.
  http::response token_answer(const projections::account_view& account) const;
  /// After a successful login with a hash of another cost: rehash at the
  /// configured cost and record it (a rehash: tokens stay valid). On a
  /// hashing thread only.
  void upgrade_hash(const http::request& rq, const projections::account_view& account, const std::string& password);
  std::string new_id() const { return uuid::time_ordered_v7(now()).to_string(); }

  // Route groups (one file each).
  void auth_routes(http::router& r);
  void catalog_routes(http::router& r);
  void inventory_routes(http::router& r);
  void cart_routes(http::router& r);
  void order_routes(http::router& r);
  void admin_routes(http::router& r);
  /// The admin jobs (checksum walks, online backups): one at a time, on the hashing pool.
  void admin_job_routes(http::router& r);
  void ops_routes(http::router& r);
  void build_openapi();
};

/// A JSON 200/201 response with an ETag.
http::response json_with_etag(int status, std::string body, std::uint64_t version);

}  // namespace agora::api
