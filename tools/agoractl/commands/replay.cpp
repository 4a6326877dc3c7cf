// replay: rebuilds the read models from a data directory, offline, with the
// projections' own code (projections/replay.hpp), and prints per model the
// events applied, the rate and the model's checksum. It only reads the store:
// beside a running agorad it goes through a secondary instance, and nothing it
// does can change the store or the node's models.
//
// replay --online: asks the node (--url, an admin token) to rebuild the
// models (its readers keep the old model until the new one has caught up),
// follows the rebuild by polling the node's status, then prints the
// checksums of the models the node now serves.
//
// replay --dry-run: the node rebuilds each model into a shadow and compares
// it with the live one key by key: "equal" or how it differs (counts and the
// first differing keys) per model; nothing is switched.

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "common/json_writer.hpp"
#include "projections/projection_runner.hpp"
#include "projections/replay.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/online.hpp"
#include "tools/agoractl/progress.hpp"

namespace agora::agoractl {

namespace {

struct replay_options {
  std::vector<std::string> models;  // empty or "all": every model
  std::uint64_t from = 0;
  bool quiet = false;
  bool online = false;
  bool dry_run = false;
  online_options node;
  /// Build the replayed models in memory instead of on disk.
  bool in_memory = false;
  /// --models: a stopped node's read models for an offline dry run
  /// (default: beside the store, as agorad puts them).
  std::string models_dir;
};

// Where an offline replay builds its models: on disk as the node builds them
// (so memory stays bounded whatever the log's length), in a new directory
// under $TMPDIR removed at the end; or in memory with --in-memory.
class scratch_dir {
 public:
  static expected<scratch_dir, std::string> make(bool in_memory) {
    if (in_memory) return scratch_dir(std::string());
    std::string tmpl = (std::filesystem::temp_directory_path() / "agoractl-replay-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return unexpected{"cannot create a scratch directory for the replayed models in " +
                        std::filesystem::temp_directory_path().string() + " (or use --in-memory)"};
    }
    return scratch_dir(std::move(tmpl));
  }
  scratch_dir(scratch_dir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  scratch_dir& operator=(scratch_dir&&) = delete;
  ~scratch_dir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  /// Empty: in memory.
  const std::string& path() const { return path_; }

 private:
  explicit scratch_dir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

std::vector<std::string> asked_names(const replay_options& o) {
  std::vector<std::string> names;
  for (const auto& m : o.models) {
    if (m != "all") names.push_back(m);
  }
  return names;
}

// The models asked for, or every model the node reports.
std::vector<std::string> names_on_node(const replay_options& o, const std::vector<node_model_status>& status) {
  std::vector<std::string> names = asked_names(o);
  if (names.empty()) {
    for (const auto& s : status) names.push_back(s.name);
  }
  return names;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

double rate(std::uint64_t events, double seconds) { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }

int run_replay(const cli_context& ctx, const replay_options& o) {
  const std::vector<std::string> names = asked_names(o);
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  const auto last = (*store)->last_position();
  if (o.from > last) {
    return fail("--from " + std::to_string(o.from) + " is past the end of the log (" + std::to_string(last) + ")",
                exit_usage);
  }
  progress bar("replay", last - o.from, "events", o.quiet);
  auto scratch = scratch_dir::make(o.in_memory);
  if (!scratch) return fail(scratch.error());
  auto rep = projections::replay_models(
      **store, names, o.from, [&](std::uint64_t reached, std::uint64_t) { bar.update(reached - o.from); },
      scratch->path());
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

constexpr auto kPollEvery = std::chrono::milliseconds(500);

// replay --online: POST .../rebuild for each model, then polls the status
// until each has been rebuilt (seen rebuilding and then not, or, for a
// rebuild too quick to be seen, its applied count grown by the whole log)
// and the node has caught up with the log as it was at the start.
int run_online(const cli_context& ctx, const replay_options& o) {
  auto link = admin_link::open(o.node);
  if (!link) return fail(link.error());
  auto before = fetch_status(*link);
  if (!before) return fail(before.error());
  const std::vector<std::string> names = names_on_node(o, *before);
  struct follow {
    std::uint64_t applied_before = 0;
    std::uint64_t applied_now = 0;
    /// The model's last error before the rebuild: reported already, so
    /// only a new one stops the follow.
    std::string error_before;
    bool seen_rebuilding = false;
    bool done = false;
  };
  std::map<std::string, follow> models;
  std::uint64_t target = 0;  // the log's end when asked
  for (const auto& s : *before) {
    target = std::max(target, s.position + s.lag);
    for (const auto& n : names) {
      if (n == s.name) {
        models[n].applied_before = s.events_applied;
        models[n].error_before = s.last_error;
      }
    }
  }
  const auto start = std::chrono::steady_clock::now();
  for (const auto& n : names) {
    if (auto r = link->call("POST", "/api/admin/projections/" + n + "/rebuild"); !r) return fail(r.error());
  }
  progress bar("rebuild", target * names.size(), "events", o.quiet);
  for (;;) {
    if (stop_requested()) {
      return fail("interrupted: the node goes on rebuilding; follow it with agoractl projections status");
    }
    auto now = fetch_status(*link);
    if (!now) return fail(now.error());
    bool all = true;
    std::uint64_t done_events = 0;
    for (const auto& s : *now) {
      auto f = models.find(s.name);
      if (f == models.end()) continue;
      auto& m = f->second;
      if (!s.last_error.empty() && s.last_error != m.error_before) {
        return fail(s.name + ": the node reports: " + s.last_error + " (agoractl projections status)");
      }
      m.seen_rebuilding = m.seen_rebuilding || s.rebuilding;
      m.applied_now = s.events_applied;
      m.done = !s.rebuilding && s.position >= target &&
               (m.seen_rebuilding || s.events_applied >= m.applied_before + target);
      all = all && m.done;
      // While rebuilding, the rebuild's position is its progress.
      done_events += m.done ? target : std::min(target, s.rebuilding ? s.rebuild_position : 0);
    }
    bar.poll(done_events);
    if (all) break;
    std::this_thread::sleep_for(kPollEvery);
  }
  bar.finish(target * names.size());
  const double seconds = seconds_since(start);
  auto sums = fetch_checksums(*link, names.size() == before->size() ? std::vector<std::string>{} : names);
  if (!sums) return fail(sums.error());
  // Events the node applied to the model while we followed it: the rebuild's
  // (the whole log) and the live ones meanwhile.
  auto applied_since = [&models](const std::string& name) -> std::uint64_t {
    const auto f = models.find(name);
    return f == models.end() ? 0 : f->second.applied_now - std::min(f->second.applied_now, f->second.applied_before);
  };
  report r;
  r.add("url", link->url()).add("to", target).add("seconds", seconds);
  r.add("events_per_s", rate(target * names.size(), seconds));
  if (ctx.json_output()) {
    json_writer w;
    w.begin_array();
    for (const auto& c : *sums) {
      w.begin_object().key("name").value(c.name).key("position").value(c.position);
      w.key("events_applied").value(applied_since(c.name));
      w.key("entries").value(c.count).key("checksum").value(c.checksum).end_object();
    }
    w.end_array();
    r.add_json("models", std::move(w).take());
  } else {
    for (const auto& c : *sums) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "rebuilt: checksum %s, %" PRIu64 " entries, at position %" PRIu64 ", %" PRIu64 " events applied",
                    c.checksum.c_str(), c.count, c.position, applied_since(c.name));
      r.add(c.name, std::string(line));
    }
  }
  r.print(ctx);
  return exit_ok;
}

// Prints each dry run ("equal", or how it differs and the first differing
// keys) after the fields already in `r`; exit 1 when one differs or failed.
int print_dry_runs(const cli_context& ctx, report& r, const std::vector<node_dry_run>& runs) {
  bool all_equal = true;
  std::string failed;
  json_writer w;
  w.begin_array();
  for (const auto& d : runs) {
    const bool equal = d.state == "done" && d.equal;
    all_equal = all_equal && equal;
    if (d.state == "failed" && failed.empty()) failed = d.name + ": " + d.error;
    if (ctx.json_output()) {
      w.begin_object().key("name").value(d.name).key("result").value(d.state == "failed" ? "failed" : equal ? "equal" : "differs");
      w.key("position").value(d.position).key("live_entries").value(d.live_entries);
      w.key("rebuilt_entries").value(d.shadow_entries).key("only_live").value(d.only_live);
      w.key("only_rebuilt").value(d.only_shadow).key("differing").value(d.differing);
      w.key("first_differences").begin_array();
      for (const auto& [kind, key] : d.first) {
        w.begin_object().key("kind").value(kind == "only_shadow" ? "only_rebuilt" : kind).key("key").value(key).end_object();
      }
      w.end_array();
      if (!d.error.empty()) w.key("error").value(d.error);
      w.end_object();
      continue;
    }
    char line[300];
    if (d.state == "failed") {
      r.add(d.name, "FAILED: " + d.error);
    } else if (equal) {
      std::snprintf(line, sizeof line, "equal at position %" PRIu64 " (%" PRIu64 " entries)", d.position,
                    d.live_entries);
      r.add(d.name, std::string(line));
    } else {
      std::snprintf(line, sizeof line,
                    "DIFFERS at position %" PRIu64 ": live %" PRIu64 " entries, rebuilt %" PRIu64 "; %" PRIu64
                    " only live, %" PRIu64 " only rebuilt, %" PRIu64 " with other values",
                    d.position, d.live_entries, d.shadow_entries, d.only_live, d.only_shadow, d.differing);
      r.add(d.name, std::string(line));
      for (const auto& [kind, key] : d.first) {
        const char* what = kind == "only_live" ? "only live" : kind == "only_shadow" ? "only rebuilt" : "other value";
        r.add("  " + std::string(what), key);
      }
    }
  }
  w.end_array();
  if (ctx.json_output()) r.add_json("models", std::move(w).take());
  r.add("switched", false);
  r.print(ctx);
  if (!failed.empty()) return fail("a dry run failed: " + failed);
  if (!all_equal) {
    return fail("a model differs from a rebuild from the log: rebuild it with agoractl replay MODEL --online "
                "(docs/OPERATIONS.md, \"A projection is wrong\")");
  }
  return exit_ok;
}

int run_offline_dry_run(const cli_context& ctx, const replay_options& o);

// replay --dry-run: asks the node to rebuild each model into a shadow beside
// the live one and compare them key by key (POST .../dry-run), follows the
// dry runs (GET .../dry-run) and prints per model "equal" or how it differs:
// entries on each side, keys only in one, keys with other values, and the
// first differing keys. The node compares both at one snapshot, so a node
// that keeps writing is fine. Nothing is switched.
int run_dry_run(const cli_context& ctx, const replay_options& o) {
  if (o.node.url.empty()) return run_offline_dry_run(ctx, o);
  if (!o.models_dir.empty()) return fail("--models is for a dry run without --url (a stopped node)", exit_usage);
  if (o.from > 0) return fail("--dry-run replays the whole log: --from does not apply", exit_usage);
  auto link = admin_link::open(o.node);
  if (!link) return fail(link.error());
  auto before = fetch_status(*link);
  if (!before) return fail(before.error());
  const std::vector<std::string> names = names_on_node(o, *before);
  const auto start = std::chrono::steady_clock::now();
  for (const auto& n : names) {
    if (auto r = link->call("POST", "/api/admin/projections/" + n + "/dry-run"); !r) return fail(r.error());
  }
  std::uint64_t target = 0;
  for (const auto& s : *before) target = std::max(target, s.position + s.lag);
  progress bar("dry run", target * names.size(), "events", o.quiet);
  std::vector<node_dry_run> runs;
  for (;;) {
    if (stop_requested()) {
      return fail("interrupted: the node goes on with the dry run; its outcome: GET /api/admin/projections/NAME/dry-run");
    }
    runs.clear();
    bool all = true;
    std::uint64_t done_events = 0;
    for (const auto& n : names) {
      auto d = fetch_dry_run(*link, n);
      if (!d) return fail(d.error());
      all = all && d->state != "running";
      done_events += d->state == "running" ? std::min(target, d->position) : target;
      runs.push_back(std::move(*d));
    }
    bar.poll(done_events);
    if (all) break;
    std::this_thread::sleep_for(kPollEvery);
  }
  bar.finish(target * names.size());
  report r;
  r.add("url", link->url()).add("seconds", seconds_since(start));
  return print_dry_runs(ctx, r, runs);
}

// replay --dry-run without --url: a stopped node's read models (its
// projections.path, --models) compared key by key with an offline replay of
// its store up to the position they are stored at.
int run_offline_dry_run(const cli_context& ctx, const replay_options& o) {
  if (o.from > 0) return fail("--dry-run replays the whole log: --from does not apply", exit_usage);
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  const std::string models = o.models_dir.empty() ? projections::default_models_path(ctx.store_path) : o.models_dir;
  auto scratch = scratch_dir::make(false);
  if (!scratch) return fail(scratch.error());
  progress bar("dry run", (*store)->last_position(), "events", o.quiet);
  projections::replay_options ro;
  ro.progress = [&](std::uint64_t reached, std::uint64_t) { bar.update(reached); };
  ro.scratch_dir = scratch->path();
  ro.compare_with = models;
  const auto start = std::chrono::steady_clock::now();
  auto rep = projections::replay_models(**store, asked_names(o), ro);
  if (!rep) return fail(rep.error());
  bar.finish(rep->events_read);
  std::vector<node_dry_run> runs;
  for (const auto& m : rep->models) {
    if (!m.compared) continue;
    const auto& c = *m.compared;
    node_dry_run d;
    d.name = m.name;
    d.state = "done";
    d.position = c.position;
    d.target = c.target;
    d.equal = c.equal();
    d.live_entries = c.live_entries;
    d.shadow_entries = c.shadow_entries;
    d.only_live = c.only_live;
    d.only_shadow = c.only_shadow;
    d.differing = c.differing;
    for (const auto& k : c.first) {
      using kind = projections::key_difference::kind;
      d.first.emplace_back(k.what == kind::only_live ? "only_live" : k.what == kind::only_shadow ? "only_shadow"
                                                                                                   : "value_differs",
                           k.key);
    }
    runs.push_back(std::move(d));
  }
  report r;
  r.add("store", ctx.store_path).add("models", models).add("seconds", seconds_since(start));
  return print_dry_runs(ctx, r, runs);
}

}  // namespace

void add_replay_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<replay_options>();
  auto* replay = app.add_subcommand(
      "replay",
      "rebuild read models from the log, offline (also beside a running agorad: read through a secondary "
      "instance; nothing is written), and print each one's checksum; --online: in the running node; "
      "--dry-run: each model compared key by key with a rebuild from the log, in the running node (--url) or "
      "offline against a stopped node's data directory");
  add_store_option(replay, ctx);
  replay->add_option("models", o->models, "catalog, orders, accounts, dashboard or all (default: all)")
      ->check(CLI::IsMember({"catalog", "orders", "accounts", "dashboard", "all"}));
  replay->add_option("--from", o->from,
                     "apply only the events after this log position (a partial model, to time or inspect a range)");
  replay->add_flag("--quiet,-q", o->quiet, "no progress line");
  auto* online = replay->add_flag(
      "--online", o->online,
      "rebuild in the running node (--url, an admin token): readers keep the old model until the new one has "
      "caught up; follows the progress, then prints the checksums the node serves");
  auto* dry = replay->add_flag(
      "--dry-run", o->dry_run,
      "rebuild each model into a shadow and compare it with the live one key by key (counts and the first "
      "differing keys), in the running node (--url) or, without --url, offline: a stopped node's read models "
      "(--models) against a replay of --store; nothing is switched; exit 1 when one differs");
  online->excludes(dry);
  auto* in_memory = replay->add_flag("--in-memory", o->in_memory,
                   "build the replayed models in memory (quicker on a small log; memory grows with the log) instead "
                   "of on disk in a temporary directory under $TMPDIR, removed at the end (offline replays only)");
  in_memory->excludes(online);
  in_memory->excludes(dry);
  replay->add_option("--models", o->models_dir,
                     "--dry-run without --url: the stopped node's read models (its projections.path; default: "
                     "beside --store, as agorad puts them)");
  add_online_options(replay, o->node, "--online, --dry-run: the node");
  out.push_back({replay, [&ctx, o] {
                   catch_stop_signals();
                   if (o->online) {
                     if (o->from > 0) return fail("--online rebuilds from position 0: --from does not apply", exit_usage);
                     return run_online(ctx, *o);
                   }
                   if (o->dry_run) return run_dry_run(ctx, *o);
                   return run_replay(ctx, *o);
                 }});
}

}  // namespace agora::agoractl
