// checkpoint get: a consumer's position in the log (outbox relay, projections).

#include <CLI/CLI.hpp>

#include "tools/agoractl/commands/commands.hpp"

namespace agora::agoractl {

void add_checkpoint_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto name = std::make_shared<std::string>();
  auto* cp_cmd = app.add_subcommand("checkpoint", "consumer checkpoints")->require_subcommand(1);
  auto* get = cp_cmd->add_subcommand("get", "print a consumer's checkpoint and how far it lags the log");
  add_store_option(get, ctx);
  get->add_option("name", *name, "consumer name, e.g. outbox")->required();
  out.push_back({get, [&ctx, name] {
                   auto store = open_for_read(ctx.store_path);
                   if (!store) return fail(store.error());
                   auto cp = (*store)->get_checkpoint(*name);
                   if (!cp) return fail(cp.error().message);
                   if (!cp->has_value()) return fail("no checkpoint named '" + *name + "'");
                   const auto last = (*store)->last_position();
                   report r;
                   r.add("name", *name).add("position", **cp).add("last_position", last);
                   r.add("lag", last > **cp ? last - **cp : 0);
                   r.print(ctx);
                   return static_cast<int>(exit_ok);
                 }});
}

}  // namespace agora::agoractl
