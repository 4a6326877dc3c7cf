// log read | tail | stats: the global log.

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <map>
#include <thread>

#include "actors/domain/redaction.hpp"
#include "common/json_writer.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/event_output.hpp"

namespace agora::agoractl {

namespace es = agora::eventstore;

namespace {

struct log_options {
  std::uint64_t from = 1;
  std::size_t limit = 100;
  bool raw = false;
  std::uint64_t tail_from = 0;  // 0: the last `lines` events
  std::size_t lines = 10;
  bool follow = false;
  std::uint64_t poll_ms = 500;
};

const char* const kRawHelp =
    "print events exactly as stored, password hashes included (a backup: keep it as safe as the store)";

int run_read(const cli_context& ctx, const log_options& o) {
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  auto n = (*store)->scan_log(o.from, o.limit, [&o](const es::event_view& v) { return print_event(v, o.raw); });
  if (!n) return fail(n.error().message);
  return exit_ok;
}

int run_tail(const cli_context& ctx, const log_options& o) {
  auto store = open_for_read(ctx.store_path, /*follow=*/o.follow);
  if (!store) return fail(store.error());
  auto& s = **store;
  es::log_position next = o.tail_from;
  if (next == 0) next = s.last_position() > o.lines ? s.last_position() - o.lines + 1 : 1;
  bool out_ok = true;
  auto print_from = [&]() -> int {
    auto n = s.scan_log(next, s.last_position() >= next ? s.last_position() - next + 1 : 0,
                        [&](const es::event_view& v) {
                          out_ok = print_event(v, o.raw);
                          next = v.position + 1;
                          return out_ok;
                        });
    if (!n) return fail(n.error().message);
    std::fflush(stdout);
    return exit_ok;
  };
  if (int rc = print_from(); rc != exit_ok) return rc;
  if (!o.follow) return exit_ok;
  catch_stop_signals();
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe ends the loop through out_ok
  // Follows the owner's writes through the secondary instance: one catch-up
  // per poll; the log only grows, so the next scan starts where this ended.
  while (!stop_requested() && out_ok) {
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
    auto caught = s.catch_up();
    if (!caught) return fail(caught.error().message);
    if (int rc = print_from(); rc != exit_ok) return rc;
  }
  return exit_ok;
}

int run_stats(const cli_context& ctx) {
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  std::map<std::string, std::uint64_t, std::less<>> by_type, by_kind;
  std::uint64_t events = 0, data_bytes = 0;
  timestamp_us oldest = 0, newest = 0;
  auto n = (*store)->scan_log(1, (*store)->last_position(), [&](const es::event_view& v) {
    auto t = by_type.find(v.type);
    if (t == by_type.end()) t = by_type.emplace(std::string(v.type), 0).first;
    ++t->second;
    const auto kind = domain::stream_kind(v.stream);
    auto k = by_kind.find(kind);
    if (k == by_kind.end()) k = by_kind.emplace(std::string(kind), 0).first;
    ++k->second;
    if (events == 0 || v.timestamp < oldest) oldest = v.timestamp;
    if (v.timestamp > newest) newest = v.timestamp;
    ++events;
    data_bytes += v.data.size();
    return true;
  });
  if (!n) return fail(n.error().message);
  auto as_json = [](const auto& m) {
    json_writer w;
    w.begin_object();
    for (const auto& [k, c] : m) w.key(k).value(c);
    w.end_object();
    return w.str();
  };
  report out;
  out.add("events", events).add("last_position", (*store)->last_position()).add("data_bytes", data_bytes);
  out.add("disk_bytes", disk_bytes(ctx.store_path));
  out.add("oldest", events ? format_rfc3339(oldest) : std::string()).add("newest", events ? format_rfc3339(newest) : std::string());
  out.add_json("by_kind", as_json(by_kind)).add_json("by_type", as_json(by_type));
  out.print(ctx);
  return exit_ok;
}

}  // namespace

void add_log_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<log_options>();
  auto* log_cmd = app.add_subcommand("log", "read the global log")->require_subcommand(1);

  auto* read = log_cmd->add_subcommand("read", "print events from a log position, one JSON object per line");
  add_store_option(read, ctx);
  read->add_option("--from", o->from, "first position")->capture_default_str();
  read->add_option("--limit", o->limit, "events at most")->capture_default_str()->check(CLI::Range(1, 100000000));
  read->add_flag("--raw", o->raw, kRawHelp);
  out.push_back({read, [&ctx, o] { return run_read(ctx, *o); }});

  auto* tail = log_cmd->add_subcommand(
      "tail", "print the last events of the log; with --follow, new ones as agorad appends them (Ctrl-C stops)");
  add_store_option(tail, ctx);
  tail->add_option("--from", o->tail_from, "first position (default: the last --lines events)");
  tail->add_option("--lines,-n", o->lines, "events before the end to start at")->capture_default_str()->check(
      CLI::Range(1, 100000000));
  tail->add_flag("--follow,-f", o->follow, "keep printing events as they are appended");
  tail->add_option("--poll-ms", o->poll_ms, "with --follow: how often to look for new events")
      ->capture_default_str()
      ->check(CLI::Range(10, 60000));
  tail->add_flag("--raw", o->raw, kRawHelp);
  out.push_back({tail, [&ctx, o] { return run_tail(ctx, *o); }});

  auto* stats = log_cmd->add_subcommand(
      "stats", "events by type and stream kind, bytes of data and on disk, oldest and newest event");
  add_store_option(stats, ctx);
  out.push_back({stats, [&ctx] { return run_stats(ctx); }});
}

}  // namespace agora::agoractl
