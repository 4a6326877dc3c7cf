#include "common/logging.hpp"

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <memory>

#include "common/clock.hpp"
#include "common/json_writer.hpp"

namespace agora {

namespace {

// Human lines: UTC timestamps so they line up with the JSON lines and event data.
constexpr const char* k_human_pattern = "%Y-%m-%dT%H:%M:%S.%fZ %^%-8l%$ [%n] [%t] %v";

void write_log_line(json_writer& w, std::string_view ts, std::string_view level, std::string_view logger,
                    std::string_view msg, std::uint64_t thread_id) {
  w.begin_object()
      .key("ts").value(ts)
      .key("level").value(level)
      .key("logger").value(logger)
      .key("msg").value(msg)
      .key("thread").value(thread_id)
      .end_object();
}

std::string_view to_std(spdlog::string_view_t s) noexcept { return std::string_view(s.data(), s.size()); }

// One JSON object per line. spdlog calls format() under the sink's lock, so the
// reused writer buffer needs no locking of its own.
class json_log_formatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(msg.time.time_since_epoch()).count();
    w_.clear();
    write_log_line(w_, format_rfc3339(us), to_std(spdlog::level::to_string_view(msg.level)),
                   to_std(msg.logger_name), to_std(msg.payload), msg.thread_id);
    const std::string& line = w_.str();
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<json_log_formatter>(); }

 private:
  json_writer w_{256};
};

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return r;
}

}  // namespace

expected<log_options, option_error> log_options::from_config(config& cfg) {
  log_options o;
  const std::string format = cfg.get_string("log.format", "human", "log line format: human or json");
  o.level = cfg.get_string("log.level", "info", "trace, debug, info, warn, error, critical or off");
  o.file = cfg.get_string("log.file", "", "log file (appended to); empty for standard error");
  // Every key is read (and so declared for --print-config) before the first
  // refusal.
  const std::string f = lower(format);
  if (f == "human") {
    o.format = log_format::human;
  } else if (f == "json") {
    o.format = log_format::json;
  } else {
    return unexpected(option_error{"log.format", "log.format: invalid value '" + format + "', expected human or json"});
  }
  const std::string level_name = lower(o.level);
  if (spdlog::level::from_str(level_name) == spdlog::level::off && level_name != "off") {
    return unexpected(option_error{"log.level", "log.level: invalid value '" + o.level +
                                                    "', expected trace, debug, info, warn, error, critical or off"});
  }
  return o;
}

std::optional<std::string> setup_logging(const log_options& options) {
  if (options.format != log_format::human && options.format != log_format::json) {
    return std::string("invalid log format");
  }
  const std::string level_name = lower(options.level);
  const spdlog::level::level_enum level = spdlog::level::from_str(level_name);
  if (level == spdlog::level::off && level_name != "off") {
    return "invalid log level '" + options.level + "', expected trace, debug, info, warn, error, critical or off";
  }

  // spdlog reports failures (e.g. an unwritable file) by throwing; nothing
  // escapes from here, and the old logger stays installed until the new one is
  // complete.
  try {
    spdlog::sink_ptr sink;
    if (!options.file.empty()) {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file, /*truncate=*/false);
    } else if (options.format == log_format::json) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();  // no colour codes inside JSON
    } else {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    }
    if (options.format == log_format::json) {
      sink->set_formatter(std::make_unique<json_log_formatter>());
    } else {
      sink->set_formatter(std::make_unique<spdlog::pattern_formatter>(k_human_pattern, spdlog::pattern_time_type::utc));
    }
    auto logger = std::make_shared<spdlog::logger>("agora", std::move(sink));
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
  } catch (const std::exception& e) {
    return std::string("cannot set up logging: ") + e.what();
  }
  return std::nullopt;
}

std::string format_json_log_line(std::string_view ts_rfc3339, std::string_view level, std::string_view logger,
                                 std::string_view msg, std::uint64_t thread_id) {
  json_writer w(64 + msg.size());
  write_log_line(w, ts_rfc3339, level, logger, msg, thread_id);
  return std::move(w).take();
}

}  // namespace agora
