// snapshot rebuild: rewrites aggregates' snapshots from their events, offline.
// A snapshot only shortens an actor's activation (it replays the events after
// it); a wrong one (store verify: bad_snapshots) makes it start from a state
// its log never produced. Each snapshot is written on its own and is right on
// its own, so an interrupted rebuild leaves every snapshot either old or new.

#include <CLI/CLI.hpp>

#include <unordered_set>

#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/domain_view.hpp"
#include "tools/agoractl/progress.hpp"

namespace agora::agoractl {

namespace es = agora::eventstore;

namespace {

struct snapshot_options {
  std::string stream;  // empty: every stream
  bool quiet = false;
};

int run_rebuild(const cli_context& ctx, const snapshot_options& o) {
  const auto start = std::chrono::steady_clock::now();
  auto store = open_for_write(ctx.store_path, /*create=*/false, /*sync=*/false);
  if (!store) return fail(store.error());
  auto& s = **store;
  std::vector<std::string> streams;
  if (!o.stream.empty()) {
    streams.push_back(o.stream);
  } else {
    auto n = s.scan_log(1, s.last_position(), [&streams](const es::event_view& v) {
      if (v.version == 1) streams.emplace_back(v.stream);
      return true;
    });
    if (!n) return fail(n.error().message);
  }
  progress bar("snapshot rebuild", streams.size(), "streams", o.quiet);
  std::uint64_t written = 0, skipped = 0, done = 0;
  for (const auto& stream : streams) {
    if (stop_requested()) break;
    auto events = s.read_stream(stream, 1, std::numeric_limits<std::size_t>::max());
    if (!events) return fail(events.error().message);
    if (events->empty()) return fail("no stream '" + stream + "' in " + ctx.store_path);
    if (is_event_only(stream)) {
      ++skipped;  // no aggregate, no actor, no snapshot
      bar.update(++done);
      continue;
    }
    auto snap = fold_snapshot(stream, *events);
    if (!snap) {
      // A stream of no known kind has no actor, hence no snapshot to write.
      ++skipped;
    } else if (auto w = s.put_snapshot(stream, *snap); !w) {
      return fail(w.error().message);
    } else {
      ++written;
    }
    bar.update(++done);
  }
  if (auto f = s.flush(); !f) return fail(f.error().message);
  bar.finish(done);
  if (stop_requested()) return fail("interrupted after " + std::to_string(written) + " snapshots (each one whole)");
  report r;
  r.add("store", ctx.store_path).add("written", written).add("skipped", skipped);
  r.add("seconds", seconds_since(start));
  r.print(ctx);
  return exit_ok;
}

}  // namespace

void add_snapshot_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<snapshot_options>();
  auto* snap_cmd = app.add_subcommand("snapshot", "aggregates' snapshots")->require_subcommand(1);
  auto* rebuild = snap_cmd->add_subcommand(
      "rebuild", "rewrite snapshots as folds of their streams' events (agorad stopped); each snapshot is whole");
  add_store_option(rebuild, ctx);
  rebuild->add_option("--stream", o->stream, "only this stream (default: every stream of a known kind)");
  rebuild->add_flag("--quiet,-q", o->quiet, "no progress line");
  out.push_back({rebuild, [&ctx, o] {
                   catch_stop_signals();
                   return run_rebuild(ctx, *o);
                 }});
}

}  // namespace agora::agoractl
