#pragma once
// Process-wide logging on spdlog: human-readable lines for a terminal, or JSON
// lines (one object per line: ts, level, logger, msg, thread) for collectors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/config.hpp"
#include "common/expected.hpp"
#include "common/option_error.hpp"

namespace agora {

enum class log_format { human, json };

/// Options for setup_logging().
struct log_options {
  log_format format = log_format::human;
  /// trace, debug, info, warn, error, critical, off.
  std::string level = "info";
  /// Empty: standard error. Otherwise a file path (appended to).
  std::string file;
  /// Reads log.format, log.level, log.file from `cfg`. An unknown format or
  /// level is refused, naming the key.
  static expected<log_options, option_error> from_config(config& cfg);
};

/// Installs the default spdlog logger as `options` say. Returns an error message
/// for a bad level or format or an unwritable file; logging is left as it was then.
/// Call once at start, before other threads log.
[[nodiscard]] std::optional<std::string> setup_logging(const log_options& options);

/// Formats one JSON log line (without the newline). Exposed for tests.
std::string format_json_log_line(std::string_view ts_rfc3339, std::string_view level,
                                 std::string_view logger, std::string_view msg,
                                 std::uint64_t thread_id);

}  // namespace agora
