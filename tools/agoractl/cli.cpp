#include "tools/agoractl/cli.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "common/json_writer.hpp"
#include "eventstore/store_lock.hpp"

namespace agora::agoractl {

namespace es = agora::eventstore;
namespace fs = std::filesystem;

int fail(const std::string& msg, int code) {
  std::fprintf(stderr, "agoractl: %s\n", msg.c_str());
  return code;
}

bool cli_context::json_output() const { return json || ::isatty(STDOUT_FILENO) == 0; }

void add_store_option(CLI::App* c, cli_context& ctx) {
  c->add_option("--store", ctx.store_path, "event store directory")->capture_default_str()->envname("AGORA_STORE_PATH");
}

report& report::add(const std::string& key, const std::string& v) {
  json_writer w;
  w.value(v);
  fields_.push_back(field{key, w.str(), v});
  return *this;
}

report& report::add(const std::string& key, std::uint64_t v) {
  fields_.push_back(field{key, std::to_string(v), std::to_string(v)});
  return *this;
}

report& report::add(const std::string& key, double v) {
  json_writer w;
  w.value(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  fields_.push_back(field{key, w.str(), buf});
  return *this;
}

report& report::add(const std::string& key, bool v) {
  fields_.push_back(field{key, v ? "true" : "false", v ? "yes" : "no"});
  return *this;
}

report& report::add_json(const std::string& key, std::string json) {
  std::string text = json;
  fields_.push_back(field{key, std::move(json), std::move(text)});
  return *this;
}

void report::print(const cli_context& ctx, std::FILE* out) const {
  if (ctx.json_output()) {
    json_writer w;
    w.begin_object();
    for (const auto& f : fields_) w.key(f.key).raw(f.json);
    w.end_object();
    std::fprintf(out, "%s\n", w.str().c_str());
    return;
  }
  for (const auto& f : fields_) std::fprintf(out, "%-16s %s\n", (f.key + ":").c_str(), f.text.c_str());
}

opened_store::opened_store(std::unique_ptr<es::event_store> s, std::string secondary_dir, bool live)
    : store_(std::move(s)), secondary_dir_(std::move(secondary_dir)), live_(live) {}

opened_store::~opened_store() {
  store_.reset();  // close before its info-log directory goes
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_dir_, ec);
  }
}

std::string held_message(const std::string& path, long pid) {
  std::string who = pid > 0 ? " (process " + std::to_string(pid) + ")" : "";
  return "the store at " + path + " is held by a running agorad or another tool" + who +
         ": stop it first. Reads (store verify, log read, export, backup) work while it runs; writes do not";
}

expected<opened_store, std::string> open_for_read(const std::string& path, bool follow) {
  const auto lock = es::probe_store_lock(path);
  if (lock.state == es::store_lock_state::status::no_store) {
    return unexpected{"no event store at " + path + " (no CURRENT file): check --store or $AGORA_STORE_PATH"};
  }
  es::store_options o;
  o.path = path;
  std::string secondary_dir;
  if (follow || lock.state == es::store_lock_state::status::held) {
    // A secondary instance keeps its own info log; a private temp directory
    // holds it for as long as this process reads.
    std::string tmpl = (fs::temp_directory_path() / "agoractl-secondary-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) return unexpected{"cannot create a temporary directory in /tmp"};
    secondary_dir = tmpl;
    o.mode = es::open_mode::secondary;
    o.secondary_path = secondary_dir;
  } else {
    o.mode = es::open_mode::read_only;
  }
  // Tools read big ranges once: a small cache is enough.
  o.block_cache_bytes = 32u << 20;
  auto s = es::event_store::open(o);
  if (!s) {
    if (!secondary_dir.empty()) {
      std::error_code ec;
      fs::remove_all(secondary_dir, ec);
    }
    return unexpected{std::move(s).error().message};
  }
  return opened_store(std::move(*s), std::move(secondary_dir), lock.state == es::store_lock_state::status::held);
}

expected<std::unique_ptr<es::event_store>, std::string> open_for_write(const std::string& path, bool create,
                                                                     bool sync) {
  const auto lock = es::probe_store_lock(path);
  if (lock.state == es::store_lock_state::status::held) return unexpected{held_message(path, lock.holder_pid)};
  if (lock.state == es::store_lock_state::status::no_store && !create) {
    return unexpected{"no event store at " + path + " (no CURRENT file): check --store or $AGORA_STORE_PATH"};
  }
  es::store_options o;
  o.path = path;
  o.create_if_missing = create;
  o.sync = sync;
  auto s = es::event_store::open(o);
  if (!s) {
    // Lost a race with a starting agorad: RocksDB's own lock refused us.
    const auto again = es::probe_store_lock(path);
    if (again.state == es::store_lock_state::status::held) return unexpected{held_message(path, again.holder_pid)};
    return unexpected{std::move(s).error().message};
  }
  return std::move(*s);
}

namespace {
volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }
}  // namespace

void catch_stop_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

bool stop_requested() { return g_stop != 0; }

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::uint64_t disk_bytes(const std::string& path) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto n = it->file_size(size_ec);
      if (!size_ec) total += n;
    }
  }
  return total;
}

}  // namespace agora::agoractl
