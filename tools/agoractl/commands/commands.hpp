#pragma once
// agoractl's command groups, one file each. Each adds its subcommands to the
// root and, for each, what runs when it is the one given.

#include "tools/agoractl/cli.hpp"

namespace agora::agoractl {

/// store verify | info
void add_store_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// log read | tail | stats
void add_log_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// stream read | show
void add_stream_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// checkpoint get
void add_checkpoint_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// user add
void add_user_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// export FILE | import FILE
void add_transfer_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// snapshot rebuild
void add_snapshot_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// backup DIR | restore DIR
void add_backup_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// outbox status | republish
void add_outbox_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// login EMAIL (online): saves an admin token into a file
void add_login_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// projections status | checksum (online)
void add_projections_commands(CLI::App& app, cli_context& ctx, command_table& out);
/// replay [MODEL...]
void add_replay_commands(CLI::App& app, cli_context& ctx, command_table& out);

}  // namespace agora::agoractl
