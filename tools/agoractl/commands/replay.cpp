// replay: rebuilds the read models from a data directory, offline, with the
// projections' own code (projections/replay.hpp), and prints per model the
// events applied, the rate and the model's checksum. It only reads the store:
// beside a running agorad it goes through a secondary instance, and nothing it
// does can change the store or the node's models.

#include <CLI/CLI.hpp>

#include <cinttypes>
#include <cstdio>

#include "common/json_writer.hpp"
#include "projections/replay.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/progress.hpp"

namespace agora::agoractl {

namespace {

struct replay_options {
  std::vector<std::string> models;  // empty or "all": every model
  std::uint64_t from = 0;
  bool quiet = false;
};

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

double rate(std::uint64_t events, double seconds) { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }

int run_replay(const cli_context& ctx, const replay_options& o) {
  std::vector<std::string> names;
  for (const auto& m : o.models) {
    if (m != "all") names.push_back(m);
  }
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  const auto last = (*store)->last_position();
  if (o.from > last) {
    return fail("--from " + std::to_string(o.from) + " is past the end of the log (" + std::to_string(last) + ")",
                exit_usage);
  }
  progress bar("replay", last - o.from, "events", o.quiet);
  auto rep = projections::replay_models(**store, names, o.from, [&](std::uint64_t reached, std::uint64_t) {
    bar.update(reached - o.from);
  });
  if (!rep) {
    const bool usage = rep.error().rfind("unknown read model", 0) == 0;
    return fail(rep.error(), usage ? exit_usage : exit_failure);
  }
  bar.finish(rep->events_read);

  report r;
  r.add("store", ctx.store_path).add("live", store->live());
  r.add("from", std::uint64_t{rep->after}).add("to", std::uint64_t{rep->to});
  r.add("events", rep->events_read).add("undecodable", rep->undecodable);
  r.add("seconds", rep->seconds).add("events_per_s", rate(rep->events_read, rep->seconds));
  if (o.from > 0) r.add("partial", std::string("events up to --from were not applied: not comparable with a node"));
  if (ctx.json_output()) {
    json_writer w;
    w.begin_array();
    for (const auto& m : rep->models) {
      w.begin_object().key("name").value(m.name).key("events_applied").value(m.events_applied);
      w.key("apply_seconds").value(m.apply_seconds);
      w.key("events_per_s").value(rate(m.events_applied, m.apply_seconds));
      w.key("entries").value(m.entries).key("checksum").value(hex64(m.checksum)).end_object();
    }
    w.end_array();
    r.add_json("models", std::move(w).take());
  } else {
    for (const auto& m : rep->models) {
      char line[200];
      std::snprintf(line, sizeof line, "checksum %s, %" PRIu64 " entries, %" PRIu64 " events applied, %.0f events/s",
                    hex64(m.checksum).c_str(), m.entries, m.events_applied, rate(m.events_applied, m.apply_seconds));
      r.add(m.name, std::string(line));
    }
  }
  r.print(ctx);
  if (rep->undecodable > 0) {
    return fail(std::to_string(rep->undecodable) + " event(s) no codec accepts, skipped as agorad skips them; first: " +
                rep->first_undecodable);
  }
  return exit_ok;
}

}  // namespace

void add_replay_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<replay_options>();
  auto* replay = app.add_subcommand(
      "replay",
      "rebuild read models from the log, offline (also beside a running agorad: read through a secondary "
      "instance; nothing is written), and print each one's checksum");
  add_store_option(replay, ctx);
  replay->add_option("models", o->models, "catalog, orders, accounts, dashboard or all (default: all)")
      ->check(CLI::IsMember({"catalog", "orders", "accounts", "dashboard", "all"}));
  replay->add_option("--from", o->from,
                     "apply only the events after this log position (a partial model, to time or inspect a range)");
  replay->add_flag("--quiet,-q", o->quiet, "no progress line");
  out.push_back({replay, [&ctx, o] {
                   catch_stop_signals();
                   return run_replay(ctx, *o);
                 }});
}

}  // namespace agora::agoractl
