#include "common/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace agora {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Runs load_args over a list of strings.
std::optional<std::string> load_args(config& cfg, const std::vector<std::string>& args,
                                     std::vector<std::string>* rest) {
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return cfg.load_args(static_cast<int>(args.size()), argv.data(), rest);
}

void load_env(config& cfg, const std::vector<std::string>& vars) {
  std::vector<const char*> envp;
  for (const auto& v : vars) envp.push_back(v.c_str());
  envp.push_back(nullptr);
  cfg.load_environment(envp.data());
}

// --- file syntax -------------------------------------------------------------

TEST(Config, ParsesSectionsCommentsQuotesAndWhitespace) {
  config cfg;
  const auto err = cfg.load_text(
      "# a comment\n"
      "; another comment\n"
      "top = level\n"
      "\n"
      "[store]\n"
      "path = ./data   # trailing comment\n"
      "  sync=always;also a comment\n"
      "\tname\t=\t spaced value \t\n"
      "quoted = \"  keep # and ; inside  \"  ; comment\n"
      "escaped = \"a \\\"q\\\" b\\\\c \\n d\"\n"
      "url = http://host/page#frag\n"
      "empty =\n"
      "empty_quoted = \"\"\n"
      "[ http.server ]  # comment after section\n"
      "Port = 8080\r\n"
      "max-body = 1MiB\n",
      "test.ini");
  ASSERT_FALSE(err) << *err;
  EXPECT_EQ(cfg.get_string("top", ""), "level");
  EXPECT_EQ(cfg.get_string("store.path", ""), "./data");
  EXPECT_EQ(cfg.get_string("store.sync", ""), "always;also a comment");
  EXPECT_EQ(cfg.get_string("store.name", ""), "spaced value");
  EXPECT_EQ(cfg.get_string("store.quoted", ""), "  keep # and ; inside  ");
  EXPECT_EQ(cfg.get_string("store.escaped", ""), "a \"q\" b\\c \n d");
  EXPECT_EQ(cfg.get_string("store.url", ""), "http://host/page#frag");
  EXPECT_EQ(cfg.get_string("store.empty", "def"), "");
  EXPECT_EQ(cfg.get_string("store.empty_quoted", "def"), "");
  EXPECT_EQ(cfg.get_int("http.server.port", 0), 8080);  // keys are case-insensitive
  EXPECT_EQ(cfg.get_bytes("http.server.max-body", 0), 1024u * 1024u);
  EXPECT_THAT(cfg.errors(), IsEmpty());
  EXPECT_THAT(cfg.unknown_keys(), IsEmpty());
}

TEST(Config, InlineCommentNeedsWhitespaceBeforeIt) {
  config cfg;
  ASSERT_FALSE(cfg.load_text("a.b = x#y\na.c = x #y\na.d = #only comment\n", "t"));
  EXPECT_EQ(cfg.get_string("a.b", ""), "x#y");
  EXPECT_EQ(cfg.get_string("a.c", ""), "x");
  EXPECT_EQ(cfg.get_string("a.d", "def"), "");
}

TEST(Config, EmptyTextIsFine) {
  config cfg;
  EXPECT_FALSE(cfg.load_text("", "empty"));
  EXPECT_FALSE(cfg.load_text("\n\n# only comments\n", "comments"));
  EXPECT_THAT(cfg.unknown_keys(), IsEmpty());
}

TEST(Config, SyntaxErrorReportsLineAndAppliesNothing) {
  struct tc {
    std::string text;
    std::string line;
  };
  const std::vector<tc> cases = {
      {"a.x = 1\n[store]\npath = p\nthis line has no equals\n", "bad.ini:4:"},
      {"a.x = 1\n[store\n", "bad.ini:2:"},
      {"a.x = 1\n[]\n", "bad.ini:2:"},
      {"a.x = 1\n[sto re]\n", "bad.ini:2:"},
      {"a.x = 1\n\n\nk = \"unterminated\n", "bad.ini:4:"},
      {"a.x = 1\nk = \"quoted\" junk\n", "bad.ini:2:"},
      {"a.x = 1\n = no key\n", "bad.ini:2:"},
      {"a.x = 1\nbad key! = 1\n", "bad.ini:2:"},
      {"a.x = 1\na..b = 1\n", "bad.ini:2:"},
      {"a.x = 1\n[s] trailing\n", "bad.ini:2:"},
  };
  for (const auto& c : cases) {
    config cfg;
    const auto err = cfg.load_text(c.text, "bad.ini");
    ASSERT_TRUE(err) << c.text;
    EXPECT_THAT(*err, HasSubstr(c.line)) << c.text;
    EXPECT_EQ(cfg.get_string("a.x", "unset"), "unset") << "applied despite error: " << c.text;
    EXPECT_EQ(cfg.get_string("store.path", "unset"), "unset");
    EXPECT_THAT(cfg.unknown_keys(), IsEmpty());
  }
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char tmpl[] = "/tmp/agora_config_test_XXXXXX";
    const int fd = ::mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(Config, LoadFile) {
  TempFile f("[store]\npath = /var/lib/agora\n");
  config cfg;
  ASSERT_FALSE(cfg.load_file(f.path()));
  EXPECT_EQ(cfg.get_string("store.path", ""), "/var/lib/agora");
  EXPECT_THAT(cfg.print(), HasSubstr("store.path = /var/lib/agora  # file"));
}

TEST(Config, LoadFileErrors) {
  config cfg;
  const auto missing = cfg.load_file("/nonexistent/agora.ini");
  ASSERT_TRUE(missing);
  EXPECT_THAT(*missing, HasSubstr("/nonexistent/agora.ini"));

  TempFile bad("ok.key = 1\n[broken\n");
  const auto err = cfg.load_file(bad.path());
  ASSERT_TRUE(err);
  EXPECT_THAT(*err, HasSubstr(bad.path() + ":2:"));
  EXPECT_EQ(cfg.get_int("ok.key", 0), 0);
}

// --- environment ---------------------------------------------------------------

TEST(Config, EnvironmentMatchesKeysWhenRead) {
  config cfg;
  load_env(cfg, {"AGORA_STORE_PATH=/env/data", "AGORA_LOG_FORMAT=json", "AGORA_HTTP_MAX_BODY=2MiB",
                 "agora_lower_case=yes", "PATH=/usr/bin", "AGORA_=nothing", "AGORA_NOEQUALS",
                 "AGORA_SOMETHING_ELSE=for another program"});
  EXPECT_EQ(cfg.get_string("store.path", "./data"), "/env/data");
  EXPECT_EQ(cfg.get_string("log.format", "human"), "json");
  EXPECT_EQ(cfg.get_bytes("http.max-body", 0), 2u * 1024 * 1024);  // '-' maps to '_' too
  EXPECT_TRUE(cfg.get_bool("lower.case", false));                   // matched case-insensitively
  EXPECT_EQ(cfg.get_string("store.other", "def"), "def");
  // An env var no key reads may be meant for another program: not an unknown key.
  EXPECT_THAT(cfg.unknown_keys(), IsEmpty());
  const std::string printed = cfg.print();
  EXPECT_THAT(printed, HasSubstr("store.path = /env/data  # env"));
  EXPECT_THAT(printed, HasSubstr("store.other = def  # default"));
}

TEST(Config, NullEnvironmentIsIgnored) {
  config cfg;
  cfg.load_environment(nullptr);
  EXPECT_EQ(cfg.get_string("a.b", "d"), "d");
}

// --- flags -------------------------------------------------------------------

TEST(Config, FlagsInAllFormsAndRestInOrder) {
  config cfg;
  std::vector<std::string> rest;
  const auto err = load_args(cfg,
                             {"agorad", "--config", "x.ini", "--store.path=/flag/data", "--help", "positional",
                              "--log.level", "debug", "--set", "http.port=9000", "--set=a.b=c=d", "-v",
                              "--store.sync=", "--other=1"},
                             &rest);
  ASSERT_FALSE(err) << *err;
  EXPECT_THAT(rest, ElementsAre("agorad", "--config", "x.ini", "--help", "positional", "-v", "--other=1"));
  EXPECT_EQ(cfg.get_string("store.path", ""), "/flag/data");
  EXPECT_EQ(cfg.get_string("log.level", ""), "debug");
  EXPECT_EQ(cfg.get_int("http.port", 0), 9000);
  EXPECT_EQ(cfg.get_string("a.b", ""), "c=d");
  EXPECT_EQ(cfg.get_string("store.sync", "def"), "");
  EXPECT_THAT(cfg.print(), HasSubstr("store.path = /flag/data  # flag"));
}

TEST(Config, DoubleDashEndsFlagParsing) {
  config cfg;
  std::vector<std::string> rest;
  ASSERT_FALSE(load_args(cfg, {"--a.b=1", "--", "--c.d=2", "x"}, &rest));
  EXPECT_THAT(rest, ElementsAre("--", "--c.d=2", "x"));
  EXPECT_EQ(cfg.get_int("a.b", 0), 1);
  EXPECT_EQ(cfg.get_int("c.d", 0), 0);
}

TEST(Config, FlagWithoutValueIsAnErrorAndAppliesNothing) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--x.y=1", "--store.path"}, std::vector<std::string>{"--x.y=1", "--store.path", "--help"},
        std::vector<std::string>{"--x.y=1", "--set"}, std::vector<std::string>{"--x.y=1", "--set", "novalue"},
        std::vector<std::string>{"--x.y=1", "--set", "=v"}, std::vector<std::string>{"--x.y=1", "--bad..key=1"}}) {
    config cfg;
    std::vector<std::string> rest;
    const auto err = load_args(cfg, args, &rest);
    ASSERT_TRUE(err) << testing::PrintToString(args);
    EXPECT_FALSE(err->empty());
    EXPECT_EQ(cfg.get_int("x.y", 0), 0) << "applied despite error: " << testing::PrintToString(args);
    EXPECT_THAT(rest, IsEmpty());
  }
}

// --- precedence and unknown keys ------------------------------------------------

TEST(Config, PrecedenceDefaultFileEnvFlag) {
  config cfg;
  std::vector<std::string> rest;
  // Flags first (as agorad does, to find --config), then file, then env: the
  // order of loading must not change who wins.
  ASSERT_FALSE(load_args(cfg, {"--k.flag=flag", "--k.all=flag"}, &rest));
  ASSERT_FALSE(cfg.load_text("[k]\nfile = file\nfile_env = file\nall = file\nflag = file\n", "f"));
  load_env(cfg, {"AGORA_K_FILE_ENV=env", "AGORA_K_ALL=env", "AGORA_K_ENV=env", "AGORA_K_FLAG=env"});

  EXPECT_EQ(cfg.get_string("k.default", "default"), "default");
  EXPECT_EQ(cfg.get_string("k.file", "default"), "file");
  EXPECT_EQ(cfg.get_string("k.file_env", "default"), "env");
  EXPECT_EQ(cfg.get_string("k.env", "default"), "env");
  EXPECT_EQ(cfg.get_string("k.all", "default"), "flag");
  EXPECT_EQ(cfg.get_string("k.flag", "default"), "flag");

  // A later, lower layer does not override what a higher one set.
  cfg.set("k.flag", "from file", config_source::file);
  EXPECT_EQ(cfg.get_string("k.flag", "default"), "flag");
  // Same layer again: the later value wins.
  cfg.set("k.flag", "second flag");
  EXPECT_EQ(cfg.get_string("k.flag", "default"), "second flag");

  const std::string printed = cfg.print();
  EXPECT_THAT(printed, HasSubstr("k.default = default  # default"));
  EXPECT_THAT(printed, HasSubstr("k.file = file  # file"));
  EXPECT_THAT(printed, HasSubstr("k.file_env = env  # env"));
  EXPECT_THAT(printed, HasSubstr("k.all = flag  # flag"));
}

TEST(Config, UnknownKeysAreSetButNeverRead) {
  config cfg;
  std::vector<std::string> rest;
  ASSERT_FALSE(cfg.load_text("[store]\npath = p\npaht = typo\n", "f"));
  ASSERT_FALSE(load_args(cfg, {"--log.levle=debug", "--log.level=debug"}, &rest));
  cfg.set("api.extra", "1");
  load_env(cfg, {"AGORA_NOT_READ_BY_ANYONE=1"});
  EXPECT_EQ(cfg.get_string("store.path", ""), "p");
  EXPECT_EQ(cfg.get_string("log.level", ""), "debug");
  EXPECT_THAT(cfg.unknown_keys(), ElementsAre("api.extra", "log.levle", "store.paht"));
  (void)cfg.get_int("api.extra", 0);
  EXPECT_THAT(cfg.unknown_keys(), ElementsAre("log.levle", "store.paht"));
}

// --- typed getters -----------------------------------------------------------------

TEST(Config, BoolSpellings) {
  config cfg;
  const std::vector<std::pair<std::string, bool>> cases = {
      {"true", true}, {"TRUE", true}, {"True", true}, {"yes", true}, {"YES", true}, {"on", true},  {"On", true},
      {"1", true},    {"false", false}, {"FALSE", false}, {"no", false}, {"No", false}, {"off", false},
      {"OFF", false}, {"0", false}, {" yes ", true}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string key = "b.k" + std::to_string(i);
    cfg.set(key, cases[i].first);
    EXPECT_EQ(cfg.get_bool(key, !cases[i].second), cases[i].second) << cases[i].first;
  }
  EXPECT_THAT(cfg.errors(), IsEmpty());
  EXPECT_TRUE(cfg.get_bool("b.unset", true));
  EXPECT_FALSE(cfg.get_bool("b.unset2", false));
}

TEST(Config, BadValuesRecordAnErrorAndReturnTheDefault) {
  config cfg;
  cfg.set("t.bool", "maybe");
  cfg.set("t.int", "12abc");
  cfg.set("t.big", "99999999999999999999");
  cfg.set("t.dur", "5 fortnights");
  cfg.set("t.negdur", "-5s");
  cfg.set("t.bytes", "12XB");
  cfg.set("t.bytesover", "17179869184GiB");
  cfg.set("t.empty", "");
  EXPECT_TRUE(cfg.get_bool("t.bool", true));
  EXPECT_EQ(cfg.get_int("t.int", 7), 7);
  EXPECT_EQ(cfg.get_int("t.big", 8), 8);
  EXPECT_EQ(cfg.get_duration_ms("t.dur", 9), 9);
  EXPECT_EQ(cfg.get_duration_ms("t.negdur", 10), 10);
  EXPECT_EQ(cfg.get_bytes("t.bytes", 11), 11u);
  EXPECT_EQ(cfg.get_bytes("t.bytesover", 12), 12u);
  EXPECT_EQ(cfg.get_int("t.empty", 13), 13);
  // Reading a bad key twice reports it once.
  EXPECT_TRUE(cfg.get_bool("t.bool", true));

  const auto errors = cfg.errors();
  ASSERT_EQ(errors.size(), 8u) << testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("t.bool: "));
  EXPECT_THAT(errors[0], HasSubstr("maybe"));
  EXPECT_THAT(errors[1], HasSubstr("t.int: "));
  EXPECT_THAT(errors[2], HasSubstr("t.big: "));
  EXPECT_THAT(errors[3], HasSubstr("t.dur: "));
  EXPECT_THAT(errors[4], HasSubstr("t.negdur: "));
  EXPECT_THAT(errors[5], HasSubstr("t.bytes: "));
  EXPECT_THAT(errors[6], HasSubstr("t.bytesover: "));
  EXPECT_THAT(errors[7], HasSubstr("t.empty: "));
}

TEST(Config, Integers) {
  config cfg;
  cfg.set("i.a", "42");
  cfg.set("i.b", "-7");
  cfg.set("i.c", "+3");
  cfg.set("i.d", " 5 ");
  cfg.set("i.min", "-9223372036854775808");
  cfg.set("i.max", "9223372036854775807");
  EXPECT_EQ(cfg.get_int("i.a", 0), 42);
  EXPECT_EQ(cfg.get_int("i.b", 0), -7);
  EXPECT_EQ(cfg.get_int("i.c", 0), 3);
  EXPECT_EQ(cfg.get_int("i.d", 0), 5);
  EXPECT_EQ(cfg.get_int("i.min", 0), INT64_MIN);
  EXPECT_EQ(cfg.get_int("i.max", 0), INT64_MAX);
  EXPECT_EQ(cfg.get_int("i.unset", -1), -1);
  EXPECT_THAT(cfg.errors(), IsEmpty());
}

TEST(Config, Durations) {
  config cfg;
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"500ms", 500},      {"30s", 30'000},  {"5m", 300'000}, {"2h", 7'200'000}, {"250", 250},
      {"0", 0},            {"10 s", 10'000}, {"1MS", 1},       {"3min", 180'000}, {"1d", 86'400'000},
      {" 7s ", 7'000}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string key = "d.k" + std::to_string(i);
    cfg.set(key, cases[i].first);
    EXPECT_EQ(cfg.get_duration_ms(key, -1), cases[i].second) << cases[i].first;
  }
  EXPECT_THAT(cfg.errors(), IsEmpty());
  EXPECT_EQ(cfg.get_duration_ms("d.unset", 1234), 1234);
  EXPECT_THAT(cfg.print(), HasSubstr("d.unset = 1234ms  # default"));
}

TEST(Config, Bytes) {
  config cfg;
  const std::vector<std::pair<std::string, std::uint64_t>> cases = {
      {"512", 512},
      {"64KiB", 64u * 1024},
      {"16MiB", 16u * 1024 * 1024},
      {"2GiB", 2ull * 1024 * 1024 * 1024},
      {"4KB", 4096},
      {"3MB", 3u * 1024 * 1024},
      {"1GB", 1ull << 30},
      {"8k", 8192},
      {"2m", 2u << 20},
      {"1g", 1ull << 30},
      {"1 TiB", 1ull << 40},
      {"100b", 100},
      {"18446744073709551615", UINT64_MAX}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string key = "s.k" + std::to_string(i);
    cfg.set(key, cases[i].first);
    EXPECT_EQ(cfg.get_bytes(key, 1), cases[i].second) << cases[i].first;
  }
  EXPECT_THAT(cfg.errors(), IsEmpty());
}

// --- print ---------------------------------------------------------------------------

TEST(Config, PrintListsEveryReadKeyAndLoadsBack) {
  config cfg;
  ASSERT_FALSE(cfg.load_text("[store]\npath = /data\n", "f"));
  load_env(cfg, {"AGORA_LOG_FORMAT=json"});
  cfg.set("odd.empty", "");
  cfg.set("odd.hash", "a # not a comment ; really");
  cfg.set("odd.quote", "say \"hi\" \\ bye");
  cfg.set("odd.spaces", "  padded  ");
  cfg.set("odd.newline", "line1\nline2\ttab");
  cfg.set("odd.bracket", "[not a section]");
  cfg.set("never.read", "x");

  struct read {
    std::string key;
    std::string def;
  };
  const std::vector<read> reads = {{"store.path", "./d"},  {"log.format", "human"}, {"log.level", "info"},
                                   {"odd.empty", "def"},   {"odd.hash", ""},        {"odd.quote", ""},
                                   {"odd.spaces", ""},     {"odd.newline", ""},     {"odd.bracket", ""}};
  for (const auto& r : reads) (void)cfg.get_string(r.key, r.def, "help for " + r.key);
  (void)cfg.get_duration_ms("store.sync_interval", 500);
  (void)cfg.get_bool("store.fsync", true);

  const std::string printed = cfg.print();
  EXPECT_THAT(printed, HasSubstr("store.path = /data  # file"));
  EXPECT_THAT(printed, HasSubstr("log.format = json  # env"));
  EXPECT_THAT(printed, HasSubstr("log.level = info  # default"));
  EXPECT_THAT(printed, HasSubstr("store.fsync = true  # default"));
  EXPECT_THAT(printed, HasSubstr("help for store.path"));
  EXPECT_THAT(printed, ::testing::Not(HasSubstr("never.read")));
  // Sorted by key, one line per key read.
  EXPECT_LT(printed.find("log.format"), printed.find("log.level"));
  EXPECT_LT(printed.find("odd.spaces"), printed.find("store.fsync"));
  std::size_t lines = 0;
  for (char c : printed) lines += c == '\n';
  EXPECT_EQ(lines, reads.size() + 2);

  config back;
  const auto err = back.load_text(printed, "printed");
  ASSERT_FALSE(err) << *err << "\n" << printed;
  for (const auto& r : reads) {
    EXPECT_EQ(back.get_string(r.key, "<unset>"), cfg.get_string(r.key, r.def)) << r.key << "\n" << printed;
  }
  EXPECT_EQ(back.get_duration_ms("store.sync_interval", 1), 500);
  EXPECT_TRUE(back.get_bool("store.fsync", false));
  EXPECT_THAT(back.errors(), IsEmpty());
  EXPECT_THAT(back.unknown_keys(), IsEmpty());
}

TEST(Config, SourceNames) {
  EXPECT_STREQ(to_string(config_source::default_value), "default");
  EXPECT_STREQ(to_string(config_source::file), "file");
  EXPECT_STREQ(to_string(config_source::environment), "env");
  EXPECT_STREQ(to_string(config_source::command_line), "flag");
}

TEST(Config, ConcurrentReadsAndSets) {
  config cfg;
  ASSERT_FALSE(cfg.load_text("[t]\nshared = 5\n", "f"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cfg, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = "t.k" + std::to_string(t) + "_" + std::to_string(i % 50);
        cfg.set(key, std::to_string(i));
        EXPECT_EQ(cfg.get_int("t.shared", 0), 5);
        (void)cfg.get_int(key, 0);
        if (i % 100 == 0) (void)cfg.print();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(cfg.errors(), IsEmpty());
  EXPECT_THAT(cfg.unknown_keys(), IsEmpty());
}

// --- secrets ------------------------------------------------------------------

TEST(ConfigSecrets, PrintRedactsSecretValues) {
  config cfg;
  ASSERT_FALSE(cfg.load_text("[auth]\njwt_secret = file-secret-0123456789abcdef0123456789\n", "f"));
  EXPECT_EQ(cfg.get_string("auth.jwt_secret", "", "key", config_secrecy::secret),
            "file-secret-0123456789abcdef0123456789");
  (void)cfg.get_string("auth.other_secret", "", "unset", config_secrecy::secret);
  const std::string printed = cfg.print();
  EXPECT_THAT(printed, Not(HasSubstr("file-secret")));
  EXPECT_THAT(printed, HasSubstr("auth.jwt_secret = <redacted>  # file"));
  EXPECT_THAT(printed, HasSubstr("auth.other_secret = \"\"  # default")) << "an unset secret shows it is unset";
  EXPECT_THAT(cfg.errors(), IsEmpty());
}

TEST(ConfigSecrets, SecretFromTheEnvironmentIsAcceptedAndRedacted) {
  config cfg;
  load_env(cfg, {"AGORA_AUTH_JWT_SECRET=env-secret-value-0123456789abcdef"});
  EXPECT_EQ(cfg.get_string("auth.jwt_secret", "", "", config_secrecy::secret), "env-secret-value-0123456789abcdef");
  EXPECT_THAT(cfg.print(), HasSubstr("auth.jwt_secret = <redacted>  # env"));
  EXPECT_THAT(cfg.print(), Not(HasSubstr("env-secret-value")));
  EXPECT_THAT(cfg.errors(), IsEmpty());
}

TEST(ConfigSecrets, SecretOnTheCommandLineIsAnErrorThatSaysWhatToUse) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--auth.jwt_secret=flag-secret-0123456789abcdef"},
        std::vector<std::string>{"--set", "auth.jwt_secret=flag-secret-0123456789abcdef"}}) {
    config cfg;
    ASSERT_FALSE(load_args(cfg, args, nullptr));
    (void)cfg.get_string("auth.jwt_secret", "", "", config_secrecy::secret);
    ASSERT_EQ(cfg.errors().size(), 1u);
    const std::string e = cfg.errors()[0];
    EXPECT_THAT(e, HasSubstr("auth.jwt_secret"));
    EXPECT_THAT(e, HasSubstr("command line"));
    EXPECT_THAT(e, HasSubstr("AGORA_AUTH_JWT_SECRET"));
    EXPECT_THAT(e, HasSubstr("_file"));
    EXPECT_THAT(e, Not(HasSubstr("flag-secret"))) << "the error must not repeat the secret";
    EXPECT_THAT(cfg.print(), Not(HasSubstr("flag-secret")));
  }
}

TEST(ConfigSecrets, PropertiesShowOnlyTheirNonSecretValues) {
  config cfg;
  ASSERT_FALSE(cfg.load_text(
      "[kafka]\nproducer_properties = security.protocol=sasl_ssl,sasl.username=agora,sasl.password=hunter2hunter2,"
      "ssl.key.password=keypw,sasl.oauthbearer.client.secret=oauthsecret\n",
      "f"));
  (void)cfg.get_string("kafka.producer_properties", "", "", config_secrecy::properties);
  const std::string printed = cfg.print();
  EXPECT_THAT(printed, HasSubstr("security.protocol=sasl_ssl,sasl.username=agora,sasl.password=<redacted>,"
                                 "ssl.key.password=<redacted>,sasl.oauthbearer.client.secret=<redacted>"));
  for (const char* secret : {"hunter2", "keypw", "oauthsecret"}) EXPECT_THAT(printed, Not(HasSubstr(secret)));
  EXPECT_THAT(cfg.errors(), IsEmpty());
}

TEST(ConfigSecrets, SecretPropertiesOnTheCommandLineAreAnErrorOthersAreNot) {
  config cfg;
  ASSERT_FALSE(load_args(cfg, {"--kafka.producer_properties=sasl.password=hunter2", "--kafka.feed.props=linger.ms=5"},
                         nullptr));
  (void)cfg.get_string("kafka.producer_properties", "", "", config_secrecy::properties);
  (void)cfg.get_string("kafka.feed.props", "", "", config_secrecy::properties);
  ASSERT_EQ(cfg.errors().size(), 1u);
  EXPECT_THAT(cfg.errors()[0], HasSubstr("kafka.producer_properties"));
  EXPECT_THAT(cfg.errors()[0], Not(HasSubstr("hunter2")));
  EXPECT_THAT(cfg.print(), HasSubstr("kafka.feed.props = linger.ms=5  # flag"));
}

TEST(ConfigSecrets, ModulesReportTheirOwnProblemsOnce) {
  config cfg;
  cfg.report_error("auth.jwt_secret_file (/x): cannot open");
  cfg.report_error("auth.jwt_secret_file (/x): cannot open");
  EXPECT_THAT(cfg.errors(), ElementsAre("auth.jwt_secret_file (/x): cannot open"));
}

TEST(ConfigSecrets, SaysWhichSecretsCameFromWhichSource) {
  config cfg;
  ASSERT_FALSE(cfg.load_text("[auth]\njwt_secret = x\n[kafka]\nproducer_properties = linger.ms=5\n"
                             "consumer_properties = sasl.password=p\n",
                             "f"));
  load_env(cfg, {"AGORA_OTHER_SECRET=y"});
  (void)cfg.get_string("auth.jwt_secret", "", "", config_secrecy::secret);
  (void)cfg.get_string("kafka.producer_properties", "", "", config_secrecy::properties);
  (void)cfg.get_string("kafka.consumer_properties", "", "", config_secrecy::properties);
  (void)cfg.get_string("other.secret", "", "", config_secrecy::secret);
  (void)cfg.get_string("unset.secret", "", "", config_secrecy::secret);
  EXPECT_THAT(cfg.secret_keys_from(config_source::file), ElementsAre("auth.jwt_secret", "kafka.consumer_properties"));
  EXPECT_THAT(cfg.secret_keys_from(config_source::environment), ElementsAre("other.secret"));
  EXPECT_THAT(cfg.secret_keys_from(config_source::default_value), IsEmpty());
}

TEST(ConfigSecrets, SecretLookingPropertyNames) {
  for (const char* n : {"sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.jaas.config",
                        "sasl.oauthbearer.client.secret", "ssl.key.pem", "SASL.PASSWORD"}) {
    EXPECT_TRUE(looks_like_secret_name(n)) << n;
  }
  for (const char* n : {"security.protocol", "sasl.username", "linger.ms", "sasl.mechanisms"}) {
    EXPECT_FALSE(looks_like_secret_name(n)) << n;
  }
}

}  // namespace
}  // namespace agora
