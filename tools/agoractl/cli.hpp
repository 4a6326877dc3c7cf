#pragma once
// What every agoractl command shares: exit codes, error messages, the output
// form (text on a terminal, JSON for scripts), and how a command opens the
// store: reads beside a running agorad, writes only when nobody holds it.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/expected.hpp"
#include "eventstore/event_store.hpp"

namespace CLI {
class App;
}

namespace agora::agoractl {

/// agoractl's exit codes (docs/OPERATIONS.md, "agoractl").
enum exit_code : int {
  exit_ok = 0,
  /// The command ran and failed (a problem found, an I/O error, a refusal).
  exit_failure = 1,
  /// The command line is wrong (unknown command, bad option value).
  exit_usage = 2,
};

/// Prints "agoractl: <msg>" on stderr and answers `code`.
int fail(const std::string& msg, int code = exit_failure);

/// Options every command sees.
struct cli_context {
  /// The event store directory (--store, $AGORA_STORE_PATH).
  std::string store_path = "./data/store";
  /// --json: results as one JSON object on stdout, whatever stdout is.
  bool json = false;
  /// Whether results are printed as JSON: --json, or stdout is not a terminal.
  bool json_output() const;
};

/// One parsed command: the CLI11 subcommand and what runs when it was given.
struct command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using command_table = std::vector<command>;

/// Adds --store to `c`, bound to ctx.store_path.
void add_store_option(CLI::App* c, cli_context& ctx);

/// A result of a command: fields printed as one JSON object or, on a
/// terminal, as "key: value" lines.
class report {
 public:
  report& add(const std::string& key, const std::string& v);
  report& add(const std::string& key, const char* v) { return add(key, std::string(v)); }
  report& add(const std::string& key, std::uint64_t v);
  report& add(const std::string& key, double v);
  report& add(const std::string& key, bool v);
  /// A JSON value (object or array) kept as is; printed as JSON in both forms.
  report& add_json(const std::string& key, std::string json);
  /// Prints to `out` (stderr when stdout carries data, e.g. export -).
  void print(const cli_context& ctx, std::FILE* out = stdout) const;

 private:
  struct field {
    std::string key;
    std::string json;  // the value as JSON
    std::string text;  // the value for people
  };
  std::vector<field> fields_;
};

/// A store opened by a tool, with whatever the open needs to live as long.
class opened_store {
 public:
  opened_store(std::unique_ptr<eventstore::event_store> s, std::string secondary_dir, bool live);
  ~opened_store();
  opened_store(opened_store&&) = default;
  opened_store& operator=(opened_store&&) = delete;
  eventstore::event_store& operator*() const { return *store_; }
  eventstore::event_store* operator->() const { return store_.get(); }
  /// Whether a running agorad holds the store (we read through a secondary).
  bool live() const { return live_; }

 private:
  std::unique_ptr<eventstore::event_store> store_;
  std::string secondary_dir_;  // removed on destruction
  bool live_ = false;
};

/// Opens the store at `path` for reading: read-only when nobody holds it, a
/// RocksDB secondary instance when agorad does. A missing store is an error
/// naming the path.
/// `follow`: always a secondary instance, which can catch up with a node that
/// starts or keeps writing after the open.
expected<opened_store, std::string> open_for_read(const std::string& path, bool follow = false);

/// Opens the store at `path` for writing, offline: refused, naming the
/// holder, when agorad (or another tool) has it open. `create` allows a new
/// store at a path that holds none.
expected<std::unique_ptr<eventstore::event_store>, std::string> open_for_write(const std::string& path,
                                                                             bool create, bool sync = true);

/// The message for a store another process holds.
std::string held_message(const std::string& path, long pid);

/// Installs SIGINT/SIGTERM handlers that only set a flag: long commands check
/// stop_requested() and end cleanly (a follow loop exits 0, an import
/// discards its temporary store).
void catch_stop_signals();
bool stop_requested();

/// Seconds since `t`.
double seconds_since(std::chrono::steady_clock::time_point t);

/// Bytes of the files under `path` (0 when it does not exist).
std::uint64_t disk_bytes(const std::string& path);

}  // namespace agora::agoractl
