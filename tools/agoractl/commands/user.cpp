// user add: create an account offline (the first admin). The password comes
// from a prompt without echo, or from standard input when it is not a
// terminal; never from the command line, where ps and shell history see it.

#include <CLI/CLI.hpp>

#include <future>

#include "actors/command_service.hpp"
#include "common/config.hpp"
#include "common/json_writer.hpp"
#include "common/uuid.hpp"
#include "http/auth.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/password_input.hpp"

extern char** environ;

namespace agora::agoractl {

namespace es = agora::eventstore;

namespace {

struct user_options {
  std::string email, name = "Administrator", config_file;
  bool admin = false;
};

// The argon2id cost agorad would use: the same keys (auth.password_ops_limit,
// auth.password_mem_limit, auth.allow_weak_password_cost), from the same
// places (the config file as agorad finds it, then AGORA_* variables, which
// win), with the same floor.
expected<http::password_cost, std::string> configured_cost(std::string config_file) {
  config cfg;
  cfg.load_environment(environ);
  config_file = find_config_file(std::move(config_file));
  if (!config_file.empty()) {
    if (auto err = cfg.load_file(config_file)) return unexpected{*err};
  }
  const auto cost = http::password_cost::from_config(cfg);
  std::string error = cost ? std::string() : cost.error().message;
  for (const auto& e : cfg.errors()) error += (error.empty() ? "" : "; ") + e;
  if (!error.empty()) return unexpected{"config: " + error};
  return *cost;
}

int run_add(const cli_context& ctx, const user_options& o) {
  auto email = domain::customer::normalize_email(o.email);
  if (!email) return fail("--email: " + email.error().message, exit_usage);
  auto cost = configured_cost(o.config_file);
  if (!cost) return fail(cost.error(), exit_usage);
  auto password = read_password(/*confirm=*/true);
  if (!password) return fail(password.error(), exit_usage);
  if (password->size() < 8 || password->size() > 128) return fail("the password must be 8..128 bytes", exit_usage);
  auto hash = http::hash_password(*password, *cost);
  if (!hash) return fail("cannot hash the password");
  auto store = open_for_write(ctx.store_path, /*create=*/true);
  if (!store) return fail(store.error());
  auto svc = actors::command_service::start(**store, actors::actor_options{}, system_clock::instance(), nullptr);
  if (!svc) return fail(svc.error());
  domain::customer::register_customer c{
      uuid::time_ordered_v7(system_clock::instance().now()).to_string(), *email, std::move(*hash), o.name,
      o.admin ? domain::customer::role::admin : domain::customer::role::customer, system_clock::instance().now()};
  const std::string id = c.customer_id;
  std::promise<actors::command_result> done;
  (*svc)->send(id, domain::customer::command{std::move(c)}, actors::command_context{"agoractl", "agoractl", false, std::nullopt},
               [&done](actors::command_result r) { done.set_value(std::move(r)); });
  auto r = done.get_future().get();
  if (!r) return fail(r.error().message);
  report out;
  out.add("id", id).add("email", *email).add("role", o.admin ? "admin" : "customer");
  out.print(ctx);
  return exit_ok;
}

}  // namespace

void add_user_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<user_options>();
  auto* user_cmd = app.add_subcommand("user", "accounts")->require_subcommand(1);
  auto* add = user_cmd->add_subcommand(
      "add",
      "create an account offline (agorad stopped); the password is prompted for without echo, or read from "
      "standard input when that is not a terminal, never taken from the command line");
  add_store_option(add, ctx);
  add->add_option("--email", o->email, "e-mail address")->required();
  add->add_option("--name", o->name, "display name")->capture_default_str();
  add->add_flag("--admin", o->admin, "give the account the admin role");
  add->add_option("--config", o->config_file,
                  "agorad's config file, for the password cost (default: $AGORA_CONFIG, or ./agora.conf)");
  out.push_back({add, [&ctx, o] { return run_add(ctx, *o); }});
}

}  // namespace agora::agoractl
