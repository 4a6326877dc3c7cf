#pragma once
// Configuration: built-in defaults, then a file, then environment variables,
// then command-line flags; each layer overrides the one before.
//
// Keys are dotted, lower-case: `store.path`, `store.sync`, `log.format`.
//   file:   INI-style. `[store]` then `path = ./data` sets `store.path`.
//           `#` and `;` start comments; values may be "double-quoted".
//   env:    AGORA_STORE_PATH=./data sets `store.path` (prefix AGORA_, `.` -> `_`,
//           upper case). Because `_` is ambiguous, an env var only applies to keys
//           that some module reads (see below), matched case-insensitively.
//   flags:  --store.path=./data or --store.path ./data; --set store.path=./data.
//
// Modules read their keys with get_*(key, default). The config remembers each
// key read, with its default, so it can print the effective configuration and
// report keys that were set but never read (usually typos): agorad refuses to
// start with unknown keys rather than silently ignoring them.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agora {

/// Where a configuration value came from.
enum class config_source { default_value, file, environment, command_line };

/// Returns "default", "file", "env" or "flag".
const char* to_string(config_source s) noexcept;

/// How secret a value is: what print() shows and where the value may come from.
enum class config_secrecy : std::uint8_t {
  /// An ordinary value.
  none,
  /// The whole value is a secret (a signing key, a password): print() shows
  /// `<redacted>` when it is set, and a value given on the command line is an
  /// error (every local user can read a process's flags in /proc/PID/cmdline
  /// and `ps`): it must come from the environment or a file.
  secret,
  /// A list of `name=value` properties separated by ',' (librdkafka's): print()
  /// shows `<redacted>` for the value of each property whose name looks like a
  /// secret (it contains password, secret, token, credential, jaas or key,
  /// e.g. sasl.password, ssl.key.password), and such a property given on the
  /// command line is an error, as for `secret`.
  properties,
};

/// True when a property named `name` is treated as a secret (see
/// config_secrecy::properties).
bool looks_like_secret_name(std::string_view name) noexcept;

/// The layered configuration of one process. Thread-safe after loading.
class config {
 public:
  config() = default;

  /// Loads an INI-style file. Returns an error message (with the line number)
  /// on a syntax error or when the file cannot be read; nothing is applied then.
  [[nodiscard]] std::optional<std::string> load_file(const std::string& path);
  /// Loads values from an INI-style text (what load_file reads). `origin` names
  /// it in error messages.
  [[nodiscard]] std::optional<std::string> load_text(std::string_view text, std::string_view origin);
  /// Takes every AGORA_* variable from `envp` (a NULL-terminated array like
  /// `environ`). They are matched to keys when the keys are read.
  void load_environment(const char* const* envp);
  /// Parses flags of the form --a.b=c, --a.b c, --set a.b=c. Any argument that is
  /// not such a flag is returned in `rest` (program-specific flags such as
  /// --config or --help, and positionals), in order. Returns an error message
  /// for a flag that has no value.
  [[nodiscard]] std::optional<std::string> load_args(int argc, const char* const* argv,
                                                     std::vector<std::string>* rest);
  /// Sets one value (as if from `source`).
  void set(std::string key, std::string value, config_source source = config_source::command_line);

  /// Typed getters: the value of `key`, or `def` when unset. Each call records
  /// the key as known, with its default, for print() and unknown_keys().
  /// A value that does not parse as the type is recorded as an error (see
  /// errors()) and `def` is returned.
  /// `secrecy` marks a secret value (see config_secrecy); it is remembered
  /// for print() whichever call reads the key.
  std::string get_string(std::string_view key, std::string_view def, std::string_view help = {},
                         config_secrecy secrecy = config_secrecy::none);
  std::int64_t get_int(std::string_view key, std::int64_t def, std::string_view help = {});
  /// Accepts true/false, yes/no, on/off, 1/0 (any case).
  bool get_bool(std::string_view key, bool def, std::string_view help = {});
  /// Accepts a number with an optional unit: 500ms, 30s, 5m, 2h; a bare number is
  /// milliseconds. Returns milliseconds.
  std::int64_t get_duration_ms(std::string_view key, std::int64_t def_ms, std::string_view help = {});
  /// Accepts a number with an optional unit: 512, 64KiB, 16MiB, 2GiB (also KB/MB/GB
  /// as powers of 1024, and k/m/g). Returns bytes.
  std::uint64_t get_bytes(std::string_view key, std::uint64_t def, std::string_view help = {});

  /// Records a problem a module found in its settings (a value out of range,
  /// an unreadable key file), reported with errors(). The message names the key.
  void report_error(std::string message);

  /// Keys read as secrets (see config_secrecy) whose value came from `source`
  /// and holds a secret, so the caller can check that source's protection
  /// (agorad refuses a config file with secrets that others may read).
  std::vector<std::string> secret_keys_from(config_source source) const;

  /// Keys that were set (file, env with an exact key match, flags) but never read.
  std::vector<std::string> unknown_keys() const;
  /// Values that did not parse, as "key: why" messages.
  std::vector<std::string> errors() const;
  /// The effective configuration: every key read so far, its value and where it
  /// came from, one `key = value  # source` line each, sorted by key, in the
  /// INI-style file syntax (so the output can be saved and loaded back, apart
  /// from secrets: their values print as `<redacted>`, see config_secrecy).
  std::string print() const;

 private:
  struct entry {
    std::string value;
    config_source source = config_source::default_value;
    bool read = false;
    config_secrecy secrecy = config_secrecy::none;
    std::string help;
  };
  std::optional<std::string> lookup(std::string_view key, std::string_view def, std::string_view help,
                                    config_source* source);

  mutable std::mutex mu_;
  std::map<std::string, entry, std::less<>> entries_;
  std::map<std::string, std::string, std::less<>> env_;  // normalized NAME -> value
  std::vector<std::string> errors_;
};

/// The configuration file to load: `given` when not empty, else $AGORA_CONFIG
/// when set, else ./agora.conf when it exists, else "" (no file). agorad and
/// agoractl find it the same way.
std::string find_config_file(std::string given);

}  // namespace agora
