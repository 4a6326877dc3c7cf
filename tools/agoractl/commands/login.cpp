// login EMAIL --out FILE: logs in to a running node and saves the token into
// FILE (created owner-only), for the online commands' --token-file. The
// password comes from a prompt without echo or from standard input, never the
// command line; the token is never printed.

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/agoractl/commands/commands.hpp"
#include "tools/agoractl/online.hpp"

namespace agora::agoractl {

namespace {

struct login_options {
  online_options node;
  std::string out;
};

// Writes `token` into `path`, owner-only (0600 from its creation, so no
// moment where others may read it), replacing an older token.
expected<void, std::string> save_token(const std::string& path, const std::string& token) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return unexpected{"--out " + path + ": " + std::strerror(errno)};
  const std::string line = token + "\n";
  const bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return unexpected{"--out " + path + ": " + std::strerror(err)};
  return {};
}

int run_login(const cli_context& ctx, const login_options& o) {
  auto link = admin_link::open(o.node);
  if (!link) return fail(link.error());
  // Who the token is for: an account that is not an admin is refused here
  // rather than at the first online command.
  auto me = link->call("GET", "/api/auth/me");
  if (!me) return fail(me.error());
  simdjson::dom::parser p;
  simdjson::dom::element root;
  std::string_view email, role;
  if (p.parse(*me).get(root) || root["email"].get(email) || root["role"].get(role)) {
    return fail("the node's answer to GET /api/auth/me is not as expected");
  }
  if (role != "admin") {
    return fail(std::string(email) + " is not an admin on the node at " + link->url() + " (role " +
                std::string(role) + "): no token saved");
  }
  if (auto saved = save_token(o.out, link->token()); !saved) return fail(saved.error());
  report r;
  r.add("url", link->url()).add("email", std::string(email)).add("role", std::string(role)).add("token_file", o.out);
  r.print(ctx);
  return exit_ok;
}

}  // namespace

void add_login_commands(CLI::App& app, cli_context& ctx, command_table& out) {
  auto o = std::make_shared<login_options>();
  auto* login = app.add_subcommand(
      "login",
      "log in to a running node as an admin and save the token into --out (owner-only), for --token-file; the "
      "password is prompted for, or read from standard input");
  login->add_option("email", o->node.login, "the admin's e-mail")->required();
  login->add_option("--url", o->node.url, "the node (http://HOST:PORT)")->envname("AGORA_URL");
  login->add_option("--out", o->out, "the file to save the token into (created or replaced, mode 600)")->required();
  login->add_option("--timeout-ms", o->node.timeout_ms, "how long a connect, send or answer may take")
      ->check(CLI::Range(100, 3'600'000))
      ->capture_default_str();
  out.push_back({login, [&ctx, o] { return run_login(ctx, *o); }});
}

}  // namespace agora::agoractl
