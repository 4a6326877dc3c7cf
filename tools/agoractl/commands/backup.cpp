// backup DIR | restore DIR --to DATA: whole-store copies.
//
// backup: a store nobody holds is checkpointed by RocksDB (hard links, a
// consistent point in time). A store agorad holds cannot be checkpointed from
// outside (a checkpoint needs the owner's handle), so agoractl opens a
// secondary instance and copies every column family at one snapshot of it:
// consistent too, and agorad keeps running. Either way the copy is built
// under a temporary name, verified, and renamed: DIR exists only when whole.
//
// backup DIR --url: the running node writes a RocksDB checkpoint of its own
// store into DIR on its machine (POST /api/admin/backup): a true checkpoint
// of the live store (hard links), which only the store's owner can make.
//
// restore: the backup's files are copied beside the target, verified, and
// swapped in with one rename (or an atomic exchange with --force).

#include <CLI/CLI.hpp>
#include <simdjson.h>

#include <chrono>
#include <filesystem>

#include "common/json_writer.hpp"
#include "eventstore/store_lock.hpp"
#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/dir_swap.hpp"
#include "tools/agoractl/export_format.hpp"
#include "tools/agoractl/online.hpp"

namespace agora::agoractl {

namespace es = agora::eventstore;
namespace fs = std::filesystem;

namespace {

struct backup_options {
  std::string dir;
  std::string to;
  bool force = false;
  bool no_verify = false;
  online_options node;
};

struct checked_store {
  std::uint64_t events = 0;
  es::log_position last_position = 0;
  std::string checksum;
};

// Opens `dir` read-only and runs the store's verify and the log checksum.
expected<checked_store, std::string> check_copy(const std::string& dir, bool verify) {
  auto s = open_for_read(dir);
  if (!s) return unexpected{s.error()};
  checked_store out;
  out.last_position = (*s)->last_position();
  if (verify) {
    auto rep = (*s)->verify();
    if (!rep) return unexpected{rep.error().message};
    if (!rep->ok) return unexpected{"verify fails: " + (rep->problems.empty() ? std::string() : rep->problems[0])};
  }
  log_checksum sum;
  auto n = (*s)->scan_log(1, out.last_position, [&sum](const es::event_view& v) {
    sum.add(v);
    return true;
  });
  if (!n) return unexpected{n.error().message};
  out.events = *n;
  out.checksum = sum.hex();
  return out;
}

int run_backup(const cli_context& ctx, const backup_options& o) {
  const auto start = std::chrono::steady_clock::now();
  if (!missing_or_empty(o.dir)) return fail(o.dir + " exists and is not empty: back up into a new directory");
  const auto lock = es::probe_store_lock(ctx.store_path);
  if (lock.state == es::store_lock_state::status::no_store) {
    return fail("no event store at " + ctx.store_path + " (no CURRENT file): check --store or $AGORA_STORE_PATH");
  }
  if (auto parent = check_parent(o.dir); !parent) return fail(parent.error());
  temp_dir_guard guard(sibling_temp(o.dir, "partial"));
  const std::string& tmp = guard.path();
  std::string method;
  if (lock.state == es::store_lock_state::status::free) {
    method = "checkpoint";
    auto s = open_for_write(ctx.store_path, /*create=*/false);
    if (!s) return fail(s.error());
    if (auto c = (*s)->create_checkpoint(tmp); !c) return fail(c.error().message);
  } else {
    method = "copy";
    auto s = open_for_read(ctx.store_path);
    if (!s) return fail(s.error());
    if (auto c = (*s)->copy_to(tmp); !c) return fail(c.error().message);
  }
  auto checked = check_copy(tmp, !o.no_verify);
  if (!checked) return fail("the backup does not check out: " + checked.error() + "; no backup written");
  if (auto sy = sync_tree(tmp); !sy) return fail(sy.error());
  if (auto in = install_dir(tmp, o.dir); !in) return fail(in.error());
  guard.keep();
  report r;
  r.add("backup", o.dir).add("method", method).add("live", lock.state == es::store_lock_state::status::held);
  r.add("events", checked->events).add("last_position", checked->last_position).add("checksum", checked->checksum);
  r.add("bytes", disk_bytes(o.dir)).add("seconds", seconds_since(start));
  r.print(ctx);
  return exit_ok;
}

// The node checks DIR (absolute, new, outside its store) and answers what it
// wrote; the copy is on the node's machine, where `agoractl store verify
// --store DIR` checks it.
int run_online_backup(const cli_context& ctx, const backup_options& o) {
  auto link = admin_link::open(o.node);
  if (!link) return fail(link.error());
  json_writer w;
  w.begin_object().key("dir").value(o.dir).end_object();
  auto body = link->call("POST", "/api/admin/backup", std::move(w).take());
  if (!body) return fail(body.error());
  simdjson::dom::parser p;
  simdjson::dom::element root;
  std::string_view dir;
  std::uint64_t position = 0, bytes = 0, ms = 0;
  if (p.parse(*body).get(root) || root["dir"].get(dir) || root["position"].get(position) ||
      root["bytes"].get(bytes) || root["ms"].get(ms)) {
    return fail("the node's answer to POST /api/admin/backup is not as expected");
  }
  report r;
  r.add("backup", std::string(dir)).add("method", "node checkpoint").add("url", link->url());
  r.add("last_position", position).add("bytes", bytes).add("seconds", static_cast<double>(ms) / 1000.0);
  r.print(ctx);
  return exit_ok;
}

int run_restore(const cli_context& ctx, const backup_options& o) {
  const auto start = std::chrono::steady_clock::now();
  const auto src = es::probe_store_lock(o.dir);
  if (src.state == es::store_lock_state::status::no_store) return fail("no backup (no event store) at " + o.dir);
  const auto dst = es::probe_store_lock(o.to);
  if (dst.state == es::store_lock_state::status::held) return fail(held_message(o.to, dst.holder_pid));
  if (!missing_or_empty(o.to) && !o.force) {
    return fail(o.to + " is not empty: restore into a new directory, or pass --force to replace it (its contents "
                "are deleted once the restored store is in place)");
  }
  if (auto parent = check_parent(o.to); !parent) return fail(parent.error());
  temp_dir_guard guard(sibling_temp(o.to, "restore"));
  const std::string& tmp = guard.path();
  std::error_code ec;
  fs::copy(o.dir, tmp, fs::copy_options::recursive, ec);
  if (ec) return fail("copying " + o.dir + " to " + tmp + ": " + ec.message() + "; " + o.to + " is unchanged");
  auto checked = check_copy(tmp, !o.no_verify);
  if (!checked) return fail("the backup does not check out: " + checked.error() + "; " + o.to + " is unchanged");
  if (auto sy = sync_tree(tmp); !sy) return fail(sy.error());
  if (auto in = install_dir(tmp, o.to); !in) return fail(in.error());
  guard.keep();
  report r;
  r.add("store", o.to).add("from", o.dir).add("events", checked->events).add("last_position", checked->last_position);
  r.add("checksum", checked->checksum).add("seconds", seconds_since(start));
  r.print(ctx);
  return exit_ok;
}

}  // namespace

void add_backup_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<backup_options>();
  auto* backup = app.add_subcommand(
      "backup",
      "write a consistent copy of the store into DIR (a new directory), also while agorad runs; the copy is "
      "verified before it appears under its name; --url: the running node writes a checkpoint into DIR on its "
      "machine");
  add_store_option(backup, ctx);
  backup->add_option("dir", o->dir, "the backup directory (must not exist, or be empty)")->required();
  backup->add_flag("--no-verify", o->no_verify, "skip the verify of the copy (faster; the checksum is still printed)");
  add_online_options(backup, o->node,
                     "online: the running node writes a checkpoint of its store into DIR, an absolute path on "
                     "its machine",
                     /*url_from_env=*/false);
  out.push_back({backup, [&ctx, o] { return o->node.url.empty() ? run_backup(ctx, *o) : run_online_backup(ctx, *o); }});

  auto* restore = app.add_subcommand(
      "restore", "put a backup in place as the store at --to (agorad stopped); all or nothing");
  restore->add_option("dir", o->dir, "a backup directory written by agoractl backup")->required();
  restore->add_option("--to", o->to, "the store directory to restore into")->required();
  restore->add_flag("--force", o->force, "replace a non-empty --to (swapped atomically, then the old one deleted)");
  restore->add_flag("--no-verify", o->no_verify, "skip the verify of the restored copy");
  out.push_back({restore, [&ctx, o] { return run_restore(ctx, *o); }});
}

}  // namespace agora::agoractl
