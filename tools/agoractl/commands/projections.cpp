// projections status | checksum: a running node's read models, through its
// admin API (--url, an admin token): each one's position, lag, rebuild and
// last error; each one's checksum at its current position, the figure
// agoractl replay prints for a replay of the same log.

#include <CLI/CLI.hpp>

#include <cinttypes>
#include <cstdio>

#include "common/json_writer.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/online.hpp"

namespace agora::agoractl {

namespace {

struct projections_options {
  online_options online;
  std::vector<std::string> models;  // empty or "all": every model
};

std::vector<std::string> asked(const std::vector<std::string>& models) {
  std::vector<std::string> out;
  for (const auto& m : models) {
    if (m != "all") out.push_back(m);
  }
  return out;
}

int run_status(const cli_context& ctx, const projections_options& o) {
  auto link = admin_link::open(o.online);
  if (!link) return fail(link.error());
  auto status = fetch_status(*link);
  if (!status) return fail(status.error());
  report r;
  r.add("url", link->url());
  bool errors = false;
  if (ctx.json_output()) {
    json_writer w;
    w.begin_array();
    for (const auto& s : *status) {
      w.begin_object().key("name").value(s.name).key("position").value(s.position).key("lag").value(s.lag);
      w.key("events_applied").value(s.events_applied).key("rebuilding").value(s.rebuilding);
      w.key("rebuild_position").value(s.rebuild_position);
      w.key("last_error").value(s.last_error).end_object();
      errors = errors || !s.last_error.empty();
    }
    w.end_array();
    r.add_json("models", std::move(w).take());
  } else {
    for (const auto& s : *status) {
      char line[160];
      char state[64];
      if (s.rebuilding) {
        std::snprintf(state, sizeof state, "rebuilding (at %" PRIu64 ")", s.rebuild_position);
      } else {
        std::snprintf(state, sizeof state, "serving");
      }
      std::snprintf(line, sizeof line, "position %" PRIu64 ", lag %" PRIu64 ", %s", s.position, s.lag, state);
      r.add(s.name, std::string(line) + (s.last_error.empty() ? "" : ", last error: " + s.last_error));
      errors = errors || !s.last_error.empty();
    }
  }
  r.print(ctx);
  // A model with an error is a problem found: scripts and probes see exit 1.
  return errors ? fail("a read model reports an error (last_error above)") : exit_ok;
}

int run_checksum(const cli_context& ctx, const projections_options& o) {
  auto link = admin_link::open(o.online);
  if (!link) return fail(link.error());
  auto sums = fetch_checksums(*link, asked(o.models));
  if (!sums) return fail(sums.error());
  report r;
  r.add("url", link->url());
  if (ctx.json_output()) {
    json_writer w;
    w.begin_array();
    for (const auto& c : *sums) {
      w.begin_object().key("name").value(c.name).key("position").value(c.position);
      w.key("checksum").value(c.checksum).key("count").value(c.count).end_object();
    }
    w.end_array();
    r.add_json("models", std::move(w).take());
  } else {
    for (const auto& c : *sums) {
      char line[160];
      std::snprintf(line, sizeof line, "checksum %s, %" PRIu64 " entries, at position %" PRIu64, c.checksum.c_str(),
                    c.count, c.position);
      r.add(c.name, std::string(line));
    }
  }
  r.print(ctx);
  return exit_ok;
}

}  // namespace

void add_projections_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<projections_options>();
  auto* group = app.add_subcommand("projections", "a running node's read models (online: --url and an admin token)")
                    ->require_subcommand(1);
  auto* status = group->add_subcommand(
      "status", "each read model's position, lag, whether it is rebuilding, and its last error (exit 1 if any)");
  add_online_options(status, o->online, "the node");
  out.push_back({status, [&ctx, o] { return run_status(ctx, *o); }});

  auto* checksum = group->add_subcommand(
      "checksum", "each read model's checksum at its current position (as agoractl replay prints them)");
  add_online_options(checksum, o->online, "the node");
  checksum->add_option("models", o->models, "catalog, orders, accounts, dashboard or all (default: all)")
      ->check(CLI::IsMember({"catalog", "orders", "accounts", "dashboard", "all"}));
  out.push_back({checksum, [&ctx, o] { return run_checksum(ctx, *o); }});
}

}  // namespace agora::agoractl
