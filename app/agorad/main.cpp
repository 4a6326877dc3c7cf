// agorad: runs one Agora node until SIGINT or SIGTERM.
//
//   agorad [--config FILE] [--print-config] [--check-config] [--<key>=<value>...]
//
// Configuration comes from built-in defaults, then FILE (or $AGORA_CONFIG, or
// ./agora.conf when present), then AGORA_* environment variables, then flags.

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "app/node.hpp"
#include "common/config.hpp"
#include "common/logging.hpp"

extern char** environ;

namespace {

constexpr const char* kUsage = R"(usage: agorad [options] [--<key>=<value> ...]

Runs one Agora node (event store; later: actors, HTTP gateway, Kafka relay)
until SIGINT or SIGTERM.

options:
  --config FILE     read configuration from FILE (default: $AGORA_CONFIG, or
                    ./agora.conf when it exists)
  --print-config    print the effective configuration and exit
  --check-config    check the configuration and exit (0 when valid)
  --help            show this help
  --version         show the version

Any key can be set with --<key>=<value> (e.g. --store.path=/var/lib/agora/store),
--set <key>=<value>, or the environment (AGORA_STORE_PATH=...). Secrets are the
exception: auth.jwt_secret and secret Kafka properties are refused as flags (any
local user can read them in /proc/PID/cmdline); use the environment
(AGORA_AUTH_JWT_SECRET=...), the config file or auth.jwt_secret_file, and
--print-config shows them as <redacted>.
)";

// Raises the soft limit on open files to the hard limit: each WebSocket
// client holds a socket for as long as it is connected, and the usual soft
// limit (1024) would refuse the 1025th long before realtime.max_connections.
// Returns the limit now in force.
rlim_t raise_open_files_limit() {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    struct rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &want) == 0) return want.rlim_cur;
  }
  return rl.rlim_cur;
}

int fail(const std::string& message, int code = 2) {
  std::fprintf(stderr, "agorad: %s\n", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the shutdown signals before any thread starts, so every thread
  // inherits the mask and only sigwait() below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  agora::config cfg;
  cfg.load_environment(environ);
  std::vector<std::string> rest;
  if (auto err = cfg.load_args(argc - 1, argv + 1, &rest)) return fail(*err);

  std::string config_file;
  bool print_config = false;
  bool check_only = false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--version") {
      std::puts("agorad 0.1.0");
      return 0;
    } else if (a == "--print-config") {
      print_config = true;
    } else if (a == "--check-config") {
      check_only = true;
    } else if (a == "--config" && i + 1 < rest.size()) {
      config_file = rest[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_file = a.substr(std::strlen("--config="));
    } else {
      return fail("unknown argument '" + a + "' (see --help)");
    }
  }
  config_file = agora::find_config_file(std::move(config_file));
  if (!config_file.empty()) {
    if (auto err = cfg.load_file(config_file)) return fail(*err);
  }
  // Flags still win over the file: config layers rank by source, not by order.

  const auto log_opts = agora::log_options::from_config(cfg);
  if (!log_opts) cfg.report_error(log_opts.error().message);
  // Every module's keys must be read before unknown ones can be judged.
  agora::node::declare_config(cfg);
  // A config file that holds secrets must be as private as a key file.
  if (!config_file.empty()) {
    if (auto keys = cfg.secret_keys_from(agora::config_source::file); !keys.empty()) {
      struct stat st {};
      if (::stat(config_file.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        std::string names;
        for (const auto& k : keys) names += (names.empty() ? "" : ", ") + k;
        char mode[8];
        std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
        cfg.report_error(config_file + " holds secrets (" + names + ") but its group or others may access it (mode " +
                         mode + "): chmod 600 " + config_file +
                         ", or move them to the environment or a key file (auth.jwt_secret_file)");
      }
    }
  }
  auto report_config_problems = [&cfg]() -> bool {
    bool bad = false;
    for (const auto& e : cfg.errors()) {
      std::fprintf(stderr, "agorad: config: %s\n", e.c_str());
      bad = true;
    }
    for (const auto& k : cfg.unknown_keys()) {
      std::fprintf(stderr, "agorad: config: unknown key '%s'\n", k.c_str());
      bad = true;
    }
    return bad;
  };
  if (print_config) {
    std::fputs(cfg.print().c_str(), stdout);
    return report_config_problems() ? 2 : 0;
  }
  if (report_config_problems()) return 2;
  if (check_only) return 0;

  // log_opts holds a value here: a refusal was reported just above.
  if (auto err = agora::setup_logging(*log_opts)) return fail(*err);
  spdlog::info("agorad 0.1.0 starting (pid {}, open files limit {})", ::getpid(),
               static_cast<unsigned long long>(raise_open_files_limit()));

  auto started = agora::node::start(cfg);
  if (!started) {
    spdlog::critical("cannot start: {}", started.error());
    return 1;
  }
  auto& node = *started;
  spdlog::info("agorad ready; SIGINT or SIGTERM stops it");

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  node->stop();
  spdlog::info("agorad stopped");
  spdlog::shutdown();
  return 0;
}
