// store verify | info: the store's integrity and whereabouts.

#include <CLI/CLI.hpp>

#include <unordered_set>

#include "common/json_writer.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/domain_view.hpp"
#include "tools/agoractl/export_format.hpp"
#include "tools/agoractl/progress.hpp"

namespace agora::agoractl {

namespace es = agora::eventstore;

namespace {

int run_verify(const cli_context& ctx, bool quiet) {
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  auto& s = **store;
  // The store's own checks: positions, versions, index.
  auto rep = s.verify();
  if (!rep) return fail(rep.error().message);
  // The domain's: every envelope decodes with its aggregate's codec. One scan
  // also yields the log checksum that export and import print.
  std::vector<std::string> problems = rep->problems;
  bool ok = rep->ok;
  std::uint64_t undecodable = 0;
  log_checksum sum;
  progress bar("verify", rep->last_position, "events", quiet);
  std::uint64_t seen = 0;
  std::unordered_set<std::string> streams;
  auto scanned = s.scan_log(1, rep->last_position, [&](const es::event_view& v) {
    sum.add(v);
    if (v.version == 1) streams.emplace(v.stream);
    if (auto d = check_decodes(v.stream, v.type, v.schema_version, v.data); !d) {
      ok = false;
      ++undecodable;
      if (problems.size() < 100) problems.push_back("position " + std::to_string(v.position) + ": " + d.error());
    }
    bar.update(++seen);
    return true;
  });
  if (!scanned) return fail(scanned.error().message);
  bar.finish(seen);
  // Snapshots: each must hold the fold of the events it claims to include,
  // or an aggregate would wake up in a state its log never produced.
  std::uint64_t snapshots = 0, bad_snapshots = 0;
  for (const auto& stream : streams) {
    auto snap = s.get_snapshot(stream);
    if (!snap) return fail(snap.error().message);
    if (!snap->has_value()) continue;
    ++snapshots;
    auto events = s.read_stream(stream, 1, (*snap)->version);
    if (!events) return fail(events.error().message);
    auto checked = check_snapshot(stream, **snap, *events);
    if (!checked) {
      ok = false;
      ++bad_snapshots;
      if (problems.size() < 100) problems.push_back("stream '" + stream + "': " + checked.error());
    }
  }
  json_writer list;
  list.begin_array();
  for (const auto& p : problems) list.value(p);
  list.end_array();
  report out;
  out.add("ok", ok).add("events", rep->events).add("streams", rep->streams).add("last_position", rep->last_position);
  out.add("undecodable", undecodable).add("snapshots", snapshots).add("bad_snapshots", bad_snapshots);
  out.add("checksum", sum.hex()).add("live", store->live());
  out.add_json("problems", list.str());
  out.print(ctx);
  return ok ? exit_ok : exit_failure;
}

int run_info(const cli_context& ctx) {
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  report out;
  out.add("path", ctx.store_path).add("last_position", (*store)->last_position());
  out.add("live", store->live()).add("disk_bytes", disk_bytes(ctx.store_path));
  out.print(ctx);
  return exit_ok;
}

}  // namespace

void add_store_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto* store_cmd = app.add_subcommand("store", "inspect the event store")->require_subcommand(1);
  auto quiet = std::make_shared<bool>(false);
  auto* verify = store_cmd->add_subcommand(
      "verify",
      "check log positions, stream versions and index, that every event decodes with the domain codec and "
      "that every snapshot equals the fold of its events; prints the log checksum; exit 1 on problems");
  add_store_option(verify, ctx);
  verify->add_flag("--quiet,-q", *quiet, "no progress line");
  out.push_back({verify, [&ctx, quiet] { return run_verify(ctx, *quiet); }});
  auto* info = store_cmd->add_subcommand("info", "last log position, size on disk, whether agorad holds it");
  add_store_option(info, ctx);
  out.push_back({info, [&ctx] { return run_info(ctx); }});
}

}  // namespace agora::agoractl
