#pragma once
// What agoractl's online commands share: where the node is (--url,
// $AGORA_URL), who calls it (an admin token from --token-file or
// $AGORA_TOKEN, or --login EMAIL with the password from a prompt or standard
// input; never a token or password on the command line, which ps and shell
// history see), and one message per way a call can fail: the node
// unreachable, the token refused (401) or not an admin's (403), Problem
// Details from the node as "title: detail".

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.hpp"
#include "tools/agoractl/cli.hpp"

namespace agora::agoractl {

class node_client;

/// The options of an online command.
struct online_options {
  /// --url, $AGORA_URL: http://HOST:PORT of the node.
  std::string url;
  /// --token-file: a file holding an admin's token (one line).
  std::string token_file;
  /// --login: log in as this admin (the password is prompted for or read
  /// from standard input) instead of a token.
  std::string login;
  /// --timeout-ms: each connect, write and read at most this long.
  int timeout_ms = 30000;
};

/// Adds --url, --token-file, --login and --timeout-ms to `c`. `url_help`
/// says what --url does for this command. `url_from_env`: $AGORA_URL is
/// --url's default; false where --url switches a command from offline to
/// online (backup), which an exported variable must not do behind one's back.
void add_online_options(CLI::App* c, online_options& o, const std::string& url_help, bool url_from_env = true);

/// Why an online call failed: the message, and the exit code (usage 2 for a
/// missing --url or token, else 1).
struct online_error {
  std::string message;
  int code = exit_failure;
};

/// Prints the error (fail()) and answers its exit code.
int fail(const online_error& e);

/// A connection to a node as an admin.
class admin_link {
 public:
  /// Checks the URL and gets the token (reading --token-file or $AGORA_TOKEN,
  /// or logging in with --login). Nothing is asked of the node yet, except the
  /// login.
  static expected<admin_link, online_error> open(const online_options& o);
  admin_link(admin_link&&) noexcept;
  admin_link& operator=(admin_link&&) noexcept;
  ~admin_link();

  /// `method target` as the admin: the body of a 2xx answer, else the
  /// failure, worded for an operator.
  expected<std::string, online_error> call(std::string_view method, std::string_view target,
                                           const std::string& body = {});

  /// The URL as given.
  const std::string& url() const;
  /// The bearer token calls carry (agoractl login saves it).
  const std::string& token() const { return token_; }

 private:
  admin_link(std::unique_ptr<node_client> client, std::string token);
  std::unique_ptr<node_client> client_;
  std::string token_;
};

/// One read model as GET /api/admin/projections reports it.
struct node_model_status {
  std::string name;
  std::uint64_t position = 0;
  std::uint64_t lag = 0;
  std::uint64_t events_applied = 0;
  bool rebuilding = false;
  /// While rebuilding: the position the rebuild has reached.
  std::uint64_t rebuild_position = 0;
  std::string last_error;
};

/// GET /api/admin/projections.
expected<std::vector<node_model_status>, online_error> fetch_status(admin_link& link);

/// One read model's checksum as GET /api/admin/projections/checksums reports it.
struct node_checksum {
  std::string name;
  std::uint64_t position = 0;
  /// 16 hex digits, as agoractl replay prints them.
  std::string checksum;
  std::uint64_t count = 0;
};

/// The checksums of `names` (all when empty), in the node's order: one
/// request for all, or one per model when a single one is asked.
expected<std::vector<node_checksum>, online_error> fetch_checksums(admin_link& link,
                                                                   const std::vector<std::string>& names);

/// One read model's dry run as GET /api/admin/projections/{name}/dry-run
/// reports it.
struct node_dry_run {
  std::string name;
  /// "running", "done" or "failed".
  std::string state;
  std::uint64_t position = 0;
  std::uint64_t target = 0;
  bool equal = false;
  std::uint64_t live_entries = 0;
  std::uint64_t shadow_entries = 0;
  std::uint64_t only_live = 0;
  std::uint64_t only_shadow = 0;
  std::uint64_t differing = 0;
  /// The first differing keys: (kind, key), kind only_live, only_shadow or value_differs.
  std::vector<std::pair<std::string, std::string>> first;
  std::string error;
};

/// GET /api/admin/projections/{name}/dry-run.
expected<node_dry_run, online_error> fetch_dry_run(admin_link& link, const std::string& name);

}  // namespace agora::agoractl
