// agoractl: Agora's admin CLI. This part inspects an event store directly
// (read-only, safe beside a running agorad: RocksDB's read-only open takes no
// lock and sees a consistent point in time).
//
//   agoractl store verify   [--store DIR]
//   agoractl store info     [--store DIR]
//   agoractl log read       [--store DIR] [--from POS] [--limit N] [--raw]
//   agoractl stream read ID [--store DIR] [--from VERSION] [--limit N] [--raw]
//   agoractl checkpoint get NAME [--store DIR]
//   agoractl user add --email E [--name N] [--admin] [--store DIR] [--config FILE]
//                                   (password from standard input; node stopped;
//                                    hashed at agorad's configured cost: the
//                                    auth.password_* keys of FILE, $AGORA_CONFIG
//                                    or ./agora.conf, and AGORA_AUTH_* variables)
//
// Output is JSON (one event per line for reads). Reads leave out the secret
// fields of events (password hashes; domain/redaction.hpp) unless --raw asks
// for the events exactly as stored: a raw export is a backup of the log and
// must be kept as safe as the store itself. Errors go to stderr with a
// non-zero exit: 1 for a failed check or operation, 2 for bad usage.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include <future>
#include <iostream>

#include "actors/command_service.hpp"
#include "actors/domain/redaction.hpp"
#include "common/config.hpp"
#include "common/json_writer.hpp"
#include "common/uuid.hpp"
#include "http/auth.hpp"
#include "eventstore/event_json.hpp"
#include "eventstore/event_store.hpp"

extern char** environ;

namespace es = agora::eventstore;

namespace {

int fail(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "agoractl: %s\n", msg.c_str());
  return code;
}

// The argon2id cost agorad would use: the same keys (auth.password_ops_limit,
// auth.password_mem_limit, auth.allow_weak_password_cost), from the same
// places (the config file as agorad finds it, then AGORA_* variables, which
// win), with the same floor.
agora::expected<agora::http::password_cost, std::string> configured_cost(std::string config_file) {
  agora::config cfg;
  cfg.load_environment(environ);
  config_file = agora::find_config_file(std::move(config_file));
  if (!config_file.empty()) {
    if (auto err = cfg.load_file(config_file)) return agora::unexpected{*err};
  }
  const auto cost = agora::http::password_cost::from_config(cfg);
  std::string error = cost ? std::string() : cost.error().message;
  for (const auto& e : cfg.errors()) error += (error.empty() ? "" : "; ") + e;
  if (!error.empty()) return agora::unexpected{"config: " + error};
  return *cost;
}

agora::expected<std::unique_ptr<es::event_store>, std::string> open_store(const std::string& path) {
  es::store_options o;
  o.path = path;
  o.mode = es::open_mode::read_only;
  auto s = es::event_store::open(o);
  if (!s) return agora::unexpected{std::move(s).error().message};
  return std::move(*s);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agoractl: administer an Agora node"};
  app.require_subcommand(1);
  std::string store_path = "./data/store";
  auto add_store_opt = [&store_path](CLI::App* c) {
    c->add_option("--store", store_path, "event store directory")->capture_default_str()->envname("AGORA_STORE_PATH");
  };

  auto* store_cmd = app.add_subcommand("store", "inspect the event store")->require_subcommand(1);
  auto* verify_cmd = store_cmd->add_subcommand("verify", "check log, stream index and versions; exit 1 on problems");
  add_store_opt(verify_cmd);
  auto* info_cmd = store_cmd->add_subcommand("info", "last log position");
  add_store_opt(info_cmd);

  std::uint64_t from = 1;
  std::size_t limit = 100;
  auto* log_cmd = app.add_subcommand("log", "read the global log")->require_subcommand(1);
  auto* log_read = log_cmd->add_subcommand("read", "print events from a log position, one JSON object per line");
  add_store_opt(log_read);
  log_read->add_option("--from", from, "first position")->capture_default_str();
  log_read->add_option("--limit", limit, "events at most")->capture_default_str()->check(CLI::Range(1, 100000000));
  bool raw = false;
  const char* raw_help =
      "print events exactly as stored, password hashes included (a backup: keep it as safe as the store)";
  log_read->add_flag("--raw", raw, raw_help);

  std::string stream_id;
  auto* stream_cmd = app.add_subcommand("stream", "read one stream")->require_subcommand(1);
  auto* stream_read = stream_cmd->add_subcommand("read", "print a stream's events, one JSON object per line");
  add_store_opt(stream_read);
  stream_read->add_option("id", stream_id, "stream id, e.g. order-<uuid>")->required();
  stream_read->add_option("--from", from, "first version")->capture_default_str();
  stream_read->add_option("--limit", limit, "events at most")->capture_default_str()->check(CLI::Range(1, 100000000));
  stream_read->add_flag("--raw", raw, raw_help);

  std::string checkpoint_name;
  auto* cp_cmd = app.add_subcommand("checkpoint", "consumer checkpoints")->require_subcommand(1);
  auto* cp_get = cp_cmd->add_subcommand("get", "print a consumer's checkpoint");
  add_store_opt(cp_get);
  cp_get->add_option("name", checkpoint_name, "consumer name")->required();

  std::string user_email, user_name = "Administrator";
  bool user_admin = false;
  auto* user_cmd = app.add_subcommand("user", "accounts")->require_subcommand(1);
  auto* user_add = user_cmd->add_subcommand(
      "add", "create an account; the password is read from standard input (the node must be stopped)");
  add_store_opt(user_add);
  user_add->add_option("--email", user_email, "e-mail address")->required();
  user_add->add_option("--name", user_name, "display name")->capture_default_str();
  user_add->add_flag("--admin", user_admin, "give the account the admin role");
  std::string config_file;
  user_add->add_option("--config", config_file,
                       "agorad's config file, for the password cost (default: $AGORA_CONFIG, or ./agora.conf)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (*user_add) {
    std::string password;
    std::getline(std::cin, password);
    if (password.size() < 8 || password.size() > 128) return fail("the password must be 8..128 bytes", 2);
    auto email = agora::domain::customer::normalize_email(user_email);
    if (!email) return fail("--email: " + email.error().message, 2);
    auto cost = configured_cost(config_file);
    if (!cost) return fail(cost.error(), 2);
    auto hash = agora::http::hash_password(password, *cost);
    if (!hash) return fail("cannot hash the password");
    es::store_options o;
    o.path = store_path;
    auto store = es::event_store::open(o);
    if (!store) return fail(store.error().message + " (is agorad running? stop it first)");
    auto svc = agora::actors::command_service::start(**store, agora::actors::actor_options{},
                                                     agora::system_clock::instance(), nullptr);
    if (!svc) return fail(svc.error());
    agora::domain::customer::register_customer c{
        agora::uuid::time_ordered_v7(agora::system_clock::instance().now()).to_string(), *email, std::move(*hash),
        user_name, user_admin ? agora::domain::customer::role::admin : agora::domain::customer::role::customer,
        agora::system_clock::instance().now()};
    const std::string id = c.customer_id;
    std::promise<agora::actors::command_result> done;
    (*svc)->send(id, agora::domain::customer::command{std::move(c)}, agora::actors::command_context{"agoractl", "agoractl", false, std::nullopt},
                 [&done](agora::actors::command_result r) { done.set_value(std::move(r)); });
    auto r = done.get_future().get();
    if (!r) return fail(r.error().message);
    agora::json_writer w;
    w.begin_object().key("id").value(id).key("email").value(*email).key("role").value(user_admin ? "admin" : "customer").end_object();
    std::puts(w.str().c_str());
    return 0;
  }

  auto store = open_store(store_path);
  if (!store) return fail(store.error());
  auto& s = **store;

  if (*verify_cmd) {
    auto rep = s.verify();
    if (!rep) return fail(rep.error().message);
    agora::json_writer w;
    w.begin_object().key("ok").value(rep->ok).key("events").value(rep->events);
    w.key("streams").value(rep->streams).key("last_position").value(rep->last_position);
    w.key("problems").begin_array();
    for (const auto& p : rep->problems) w.value(p);
    w.end_array().end_object();
    std::puts(w.str().c_str());
    return rep->ok ? 0 : 1;
  }
  if (*info_cmd) {
    agora::json_writer w;
    w.begin_object().key("path").value(store_path).key("last_position").value(s.last_position()).end_object();
    std::puts(w.str().c_str());
    return 0;
  }
  // Secrets are dropped unless --raw; personal data is kept (the operator
  // reading the store has it anyway).
  auto print_event = [raw](es::event_view v) {
    std::optional<std::string> redacted;
    if (!raw) redacted = agora::domain::redact_event_data(v.stream, v.type, v.data, agora::domain::redaction_policy{true});
    if (redacted) v.data = *redacted;
    std::puts(es::event_to_json(v).c_str());
  };
  if (*log_read) {
    auto n = s.scan_log(from, limit, [&print_event](const es::event_view& v) {
      print_event(v);
      return true;
    });
    if (!n) return fail(n.error().message);
    return 0;
  }
  if (*stream_read) {
    auto events = s.read_stream(stream_id, from, limit);
    if (!events) return fail(events.error().message, events.error().code == es::errc::invalid_stream_id ? 2 : 1);
    for (const auto& e : *events) {
      print_event(es::event_view{e.id, e.stream, e.version, e.position, e.type, e.schema_version, e.timestamp,
                                 e.correlation_id, e.causation_id, e.actor, e.data});
    }
    return 0;
  }
  if (*cp_get) {
    auto cp = s.get_checkpoint(checkpoint_name);
    if (!cp) return fail(cp.error().message);
    if (!cp->has_value()) return fail("no checkpoint named '" + checkpoint_name + "'");
    agora::json_writer w;
    w.begin_object().key("name").value(checkpoint_name).key("position").value(**cp).end_object();
    std::puts(w.str().c_str());
    return 0;
  }
  return fail("no command", 2);
}
