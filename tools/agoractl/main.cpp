// agoractl: Agora's admin CLI, for an operator on call. It works on a data
// directory: reads (verify, log, stream, export, backup, replay, outbox
// status) also while agorad runs (through a RocksDB secondary instance),
// writes (import, restore, snapshot rebuild, user add, outbox republish) only
// when agorad is stopped, refused with a message otherwise. And on a running
// node through its admin API (--url and an admin token): projections status
// and checksum, replay --online, replay --dry-run (offline, compared with the
// node), backup --url (a checkpoint the node writes).
//
// Layout: cli.* (exit codes, output, opening the store), progress.* (the
// progress line), commands/<group>.cpp (one file per command group), and the
// pieces they share: export_format.* (the NDJSON export and its checksum),
// line_file.* (plain/gzip line files), dir_swap.* (atomic directory
// installs), domain_view.* (decode and fold with the pure domain),
// event_output.* (redacted event printing), node_client.* (HTTP to a node,
// Beast kept there), online.* (--url, the token, the admin API's answers),
// password_input.* (passwords from a prompt or stdin).
//
// Exit codes: 0 ok, 1 failure (a problem found, a refusal, an I/O error),
// 2 usage. Results are text on a terminal, one JSON object otherwise or with
// --json; events are always one JSON object per line. docs/OPERATIONS.md,
// "agoractl", describes each command and the runbooks.

#include <CLI/CLI.hpp>

#include "tools/agoractl/cli.hpp"
#include "tools/agoractl/commands/commands.hpp"

int main(int argc, char** argv) {
  using namespace agora::agoractl;
  CLI::App app{"agoractl: administer an Agora node's data (docs/OPERATIONS.md, \"agoractl\")"};
  app.require_subcommand(1);
  // Options of the root are accepted after any subcommand too (`agoractl log stats --json`).
  app.fallthrough();
  cli_context ctx;
  app.add_flag("--json", ctx.json, "print results as one JSON object, also on a terminal");
  app.footer("--json (any command): results as one JSON object. Exit codes: 0 ok, 1 failure, 2 usage.");

  command_table commands;
  add_store_commands(app, ctx, commands);
  add_log_commands(app, ctx, commands);
  add_stream_commands(app, ctx, commands);
  add_checkpoint_commands(app, ctx, commands);
  add_user_commands(app, ctx, commands);
  add_transfer_commands(app, ctx, commands);
  add_snapshot_commands(app, ctx, commands);
  add_backup_commands(app, ctx, commands);
  add_replay_commands(app, ctx, commands);
  add_outbox_commands(app, ctx, commands);
  add_projections_commands(app, ctx, commands);
  add_login_commands(app, ctx, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }
  for (const auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return fail("no command", exit_usage);
}
