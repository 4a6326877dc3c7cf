// Admin figures, projection status, rebuilds and checksums, online backups;
// health, metrics, OpenAPI.

#include <simdjson.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include <spdlog/spdlog.h>

#include "actors/domain/customer.hpp"
#include "actors/domain/notification.hpp"
#include "api/src/gateway_impl.hpp"
#include "common/json_writer.hpp"
#include "common/work_pool.hpp"
#include "http/metrics.hpp"
#include "http/response_cache.hpp"
#include "projections/accounts.hpp"
#include "projections/catalog.hpp"
#include "projections/change_tags.hpp"
#include "projections/dashboard.hpp"
#include "projections/orders.hpp"

namespace agora::api {

namespace {

namespace fs = std::filesystem;

// One read model's checksum, as the checksum routes answer it.
struct model_checksum {
  std::string name;
  std::uint64_t position = 0;
  std::uint64_t checksum = 0;
  std::uint64_t count = 0;
};

// The walk of one model: its snapshot is taken when this is made (on the io
// thread: an atomic load), the walk runs when it is called (on a pool thread),
// so the answer is of one published version whatever the runner does meanwhile.
using checksum_walk = std::function<model_checksum()>;

// `count` is what agoractl replay reports as a model's entries: products,
// orders, accounts, the dashboard's total orders.
std::optional<checksum_walk> checksum_walk_of(const projections::projection_runner& p, std::string_view name) {
  if (name == projections::projection_runner::catalog_name) {
    return [s = p.catalog()] { return model_checksum{"catalog", s->position(), s->checksum(), s->product_count()}; };
  }
  if (name == projections::projection_runner::orders_name) {
    return [s = p.orders()] { return model_checksum{"orders", s->position(), s->checksum(), s->count()}; };
  }
  if (name == projections::projection_runner::accounts_name) {
    return [s = p.accounts()] { return model_checksum{"accounts", s->position(), s->checksum(), s->count()}; };
  }
  if (name == projections::projection_runner::dashboard_name) {
    return [s = p.dashboard()] {
      return model_checksum{"dashboard", s->position, s->checksum(), static_cast<std::uint64_t>(s->total_orders)};
    };
  }
  return std::nullopt;
}

bool known_projection(std::string_view name) {
  using runner = projections::projection_runner;
  return name == runner::catalog_name || name == runner::orders_name || name == runner::accounts_name ||
         name == runner::dashboard_name;
}

http::response unknown_projection(const http::request& req, const std::string& name) {
  return detail::not_found(req, "projection '" + name + "' (catalog, orders, accounts, dashboard)");
}

std::string render_dry_run(const projections::dry_run_report& r) {
  using state = projections::dry_run_report::state;
  using kind = projections::key_difference::kind;
  json_writer w(1024);
  w.begin_object().key("name").value(r.name);
  w.key("state").value(r.what == state::running ? "running" : r.what == state::done ? "done" : "failed");
  w.key("position").value(static_cast<std::uint64_t>(r.position));
  w.key("target").value(static_cast<std::uint64_t>(r.target));
  if (r.what == state::done) w.key("equal").value(r.equal());
  w.key("live_entries").value(r.live_entries).key("shadow_entries").value(r.shadow_entries);
  w.key("only_live").value(r.only_live).key("only_shadow").value(r.only_shadow).key("differing").value(r.differing);
  w.key("first_differences").begin_array();
  for (const auto& d : r.first) {
    w.begin_object().key("key").value(d.key);
    w.key("kind").value(d.what == kind::only_live ? "only_live" : d.what == kind::only_shadow ? "only_shadow" : "value_differs");
    w.end_object();
  }
  w.end_array();
  if (!r.error.empty()) w.key("error").value(r.error);
  w.end_object();
  return std::move(w).take();
}

void write_checksum(json_writer& w, const model_checksum& m) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, m.checksum);
  w.begin_object().key("name").value(m.name).key("position").value(m.position);
  w.key("checksum").value(std::string(hex)).key("count").value(m.count).end_object();
}

// The long admin jobs (a checksum walk, a backup) run one at a time on the
// hashing pool: each holds a pool thread for its whole length, so two at once
// could starve logins, and two backups would compete for the disk. A second
// request while one runs is answered 503 with Retry-After.
class admin_job_slot {
 public:
  /// Takes the slot; false when a job holds it.
  bool try_take() { return !busy_.exchange(true, std::memory_order_acq_rel); }
  void release() { busy_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> busy_{false};
};

// Releases the slot when the job ends, however it ends.
struct slot_release {
  std::shared_ptr<admin_job_slot> slot;
  slot_release(const slot_release&) = delete;
  slot_release& operator=(const slot_release&) = delete;
  ~slot_release() { slot->release(); }
};

constexpr int kBusyRetryAfterSeconds = 2;
constexpr std::string_view kJobSource = "admin-jobs";

// POST /api/admin/backup's body: {"dir": "/abs/path"}. Lexical checks only;
// the file system is looked at on the pool.
agora::expected<std::string, std::vector<field_error>> decode_backup(std::string_view json) {
  simdjson::dom::parser p;
  simdjson::dom::element root;
  if (p.parse(json.data(), json.size()).get(root) || !root.is_object()) {
    return agora::unexpected{std::vector<field_error>{{"", "the body is not a JSON object"}}};
  }
  std::string_view dir;
  for (auto [k, v] : root.get_object()) {
    if (k != "dir") return agora::unexpected{std::vector<field_error>{{std::string(k), "unknown field"}}};
    if (v.get(dir)) return agora::unexpected{std::vector<field_error>{{"dir", "must be a string"}}};
  }
  if (dir.empty()) return agora::unexpected{std::vector<field_error>{{"dir", "is required"}}};
  if (dir.size() > 4096) return agora::unexpected{std::vector<field_error>{{"dir", "is longer than 4096 bytes"}}};
  if (dir.front() != '/') {
    return agora::unexpected{std::vector<field_error>{{"dir", "must be an absolute path on the node's machine"}}};
  }
  for (const auto& part : fs::path(dir)) {
    if (part == "..") return agora::unexpected{std::vector<field_error>{{"dir", "must not contain '..'"}}};
  }
  return std::string(dir);
}

// Whether `inner` is `outer` or under it (both canonical as far as they exist).
bool path_within(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (const auto& part : outer) {
    if (part.empty()) continue;  // a trailing separator
    if (i == inner.end() || *i != part) return false;
    ++i;
  }
  return true;
}

}  // namespace

void gateway::impl::admin_routes(http::router& r) {
  add_read(r, {http::method::get, "/api/admin/stats", "admin.stats", "Dashboard figures", access::admin, "", 200, "Stats", {304, 400, 503}, {"min_position"}},
           false, [this](const http::request&) -> read_result {
             auto dash = deps_.projections->dashboard();
             json_writer w(2048);
             w.begin_object();
             w.key("orders_by_status").begin_object();
             for (const auto& [status, n] : dash->orders_by_status) w.key(status).value(static_cast<std::uint64_t>(n));
             w.end_object();
             w.key("total_orders").value(static_cast<std::uint64_t>(dash->total_orders));
             w.key("revenue").begin_array();
             for (const auto& rv : dash->revenue) {
               w.begin_object().key("currency").value(rv.currency).key("gross").value(rv.gross);
               w.key("refunded").value(rv.refunded).key("net").value(rv.net).end_object();
             }
             w.end_array();
             w.key("top_products").begin_array();
             for (const auto& t : dash->top_products) {
               w.begin_object().key("sku").value(t.sku).key("product_id").value(t.product_id);
               w.key("name").value(t.name).key("units").value(t.units).end_object();
             }
             w.end_array();
             w.key("low_stock_count").value(static_cast<std::uint64_t>(dash->low_stock_count));
             w.key("total_products").value(static_cast<std::uint64_t>(dash->total_products));
             w.key("total_customers").value(static_cast<std::uint64_t>(dash->total_customers));
             if (deps_.realtime_stats) {
               w.key("realtime");
               deps_.realtime_stats(w);
             }
             w.end_object();
             return {http::response::json(200, std::move(w).take()), {projections::tags::dashboard},
                     !deps_.realtime_stats};
           });

  add(r, {http::method::put, "/api/admin/customers/{id}/role", "admin.customer_role",
          "Set an account's role; ends the account's tokens", access::admin, "Role", 200, "Account", {202, 500, 503}},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_role(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        const auto to = domain::customer::parse_role(body->role);
        if (!to) return respond(detail::invalid_body(req, {{"role", "must be customer or admin"}}));
        const std::string id(req.path_param("id").value_or(""));
        auto rq = std::make_shared<http::request>(slim(req));
        auto out = std::make_shared<http::responder>(std::move(respond));
        deps_.commands->send(id, domain::customer::command{domain::customer::change_role{*to, now()}}, context(req),
                             [this, rq, out, id](actors::command_result res) {
                               if (!res) return (*out)(detail::command_failed(*rq, res.error()));
                               answer_write(*rq, std::move(*out), *res, 200, [this, id]() -> std::optional<http::response> {
                                 auto a = deps_.projections->accounts()->by_id(id);
                                 if (!a) return std::nullopt;
                                 json_writer w;
                                 detail::write_account(w, *a, true);
                                 return http::response::json(200, std::move(w).take());
                               });
                             });
      });

  add(r, {http::method::post, "/api/admin/notifications", "admin.notify",
          "Broadcast a notification to every realtime client (channel notifications)", access::admin, "Notification",
          202, "NotificationAccepted", {500, 503}},
      [this](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto body = decode_notification(req.body);
        if (!body) return respond(detail::invalid_body(req, body.error()));
        namespace dn = domain::notification;
        const dn::broadcast b{body->title, body->body, dn::parse_level(body->level).value_or(dn::level::info),
                              req.user->user_id, now()};
        eventstore::new_event e;
        e.type = std::string(dn::broadcast_type);
        e.data = dn::encode(b);
        e.correlation_id = req.request_id;
        e.actor = req.user->user_id;
        e.timestamp = b.at;
        std::vector<eventstore::new_event> events;
        events.push_back(std::move(e));
        auto rq = std::make_shared<http::request>(slim(req));
        auto out = std::make_shared<http::responder>(std::move(respond));
        // Stored as an event (its own stream), so it has a log position and
        // resumes like any other; the fan-out sends it once the projections
        // have routed it.
        deps_.store->async_append(
            std::string(dn::kind) + "-" + new_id(), eventstore::expected_version::no_stream(), std::move(events),
            [rq, out](eventstore::store_result<eventstore::append_result> res) {
              if (!res) {
                spdlog::warn("api {}: storing a notification failed: {} (request {})", rq->path, res.error().message,
                             rq->request_id);
                if (res.error().code == eventstore::errc::overloaded || res.error().code == eventstore::errc::shutting_down) {
                  return (*out)(detail::unavailable(*rq, "too busy right now; retry"));
                }
                return (*out)(http::problem(*rq, 500, "storage", "Storage failure",
                                            "the notification could not be stored; quote the request id to the operator"));
              }
              json_writer w;
              w.begin_object().key("position").value(res->last_position).end_object();
              auto resp = http::response::json(202, std::move(w).take());
              resp.headers.set("X-Event-Position", std::to_string(res->last_position));
              (*out)(std::move(resp));
            });
      });

  add(r, {http::method::get, "/api/admin/projections", "admin.projections", "Each projection's position and lag", access::admin, "", 200, "Projections"},
      [this](http::request&, http::responder respond) {
        json_writer w(1024);
        w.begin_object().key("items").begin_array();
        for (const auto& s : deps_.projections->status()) {
          w.begin_object().key("name").value(s.name).key("position").value(static_cast<std::uint64_t>(s.position));
          w.key("lag").value(s.lag).key("events_applied").value(s.events_applied);
          w.key("rebuilding").value(s.rebuilding).key("dry_running").value(s.dry_running);
          w.key("rebuild_position").value(static_cast<std::uint64_t>(s.rebuild_position));
          w.key("last_error").value(s.last_error).end_object();
        }
        w.end_array().end_object();
        respond(http::response::json(200, std::move(w).take()));
      });

  add(r, {http::method::post, "/api/admin/projections/{name}/rebuild", "admin.rebuild", "Rebuild a projection from position 0", access::admin, "", 202, "Accepted", {409}},
      [this](http::request& req, http::responder respond) {
        const std::string name(req.path_param("name").value_or(""));
        if (!known_projection(name)) return respond(unknown_projection(req, name));
        auto rr = deps_.projections->rebuild(name);
        if (!rr) return respond(http::problem(req, 409, "conflict", "Conflict", rr.error()));
        json_writer w;
        w.begin_object().key("name").value(name).key("rebuilding").value(true).end_object();
        respond(http::response::json(202, std::move(w).take()));
      });

  add(r, {http::method::post, "/api/admin/projections/{name}/dry-run", "admin.dry_run",
          "Rebuild a projection into a shadow and compare it with the live one key by key; nothing is switched",
          access::admin, "", 202, "Accepted", {409}},
      [this](http::request& req, http::responder respond) {
        const std::string name(req.path_param("name").value_or(""));
        if (!known_projection(name)) return respond(unknown_projection(req, name));
        auto rr = deps_.projections->dry_run(name);
        if (!rr) return respond(http::problem(req, 409, "conflict", "Conflict", rr.error()));
        json_writer w;
        w.begin_object().key("name").value(name).key("state").value("running").end_object();
        respond(http::response::json(202, std::move(w).take()));
      });

  add(r, {http::method::get, "/api/admin/projections/{name}/dry-run", "admin.dry_run_result",
          "The last dry run of a projection: its progress, or how the shadow differs from the live model",
          access::admin, "", 200, "DryRun"},
      [this](http::request& req, http::responder respond) {
        const std::string name(req.path_param("name").value_or(""));
        if (!known_projection(name)) return respond(unknown_projection(req, name));
        auto rep = deps_.projections->dry_run_result(name);
        if (!rep) return respond(detail::not_found(req, rep.error()));
        respond(http::response::json(200, render_dry_run(*rep)));
      });

  admin_job_routes(r);
}

void gateway::impl::admin_job_routes(http::router& r) {
  auto slot = std::make_shared<admin_job_slot>();
  // Runs `job` on the hashing pool in the slot, or answers 503 when the slot
  // is taken or the pool full. `job` answers through `out` itself.
  auto run_job = [this, slot](const http::request& req, std::shared_ptr<http::responder> out,
                              std::function<void()> job) {
    if (!slot->try_take()) {
      return (*out)(detail::unavailable(req, "another checksum or backup is running; retry when it is done",
                                        kBusyRetryAfterSeconds));
    }
    auto guarded = [slot, job = std::move(job)] {
      slot_release release{slot};
      job();
    };
    if (deps_.hashing == nullptr || !deps_.hashing->post(kJobSource, std::move(guarded))) {
      // The job (and its release) did not run: give the slot back here.
      slot->release();
      (*out)(detail::unavailable(req, "the node's worker pool is full; retry", kBusyRetryAfterSeconds));
    }
  };

  add(r, {http::method::get, "/api/admin/projections/{name}/checksum", "admin.checksum",
          "A read model's checksum at its current position (a walk of the model, one at a time)", access::admin, "",
          200, "Checksum", {503}},
      [this, run_job](http::request& req, http::responder respond) {
        const std::string name(req.path_param("name").value_or(""));
        auto walk = checksum_walk_of(*deps_.projections, name);
        if (!walk) {
          return respond(detail::not_found(req, "projection '" + name + "' (catalog, orders, accounts, dashboard)"));
        }
        auto out = std::make_shared<http::responder>(std::move(respond));
        run_job(req, out, [out, walk = std::move(*walk)] {
          json_writer w;
          write_checksum(w, walk());
          (*out)(http::response::json(200, std::move(w).take()));
        });
      });

  add(r, {http::method::get, "/api/admin/projections/checksums", "admin.checksums",
          "Every read model's checksum at its current position (one walk at a time)", access::admin, "", 200,
          "Checksums", {503}},
      [this, run_job](http::request& req, http::responder respond) {
        std::vector<checksum_walk> walks;
        for (auto name : {projections::projection_runner::catalog_name, projections::projection_runner::orders_name,
                          projections::projection_runner::accounts_name, projections::projection_runner::dashboard_name}) {
          walks.push_back(*checksum_walk_of(*deps_.projections, name));
        }
        auto out = std::make_shared<http::responder>(std::move(respond));
        run_job(req, out, [out, walks = std::move(walks)] {
          json_writer w;
          w.begin_object().key("items").begin_array();
          for (const auto& walk : walks) write_checksum(w, walk());
          w.end_array().end_object();
          (*out)(http::response::json(200, std::move(w).take()));
        });
      });

  add(r, {http::method::post, "/api/admin/backup", "admin.backup",
          "Write a RocksDB checkpoint of the live store into a new directory on the node's machine (one at a time)",
          access::admin, "Backup", 200, "BackupDone", {409, 500, 503}},
      [this, run_job](http::request& req, http::responder respond) {
        if (auto bad = http::require_json(req)) return respond(std::move(*bad));
        auto dir = decode_backup(req.body);
        if (!dir) return respond(detail::invalid_body(req, dir.error()));
        auto out = std::make_shared<http::responder>(std::move(respond));
        run_job(req, out, [this, out, rq = slim(req), dir = std::move(*dir)] {
          const auto start = std::chrono::steady_clock::now();
          std::error_code ec;
          const fs::path target = fs::path(dir).lexically_normal();
          if (fs::exists(fs::symlink_status(target, ec))) {
            return (*out)(http::problem(rq, 409, "exists", "Directory exists",
                                        target.string() + " already exists: a backup goes into a new directory"));
          }
          const fs::path parent = target.parent_path();
          if (!fs::is_directory(parent, ec)) {
            return (*out)(detail::invalid_body(
                rq, {{"dir", "its parent directory " + parent.string() + " does not exist on the node's machine"}}));
          }
          std::error_code store_ec;
          const fs::path store = fs::weakly_canonical(deps_.store->options().path, store_ec);
          const fs::path real = fs::weakly_canonical(target, ec);
          if (store_ec || ec) {
            return (*out)(http::problem(rq, 500, "backup", "Backup failed",
                                        "cannot resolve the paths: " + (ec ? ec : store_ec).message()));
          }
          if (path_within(real, store)) {
            return (*out)(detail::invalid_body(
                rq, {{"dir", "must not be inside the store's own directory (" + store.string() + ")"}}));
          }
          if (auto cp = deps_.store->create_checkpoint(target.string()); !cp) {
            spdlog::error("api: online backup into {} failed: {} (request {})", target.string(), cp.error().message,
                          rq.request_id);
            return (*out)(http::problem(rq, 500, "backup", "Backup failed", cp.error().message));
          }
          // What the checkpoint holds, read from it: it opens, and its last
          // position is the backup's (appends go on meanwhile).
          eventstore::store_options o;
          o.path = target.string();
          o.mode = eventstore::open_mode::read_only;
          o.block_cache_bytes = 1u << 20;
          auto copy = eventstore::event_store::open(o);
          if (!copy) {
            spdlog::error("api: online backup into {} does not open: {} (request {})", target.string(),
                          copy.error().message, rq.request_id);
            fs::remove_all(target, ec);
            return (*out)(http::problem(rq, 500, "backup", "Backup failed",
                                        "the checkpoint was written but does not open: " + copy.error().message));
          }
          const std::uint64_t position = (*copy)->last_position();
          copy->reset();
          std::uint64_t bytes = 0;
          for (fs::recursive_directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec)) {
            std::error_code size_ec;
            if (it->is_regular_file(size_ec)) bytes += it->file_size(size_ec);
          }
          const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
          spdlog::info("api: online backup into {} at position {} ({} bytes, {} ms)", target.string(), position, bytes,
                       ms.count());
          json_writer w;
          w.begin_object().key("dir").value(target.string()).key("position").value(position);
          w.key("bytes").value(bytes).key("ms").value(static_cast<std::uint64_t>(ms.count())).end_object();
          (*out)(http::response::json(200, std::move(w).take()));
        });
      });
}

void gateway::impl::ops_routes(http::router& r) {
  auto health = [this](bool detailed) {
    return [this, detailed](http::request&, http::responder respond) {
      std::vector<component_health> parts;
      const auto st = deps_.store->stats();
      parts.push_back({"store", true, "open",
                       {{"last_position", static_cast<std::int64_t>(st.last_position)},
                        {"queued_appends", static_cast<std::int64_t>(st.queued_appends)}}});
      const auto svc = deps_.commands->stats();
      parts.push_back({"actors", true, "running",
                       {{"live_aggregates", static_cast<std::int64_t>(svc.live_aggregates)},
                        {"commands", static_cast<std::int64_t>(svc.commands)}}});
      for (const auto& p : deps_.projections->status()) {
        // Ready once the replay at start is done and the model keeps up.
        const bool ok = p.last_error.empty() && p.lag <= 10000;
        parts.push_back({"projection." + p.name, ok, ok ? "caught up" : (p.last_error.empty() ? "behind" : p.last_error),
                         {{"position", static_cast<std::int64_t>(p.position)}, {"lag", static_cast<std::int64_t>(p.lag)}}});
      }
      if (deps_.extra_health) {
        for (auto& c : deps_.extra_health()) parts.push_back(std::move(c));
      }
      bool ok = true;
      for (const auto& c : parts) ok = ok && c.ok;
      json_writer w(1024);
      w.begin_object().key("status").value(ok ? "ok" : "degraded");
      if (detailed) {
        w.key("components").begin_array();
        for (const auto& c : parts) {
          w.begin_object().key("name").value(c.name).key("status").value(c.ok ? "ok" : "degraded");
          w.key("detail").value(c.detail);
          for (const auto& [k, v] : c.figures) w.key(k).value(v);
          w.end_object();
        }
        w.end_array();
      }
      w.end_object();
      respond(http::response::json(ok || detailed ? 200 : 503, std::move(w).take()));
    };
  };
  add(r, {http::method::get, "/health/live", "health.live", "The process runs", access::anyone, "", 200, "Health"},
      [](http::request&, http::responder respond) { respond(http::response::json(200, R"({"status":"ok"})")); });
  add(r, {http::method::get, "/health/ready", "health.ready", "Ready to serve (503 otherwise)", access::anyone, "", 200, "Health", {503}},
      health(false));
  add(r, {http::method::get, "/health/detailed", "health.detailed", "Every component with its status", access::anyone, "", 200, "Health"},
      health(true));
  add(r, {http::method::get, "/metrics", "metrics", "Prometheus metrics", access::anyone, "", 200, "Metrics"},
      [this](http::request&, http::responder respond) {
        auto resp = http::response::text(200, deps_.metrics->render());
        resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
        respond(std::move(resp));
      });
  add(r, {http::method::get, "/openapi.json", "openapi", "This API's OpenAPI 3 document", access::anyone, "", 200, "OpenAPI"},
      [this](http::request&, http::responder respond) { respond(http::response::json(200, openapi_doc)); });

  // Gauges read at scrape time.
  auto* m = deps_.metrics;
  m->add_callback_gauge("agora_store_last_position", "Last durable log position",
                        [this] { return static_cast<double>(deps_.store->last_position()); });
  m->add_callback_gauge("agora_store_queued_appends", "Appends waiting for the store's writer",
                        [this] { return static_cast<double>(deps_.store->stats().queued_appends); });
  m->add_callback_gauge("agora_store_append_batch_size", "Mean appends per group commit since start", [this] {
    const auto s = deps_.store->stats();
    return s.batches ? static_cast<double>(s.appends) / static_cast<double>(s.batches) : 0.0;
  });
  m->add_callback_gauge("agora_actors_live", "Live aggregate actors",
                        [this] { return static_cast<double>(deps_.commands->stats().live_aggregates); });
  m->add_callback_gauge("agora_actors_commands", "Commands answered since start",
                        [this] { return static_cast<double>(deps_.commands->stats().commands); });
  for (const char* name : {"catalog", "orders", "accounts", "dashboard"}) {
    m->add_callback_gauge(std::string("agora_projection_lag_") + name, std::string("Events the ") + name + " projection is behind",
                          [this, n = std::string(name)] {
                            for (const auto& s : deps_.projections->status()) {
                              if (s.name == n) return static_cast<double>(s.lag);
                            }
                            return 0.0;
                          });
  }
  if (deps_.cache) {
    m->add_callback_gauge("agora_cache_hits", "Response cache hits since start",
                          [this] { return static_cast<double>(deps_.cache->stats().hits); });
    m->add_callback_gauge("agora_cache_misses", "Response cache misses since start",
                          [this] { return static_cast<double>(deps_.cache->stats().misses); });
  }
}

namespace {

// Response and body schemas, by name (components/schemas).
const std::map<std::string, std::string>& schemas() {
  static const std::map<std::string, std::string> s = {
      {"ProblemDetails", R"({"type":"object","properties":{"type":{"type":"string"},"title":{"type":"string"},"status":{"type":"integer"},"detail":{"type":"string"},"instance":{"type":"string"},"request_id":{"type":"string"},"errors":{"type":"array","items":{"type":"object","properties":{"field":{"type":"string"},"message":{"type":"string"}}}}},"required":["type","title","status"]})"},
      {"Register", R"({"type":"object","properties":{"email":{"type":"string"},"password":{"type":"string","minLength":8,"maxLength":128},"name":{"type":"string"}},"required":["email","password","name"]})"},
      {"Login", R"({"type":"object","properties":{"email":{"type":"string"},"password":{"type":"string"}},"required":["email","password"]})"},
      {"Account", R"({"type":"object","properties":{"id":{"type":"string"},"email":{"type":"string"},"name":{"type":"string"},"role":{"type":"string","enum":["customer","admin"]}},"required":["id","email","role"]})"},
      {"PasswordChange", R"({"type":"object","properties":{"current_password":{"type":"string"},"new_password":{"type":"string","minLength":8,"maxLength":128}},"required":["current_password","new_password"]})"},
      {"Registration", R"({"type":"object","properties":{"status":{"type":"string","enum":["accepted"]},"email":{"type":"string"},"detail":{"type":"string"}},"required":["status","email"]})"},
      {"Role", R"({"type":"object","properties":{"role":{"type":"string","enum":["customer","admin"]}},"required":["role"]})"},
      {"Token", R"({"type":"object","properties":{"token":{"type":"string"},"expires_at":{"type":"string"},"user":{"$ref":"#/components/schemas/Account"}},"required":["token","user"]})"},
      {"Product", R"({"type":"object","properties":{"id":{"type":"string"},"sku":{"type":"string"},"name":{"type":"string"},"description":{"type":"string"},"price":{"type":"integer"},"currency":{"type":"string"},"category":{"type":"string"},"image_urls":{"type":"array","items":{"type":"string"}},"discontinued":{"type":"boolean"},"available":{"type":"boolean"},"version":{"type":"integer"}},"required":["id","sku","name","description","price","currency","category"]})"},
      {"ProductCreate", R"({"type":"object","properties":{"sku":{"type":"string"},"name":{"type":"string"},"description":{"type":"string"},"price":{"type":"integer","minimum":0},"currency":{"type":"string"},"category":{"type":"string"},"image_urls":{"type":"array","items":{"type":"string"}},"initial_stock":{"type":"integer","minimum":0},"low_stock_threshold":{"type":"integer","minimum":0}},"required":["sku","name","price","currency","category"]})"},
      {"ProductPatch", R"({"type":"object","properties":{"name":{"type":"string"},"description":{"type":"string"},"category":{"type":"string"},"image_urls":{"type":"array","items":{"type":"string"}},"price":{"type":"integer","minimum":0},"currency":{"type":"string"}}})"},
      {"ProductPage", R"({"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/Product"}},"next_cursor":{"type":"string","nullable":true}},"required":["items","next_cursor"]})"},
      {"Suggestions", R"({"type":"object","properties":{"suggestions":{"type":"array","items":{"type":"string"}}}})"},
      {"Categories", R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"count":{"type":"integer"}}}}}})"},
      {"Inventory", R"({"type":"object","properties":{"sku":{"type":"string"},"on_hand":{"type":"integer"},"reserved":{"type":"integer"},"held":{"type":"integer"},"available":{"type":"integer"},"low_stock_threshold":{"type":"integer"},"version":{"type":"integer"}},"required":["sku","on_hand","reserved","held","available","low_stock_threshold","version"]})"},
      {"InventoryPage", R"({"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/Inventory"}},"next_cursor":{"type":"string","nullable":true}}})"},
      {"Adjustment", R"({"type":"object","properties":{"delta":{"type":"integer"},"reason":{"type":"string"}},"required":["delta","reason"]})"},
      {"Cart", R"({"type":"object","properties":{"id":{"type":"string"},"customer_id":{"type":"string"},"status":{"type":"string"},"items":{"type":"array","items":{"$ref":"#/components/schemas/OrderItem"}},"total":{"type":"integer"},"currency":{"type":"string"},"expires_at":{"type":"string","nullable":true}}})"},
      {"CartItem", R"({"type":"object","properties":{"quantity":{"type":"integer","minimum":0,"maximum":999}},"required":["quantity"]})"},
      {"OrderItem", R"({"type":"object","properties":{"sku":{"type":"string"},"quantity":{"type":"integer"},"price":{"type":"integer"}},"required":["sku","quantity","price"]})"},
      {"Order", R"({"type":"object","properties":{"id":{"type":"string"},"customer_id":{"type":"string"},"status":{"type":"string","enum":["pending","confirmed","rejected","paid","processing","shipped","delivered","cancelled"]},"items":{"type":"array","items":{"$ref":"#/components/schemas/OrderItem"}},"total":{"type":"integer"},"currency":{"type":"string"},"version":{"type":"integer"},"created_at":{"type":"string"}},"required":["id","customer_id","status","items","total","currency","version","created_at"]})"},
      {"OrderCreate", R"({"type":"object","properties":{"items":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"object","properties":{"sku":{"type":"string"},"quantity":{"type":"integer","minimum":1,"maximum":999}},"required":["sku","quantity"]}}},"required":["items"]})"},
      {"OrderPage", R"({"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/Order"}},"next_cursor":{"type":"string","nullable":true}},"required":["items","next_cursor"]})"},
      {"EventPage", R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"position":{"type":"integer"},"version":{"type":"integer"},"type":{"type":"string"},"at":{"type":"string"},"data":{"type":"object"}}}}}})"},
      {"Payment", R"({"type":"object","properties":{"method":{"type":"string"}}})"},
      {"Cancel", R"({"type":"object","properties":{"reason":{"type":"string"}}})"},
      {"StatusChange", R"({"type":"object","properties":{"status":{"type":"string","enum":["processing","shipped","delivered"]}},"required":["status"]})"},
      {"Stats", R"({"type":"object"})"},
      {"Notification", R"({"type":"object","properties":{"title":{"type":"string","minLength":1,"maxLength":200},"body":{"type":"string","maxLength":2000},"level":{"type":"string","enum":["info","warning","critical"]}},"required":["title"]})"},
      {"NotificationAccepted", R"({"type":"object","properties":{"position":{"type":"integer"}},"required":["position"]})"},
      {"Projections", R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"position":{"type":"integer"},"lag":{"type":"integer"},"events_applied":{"type":"integer"},"rebuilding":{"type":"boolean"},"dry_running":{"type":"boolean"},"rebuild_position":{"type":"integer","description":"While rebuilding: the log position the rebuild has reached"},"last_error":{"type":"string"}}}}}})"},
      {"Accepted", R"({"type":"object"})"},
      {"Checksum", R"({"type":"object","properties":{"name":{"type":"string"},"position":{"type":"integer"},"checksum":{"type":"string","description":"64-bit checksum of the model's contents, 16 hex digits"},"count":{"type":"integer"}},"required":["name","position","checksum","count"]})"},
      {"DryRun", R"({"type":"object","properties":{"name":{"type":"string"},"state":{"type":"string","enum":["running","done","failed"]},"position":{"type":"integer","description":"Running: the shadow's position; done: the position both models were compared at"},"target":{"type":"integer"},"equal":{"type":"boolean","description":"Only when done"},"live_entries":{"type":"integer"},"shadow_entries":{"type":"integer"},"only_live":{"type":"integer"},"only_shadow":{"type":"integer"},"differing":{"type":"integer"},"first_differences":{"type":"array","maxItems":20,"items":{"type":"object","properties":{"key":{"type":"string"},"kind":{"type":"string","enum":["only_live","only_shadow","value_differs"]}},"required":["key","kind"]}},"error":{"type":"string"}},"required":["name","state","position","target","live_entries","shadow_entries","only_live","only_shadow","differing","first_differences"]})"},
      {"Checksums", R"({"type":"object","properties":{"items":{"type":"array","items":{"$ref":"#/components/schemas/Checksum"}}},"required":["items"]})"},
      {"Backup", R"({"type":"object","properties":{"dir":{"type":"string","description":"An absolute path on the node's machine that does not exist yet, outside the store's directory"}},"required":["dir"]})"},
      {"BackupDone", R"({"type":"object","properties":{"dir":{"type":"string"},"position":{"type":"integer"},"bytes":{"type":"integer"},"ms":{"type":"integer"}},"required":["dir","position","bytes","ms"]})"},
      {"Pending", R"({"type":"object","properties":{"stream":{"type":"string"},"version":{"type":"integer"},"position":{"type":"integer"}},"required":["stream","version","position"]})"},
      {"Health", R"({"type":"object","properties":{"status":{"type":"string"}}})"},
      {"Metrics", R"({"type":"string"})"},
      {"OpenAPI", R"({"type":"object"})"},
  };
  return s;
}

const char* method_key(http::method m) {
  switch (m) {
    case http::method::get: return "get";
    case http::method::post: return "post";
    case http::method::put: return "put";
    case http::method::patch: return "patch";
    case http::method::del: return "delete";
    default: return "options";
  }
}

// The tags (an operation's is its name up to the first '.'), with what they hold.
const std::map<std::string, std::string>& tag_descriptions() {
  static const std::map<std::string, std::string> t = {
      {"admin", "Administration: dashboard figures, roles, projections (admins only)"},
      {"auth", "Accounts: registration, login, logout, password, the caller's account"},
      {"carts", "A customer's carts and their checkout"},
      {"categories", "Product categories"},
      {"health", "Liveness and readiness probes"},
      {"inventory", "Stock per SKU"},
      {"metrics", "Prometheus metrics"},
      {"openapi", "This document"},
      {"orders", "Orders: placing, paying, cancelling, following"},
      {"products", "The catalog"},
  };
  return t;
}

std::string tag_of(const route_doc& doc) { return doc.name.substr(0, doc.name.find('.')); }

// A query parameter: its schema, what it does, and whether it must be given.
struct query_param {
  std::string schema;
  std::string description;
  bool required = false;
};

const std::map<std::string, query_param>& query_params() {
  static const std::map<std::string, query_param> q = {
      {"q", {R"({"type":"string"})", "Full-text search; without it, the products in name order"}},
      {"category", {R"({"type":"string"})", "Only this category"}},
      {"limit",
       {R"({"type":"integer","minimum":1,"maximum":)" + std::to_string(projections::max_page_size) + "}",
        "Page size (default 20; 10 for suggestions)"}},
      {"cursor", {R"({"type":"string"})", "The previous page's next_cursor"}},
      {"prefix", {R"({"type":"string","minLength":1})", "The start of a product name", true}},
      {"low_stock", {R"({"type":"string","enum":["true"]})", "Must be true: the items at or below their threshold", true}},
      {"status", {R"({"type":"string"})", "Only orders in this status"}},
      {"min_position",
       {R"({"type":"integer","minimum":0})",
        "Read your writes: answer once the read models have applied this log position (a write's "
        "X-Event-Position); 503 if they do not in time"}},
  };
  return q;
}

// A status other than the success one: its description, and whether its body
// is Problem Details (304 and 202 have none or their own).
struct answer_doc {
  const char* name;  // under components/responses
  const char* description;
};

const std::map<int, answer_doc>& answer_docs() {
  static const std::map<int, answer_doc> a = {
      {202, {"Pending", "The write stands, but the read models do not show it yet: poll with min_position"}},
      {304, {"NotModified", "Not modified (If-None-Match named the current ETag)"}},
      {400, {"BadRequest", "Invalid request: a body field or query parameter (see errors)"}},
      {401, {"Unauthorized", "No valid bearer token (login: wrong e-mail or password)"}},
      {403, {"Forbidden", "Not allowed to this role (password change: the current password is wrong)"}},
      {404, {"NotFound", "No such resource (or not the caller's)"}},
      {409, {"Conflict", "Conflicts with the current state: stock, status or uniqueness"}},
      {412, {"PreconditionFailed", "If-Match does not name the current version"}},
      {413, {"ContentTooLarge", "The request body is larger than http.body_limit"}},
      {415, {"UnsupportedMediaType", "The request body is not application/json"}},
      {422, {"UnprocessableEntity", "Refused by a business rule"}},
      {429, {"TooManyRequests", "Rate limited: retry after Retry-After seconds"}},
      {500, {"InternalError", "Internal or storage failure: quote the request id"}},
      {503, {"ServiceUnavailable", "Overloaded, unavailable or not caught up: retry after Retry-After seconds"}},
  };
  return a;
}

// Every status `doc` can answer besides its success: what it declares, and what
// its declaration implies (the wrappers of gateway::impl::add, the body, the
// path's parameters).
std::set<int> answers_of(const route_doc& doc) {
  std::set<int> out(doc.answers.begin(), doc.answers.end());
  out.insert(429);  // the per-IP (and per-user) rate limit, on every route
  if (doc.who != access::anyone) out.insert(401);
  if (doc.who == access::customer || doc.who == access::admin) out.insert(403);
  if (doc.pattern.find('{') != std::string::npos) out.insert(404);
  if (!doc.body.empty()) out.insert({400, 413, 415});
  out.erase(doc.status);
  return out;
}

void write_ref(json_writer& w, const std::string& ref) { w.begin_object().key("$ref").value(ref).end_object(); }

// components/responses: one per status that some route answers.
void write_answer(json_writer& w, int status) {
  const auto& a = answer_docs().at(status);
  w.key(a.name).begin_object().key("description").value(a.description);
  if (status == 429 || status == 503) {
    w.key("headers").begin_object().key("Retry-After").begin_object();
    w.key("description").value("Seconds to wait before retrying");
    w.key("schema").begin_object().key("type").value("integer").end_object().end_object().end_object();
  }
  if (status != 304) {
    const bool problem = status != 202;
    w.key("content").begin_object().key(problem ? "application/problem+json" : "application/json").begin_object();
    w.key("schema");
    write_ref(w, std::string("#/components/schemas/") + (problem ? "ProblemDetails" : "Pending"));
    w.end_object().end_object();
  }
  w.end_object();
}

void write_operation(json_writer& w, const route_doc& doc) {
  w.begin_object();
  w.key("operationId").value(doc.name);
  w.key("summary").value(doc.summary);
  w.key("tags").begin_array().value(tag_of(doc)).end_array();
  // Public routes say so (an empty list); the others need the bearer token.
  w.key("security").begin_array();
  if (doc.who != access::anyone) w.begin_object().key("bearer").begin_array().end_array().end_object();
  w.end_array();
  // Path parameters, from the pattern's {name} segments; then the query's.
  std::vector<std::string> params;
  for (std::size_t i = doc.pattern.find('{'); i != std::string::npos; i = doc.pattern.find('{', i + 1)) {
    params.push_back(doc.pattern.substr(i + 1, doc.pattern.find('}', i) - i - 1));
  }
  if (!params.empty() || !doc.query.empty()) {
    w.key("parameters").begin_array();
    for (const auto& p : params) {
      w.begin_object().key("name").value(p).key("in").value("path").key("required").value(true);
      w.key("schema").begin_object().key("type").value("string").end_object().end_object();
    }
    for (const auto& name : doc.query) {
      const auto found = query_params().find(name);
      // Like a route table mistake: a programming error, loud at start.
      if (found == query_params().end()) {
        spdlog::critical("api: route {} names the undescribed query parameter {}", doc.name, name);
        std::abort();
      }
      const auto& q = found->second;
      w.begin_object().key("name").value(name).key("in").value("query").key("required").value(q.required);
      w.key("description").value(q.description).key("schema").raw(q.schema).end_object();
    }
    w.end_array();
  }
  if (!doc.body.empty()) {
    w.key("requestBody").begin_object().key("required").value(true).key("content").begin_object();
    w.key("application/json").begin_object().key("schema");
    write_ref(w, "#/components/schemas/" + doc.body);
    w.end_object().end_object().end_object();
  }
  w.key("responses").begin_object();
  w.key(std::to_string(doc.status)).begin_object().key("description").value(doc.summary);
  if (!doc.returns.empty()) {
    w.key("content").begin_object().key(doc.returns == "Metrics" ? "text/plain" : "application/json").begin_object();
    w.key("schema");
    write_ref(w, "#/components/schemas/" + doc.returns);
    w.end_object().end_object();
  }
  w.end_object();
  for (int status : answers_of(doc)) {
    w.key(std::to_string(status));
    if (status == 503 && doc.returns == "Health") {
      // A probe's 503 is its own report (what is not ready), not a problem.
      w.begin_object().key("description").value("Not ready: the same report, naming what is not");
      w.key("content").begin_object().key("application/json").begin_object().key("schema");
      write_ref(w, "#/components/schemas/Health");
      w.end_object().end_object().end_object();
      continue;
    }
    write_ref(w, std::string("#/components/responses/") + answer_docs().at(status).name);
  }
  w.end_object();  // responses
  w.end_object();  // operation
}

}  // namespace

void gateway::impl::build_openapi() {
  std::map<std::string, std::vector<const route_doc*>> paths;
  std::set<std::string> tags;
  std::set<int> answered;
  for (const auto& doc : docs) {
    paths[doc.pattern].push_back(&doc);
    tags.insert(tag_of(doc));
    const auto a = answers_of(doc);
    for (int status : a) {
      // Like a route table mistake: a programming error, loud at start.
      if (!answer_docs().count(status)) {
        spdlog::critical("api: route {} declares the undescribed status {}", doc.name, status);
        std::abort();
      }
    }
    answered.insert(a.begin(), a.end());
  }
  json_writer w(65536);
  w.begin_object();
  w.key("openapi").value("3.0.3");
  w.key("info").begin_object().key("title").value("Agora API").key("version").value("0.1.0");
  w.key("description").value(
      "Agora's HTTP API. Errors are Problem Details (RFC 9457) with the request id; every route is rate "
      "limited (429 with Retry-After).");
  w.end_object();
  // Relative: the node that serves this document serves the API.
  w.key("servers").begin_array().begin_object().key("url").value("/");
  w.key("description").value("the node serving this document").end_object().end_array();
  w.key("tags").begin_array();
  for (const auto& t : tags) {
    const auto d = tag_descriptions().find(t);
    w.begin_object().key("name").value(t);
    w.key("description").value(d != tag_descriptions().end() ? d->second : t).end_object();
  }
  w.end_array();
  w.key("paths").begin_object();
  for (const auto& [pattern, routes] : paths) {
    w.key(pattern).begin_object();
    for (const auto* doc : routes) {
      w.key(method_key(doc->method));
      write_operation(w, *doc);
    }
    w.end_object();
  }
  w.end_object();
  w.key("components").begin_object();
  w.key("securitySchemes").begin_object().key("bearer").begin_object().key("type").value("http");
  w.key("scheme").value("bearer").key("bearerFormat").value("JWT").end_object().end_object();
  w.key("responses").begin_object();
  for (int status : answered) write_answer(w, status);
  w.end_object();
  w.key("schemas").begin_object();
  for (const auto& [name, schema] : schemas()) w.key(name).raw(schema);
  w.end_object().end_object();
  w.end_object();
  openapi_doc = std::move(w).take();
}

}  // namespace agora::api
