#include "common/logging.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.hpp"

namespace agora {
namespace {

using ::testing::HasSubstr;

struct log_line {
  std::string ts;
  std::string level;
  std::string logger;
  std::string msg;
  std::uint64_t thread = 0;
};

// Parses one JSON log line with simdjson; fails the test when a field is
// missing or has the wrong type.
log_line parse_line(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  log_line out;
  const auto err = parser.parse(json).get(obj);
  EXPECT_EQ(err, simdjson::SUCCESS) << json;
  if (err != simdjson::SUCCESS) return out;
  std::string_view sv;
  EXPECT_EQ(obj["ts"].get_string().get(sv), simdjson::SUCCESS) << json;
  out.ts = std::string(sv);
  EXPECT_EQ(obj["level"].get_string().get(sv), simdjson::SUCCESS) << json;
  out.level = std::string(sv);
  EXPECT_EQ(obj["logger"].get_string().get(sv), simdjson::SUCCESS) << json;
  out.logger = std::string(sv);
  EXPECT_EQ(obj["msg"].get_string().get(sv), simdjson::SUCCESS) << json;
  out.msg = std::string(sv);
  EXPECT_EQ(obj["thread"].get_uint64().get(out.thread), simdjson::SUCCESS) << json;
  EXPECT_EQ(obj.size(), 5u) << json;
  return out;
}

bool looks_like_rfc3339_us(const std::string& ts) {
  // 2026-11-22T03:02:49.123456Z
  if (ts.size() != 27) return false;
  const std::string pattern = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (pattern[i] == 'd' ? (ts[i] < '0' || ts[i] > '9') : ts[i] != pattern[i]) return false;
  }
  return true;
}

class TempPath {
 public:
  TempPath() {
    char tmpl[] = "/tmp/agora_logging_test_XXXXXX";
    const int fd = ::mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
  }
  ~TempPath() { std::remove(path_.c_str()); }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const std::string& path() const { return path_; }

  std::vector<std::string> lines() const {
    std::ifstream in(path_);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }

 private:
  std::string path_;
};

TEST(Logging, FormatJsonLogLineParses) {
  const std::string msg = "said \"hi\"\nthen\ttabbed \\ and \x01\x1F\x7F and \xFF bad byte, é ok";
  const std::string line =
      format_json_log_line("2026-11-22T03:02:49.123456Z", "warning", "store", msg,
                           std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(line.find('\n'), std::string::npos) << "a log line must stay one line";
  const log_line l = parse_line(line);
  EXPECT_EQ(l.ts, "2026-11-22T03:02:49.123456Z");
  EXPECT_EQ(l.level, "warning");
  EXPECT_EQ(l.logger, "store");
  EXPECT_EQ(l.msg, "said \"hi\"\nthen\ttabbed \\ and \x01\x1F\x7F and \xEF\xBF\xBD bad byte, é ok");
  EXPECT_EQ(l.thread, std::numeric_limits<std::uint64_t>::max());
}

TEST(Logging, FromConfigDefaults) {
  config cfg;
  const auto parsed = log_options::from_config(cfg);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const log_options& o = *parsed;
  EXPECT_EQ(o.format, log_format::human);
  EXPECT_EQ(o.level, "info");
  EXPECT_EQ(o.file, "");
  EXPECT_THAT(cfg.print(), HasSubstr("log.format = human  # default"));
  EXPECT_THAT(cfg.unknown_keys(), ::testing::IsEmpty());
}

TEST(Logging, FromConfigReadsKeys) {
  config cfg;
  ASSERT_FALSE(cfg.load_text("[log]\nformat = JSON\nlevel = debug\nfile = /tmp/x.log\n", "t"));
  const auto parsed = log_options::from_config(cfg);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const log_options& o = *parsed;
  EXPECT_EQ(o.format, log_format::json);
  EXPECT_EQ(o.level, "debug");
  EXPECT_EQ(o.file, "/tmp/x.log");
  EXPECT_THAT(cfg.unknown_keys(), ::testing::IsEmpty());
}

TEST(Logging, BadLevelIsAnErrorAndChangesNothing) {
  const auto before = spdlog::default_logger();
  log_options o;
  o.level = "loud";
  const auto err = setup_logging(o);
  ASSERT_TRUE(err);
  EXPECT_THAT(*err, HasSubstr("loud"));
  EXPECT_EQ(spdlog::default_logger(), before);
}

TEST(Logging, BadFormatOrLevelFromConfigIsRefusedNamingTheKey) {
  config cfg;
  cfg.set("log.format", "xml");
  const auto o = log_options::from_config(cfg);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().key, "log.format");
  EXPECT_THAT(o.error().message, HasSubstr("log.format"));
  EXPECT_THAT(o.error().message, HasSubstr("xml"));

  config loud;
  loud.set("log.level", "loud");
  const auto l = log_options::from_config(loud);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().key, "log.level");
  EXPECT_THAT(l.error().message, HasSubstr("loud"));
}

TEST(Logging, UnwritableFileIsAnError) {
  const auto before = spdlog::default_logger();
  // A regular file used as a directory: fails even for root (spdlog would
  // create missing directories, so a made-up path is not enough).
  TempPath not_a_dir;
  log_options o;
  o.file = not_a_dir.path() + "/agora.log";
  const auto err = setup_logging(o);
  ASSERT_TRUE(err);
  EXPECT_EQ(spdlog::default_logger(), before);
}

TEST(Logging, JsonToFileWritesParseableLines) {
  TempPath file;
  log_options o;
  o.format = log_format::json;
  o.level = "info";
  o.file = file.path();
  ASSERT_FALSE(setup_logging(o));

  const timestamp_us before = system_clock::instance().now();
  spdlog::info("hello {} \"quoted\"\nsecond line", 42);
  spdlog::debug("filtered out at info");
  spdlog::warn("careful");
  spdlog::default_logger()->flush();
  const timestamp_us after = system_clock::instance().now();

  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 2u);
  const log_line first = parse_line(lines[0]);
  EXPECT_EQ(first.level, "info");
  EXPECT_EQ(first.logger, "agora");
  EXPECT_EQ(first.msg, "hello 42 \"quoted\"\nsecond line");
  EXPECT_NE(first.thread, 0u);
  EXPECT_TRUE(looks_like_rfc3339_us(first.ts)) << first.ts;
  // The timestamp is the time of the call, to the second.
  EXPECT_GE(first.ts.substr(0, 19), format_rfc3339(before).substr(0, 19));
  EXPECT_LE(first.ts.substr(0, 19), format_rfc3339(after).substr(0, 19));
  const log_line second = parse_line(lines[1]);
  EXPECT_EQ(second.level, "warning");
  EXPECT_EQ(second.msg, "careful");
}

TEST(Logging, LevelIsApplied) {
  TempPath file;
  log_options o;
  o.format = log_format::json;
  o.level = "DEBUG";  // level names are case-insensitive
  o.file = file.path();
  ASSERT_FALSE(setup_logging(o));
  spdlog::trace("not shown");
  spdlog::debug("shown");
  spdlog::default_logger()->flush();
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(parse_line(lines[0]).msg, "shown");
}

TEST(Logging, HumanFormatToFile) {
  TempPath file;
  log_options o;
  o.format = log_format::human;
  o.file = file.path();
  ASSERT_FALSE(setup_logging(o));
  spdlog::error("disk {} is full", "/data");
  spdlog::default_logger()->flush();
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("disk /data is full"));
  EXPECT_THAT(lines[0], HasSubstr("error"));
  EXPECT_THAT(lines[0], HasSubstr("[agora]"));
}

TEST(Logging, AppendsToAnExistingFile) {
  TempPath file;
  { std::ofstream(file.path()) << "existing line\n"; }
  log_options o;
  o.format = log_format::json;
  o.file = file.path();
  ASSERT_FALSE(setup_logging(o));
  spdlog::info("appended");
  spdlog::default_logger()->flush();
  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "existing line");
  EXPECT_EQ(parse_line(lines[1]).msg, "appended");
}

}  // namespace
}  // namespace agora
