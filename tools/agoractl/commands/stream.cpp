// stream read | show: one aggregate's events, and its state at any version
// (time travel: a fold of its events with the domain's evolve).

#include <CLI/CLI.hpp>

#include <cstdio>

#include "common/json_writer.hpp"
#include "eventstore/event_json.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/domain_view.hpp"
#include "tools/agoractl/event_output.hpp"

namespace agora::agoractl {

namespace es = agora::eventstore;

namespace {

struct stream_options {
  std::string id;
  std::uint64_t from = 1;
  std::size_t limit = 100;
  std::uint64_t at = 0;  // 0: the current version
  bool raw = false;
};

es::event_view view_of(const es::recorded_event& e) {
  return es::event_view{e.id, e.stream, e.version, e.position, e.type, e.schema_version, e.timestamp,
                        e.correlation_id, e.causation_id, e.actor, e.data};
}

int store_error_exit(const es::store_error& e) {
  return fail(e.message, e.code == es::errc::invalid_stream_id ? exit_usage : exit_failure);
}

int run_read(const cli_context& ctx, const stream_options& o) {
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  auto events = (*store)->read_stream(o.id, o.from, o.limit);
  if (!events) return store_error_exit(events.error());
  for (const auto& e : *events) {
    if (!print_event(view_of(e), o.raw)) break;
  }
  return exit_ok;
}

int run_show(const cli_context& ctx, const stream_options& o) {
  auto store = open_for_read(ctx.store_path);
  if (!store) return fail(store.error());
  auto events = (*store)->read_stream(o.id, 1, std::numeric_limits<std::size_t>::max());
  if (!events) return store_error_exit(events.error());
  if (events->empty()) return fail("no stream '" + o.id + "' in " + ctx.store_path);
  const auto current = events->back().version;
  if (o.at > current) {
    return fail("stream '" + o.id + "' is at version " + std::to_string(current) + "; --at " +
                std::to_string(o.at) + " is in its future");
  }
  const auto at = o.at == 0 ? current : o.at;
  events->resize(at);  // versions 1..current are contiguous (store verify checks it)
  // An event-only stream (a notification) has events but no state.
  std::string state_json = "null";
  if (!is_event_only(o.id)) {
    auto state = fold_state(o.id, *events);
    if (!state) return fail("cannot fold '" + o.id + "': " + state.error());
    state_json = redact_state(o.id, std::move(*state), o.raw);
  }

  if (ctx.json_output()) {
    json_writer w;
    w.begin_object().key("stream").value(o.id).key("version").value(at).key("current_version").value(current);
    w.key("events").begin_array();
    for (const auto& e : *events) {
      w.begin_object().key("version").value(e.version).key("position").value(e.position);
      w.key("type").value(e.type).key("timestamp").value(format_rfc3339(e.timestamp));
      w.key("id").value(e.id.to_string()).end_object();
    }
    w.end_array().key("state").raw(state_json).end_object();
    std::puts(w.str().c_str());
    return exit_ok;
  }
  std::printf("stream %s at version %llu of %llu\n", o.id.c_str(), static_cast<unsigned long long>(at),
              static_cast<unsigned long long>(current));
  std::printf("%8s %12s  %-27s %s\n", "version", "position", "timestamp", "type");
  for (const auto& e : *events) {
    std::printf("%8llu %12llu  %-27s %s\n", static_cast<unsigned long long>(e.version),
                static_cast<unsigned long long>(e.position), format_rfc3339(e.timestamp).c_str(), e.type.c_str());
  }
  std::printf("state: %s\n", state_json.c_str());
  return exit_ok;
}

}  // namespace

void add_stream_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<stream_options>();
  auto* stream_cmd = app.add_subcommand("stream", "one aggregate's stream")->require_subcommand(1);
  const char* raw_help =
      "events and state exactly as stored, password hashes included (keep the output as safe as the store)";

  auto* read = stream_cmd->add_subcommand("read", "print a stream's events, one JSON object per line");
  add_store_option(read, ctx);
  read->add_option("id", o->id, "stream id, e.g. order-<uuid>")->required();
  read->add_option("--from", o->from, "first version")->capture_default_str();
  read->add_option("--limit", o->limit, "events at most")->capture_default_str()->check(CLI::Range(1, 100000000));
  read->add_flag("--raw", o->raw, raw_help);
  out.push_back({read, [&ctx, o] { return run_read(ctx, *o); }});

  auto* show = stream_cmd->add_subcommand(
      "show", "a stream's events (versions, positions, types) and its state, folded with the domain's evolve");
  add_store_option(show, ctx);
  show->add_option("id", o->id, "stream id, e.g. order-<uuid>")->required();
  show->add_option("--at", o->at, "fold only up to this version (time travel); default: the current one")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()));
  show->add_flag("--raw", o->raw, raw_help);
  out.push_back({show, [&ctx, o] { return run_show(ctx, *o); }});
}

}  // namespace agora::agoractl
