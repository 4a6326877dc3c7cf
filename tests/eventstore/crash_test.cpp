// Crash safety: a child process appends in a loop and reports each
// acknowledged append; it is killed with SIGKILL at a random moment; after
// reopening, every acknowledged append is present whole, no append is present
// in part, versions are contiguous and the log has no gaps. Three rounds on the
// same store, so recovery after recovery is covered too.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "eventstore/event_store.hpp"
#include "tests/support/seed.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef AGORA_CRASH_CHILD
#error "AGORA_CRASH_CHILD must name the child executable"
#endif

namespace agora::eventstore {
namespace {

struct ack {
  std::string append_id;
  std::string stream;
  stream_version version = 0;
  log_position first = 0;
  log_position last = 0;
  int events = 0;
};

// Runs the child until it has acknowledged something and `kill_after` has
// passed, kills it with SIGKILL, and returns every ACK line it printed.
std::vector<ack> run_and_kill(const std::string& path, const std::string& run, unsigned seed,
                              std::chrono::milliseconds kill_after) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    const std::string seed_s = std::to_string(seed);
    ::execl(AGORA_CRASH_CHILD, AGORA_CRASH_CHILD, path.c_str(), run.c_str(), seed_s.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[65536];
  bool killed = false;
  auto started = std::chrono::steady_clock::time_point{};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    ::poll(&p, 1, 10);
    const ssize_t n = (p.revents & (POLLIN | POLLHUP)) ? ::read(fds[0], buf, sizeof buf) : -1;
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    if (n == 0) break;  // EOF: the child is gone and the pipe drained
    const auto now = std::chrono::steady_clock::now();
    if (!killed && started == std::chrono::steady_clock::time_point{} && out.find('\n') != std::string::npos) {
      started = now;
    }
    if (!killed && ((started != std::chrono::steady_clock::time_point{} && now - started >= kill_after) ||
                    now > deadline)) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child should have died by SIGKILL, status " << status;

  std::vector<ack> acks;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (lines.eof()) break;  // a line cut by the kill has no newline: not an ack
    std::istringstream f(line);
    std::string tag;
    ack a;
    f >> tag >> a.append_id >> a.stream >> a.version >> a.first >> a.last >> a.events;
    EXPECT_EQ(tag, "ACK") << line;
    acks.push_back(a);
  }
  return acks;
}

TEST(EventStoreCrash, AcknowledgedAppendsSurviveSigkillWholeAndNothingPartial) {
  testing::temp_dir dir;
  const std::string path = dir.sub("store");
  std::mt19937 rng(agora::testing::test_seed());
  std::vector<ack> all_acks;

  for (int round = 0; round < 3; ++round) {
    const auto kill_after = std::chrono::milliseconds(100 + rng() % 500);
    auto acks = run_and_kill(path, "r" + std::to_string(round), rng(), kill_after);
    ASSERT_FALSE(acks.empty()) << "round " << round << ": the child acknowledged nothing";
    all_acks.insert(all_acks.end(), acks.begin(), acks.end());

    store_options o;
    o.path = path;
    auto opened = event_store::open(o);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& store = **opened;

    // Log without gaps, streams contiguous and indexed, versions as recorded.
    auto rep = store.verify();
    ASSERT_TRUE(rep) << rep.error().message;
    ASSERT_TRUE(rep->ok) << (rep->problems.empty() ? std::string("verify() found problems but listed none")
                                                   : rep->problems.front());

    // No append present in part: group every stored event by its append id.
    struct seen_append {
      int n = 0;
      int count = 0;
      log_position first = ~0ull, last = 0;
    };
    std::map<std::string, seen_append> stored;
    simdjson::dom::parser parser;
    auto scanned = store.scan_log(1, ~std::size_t{0}, [&](const event_view& v) {
      auto doc = parser.parse(v.data.data(), v.data.size(), true);
      EXPECT_EQ(doc.error(), simdjson::SUCCESS);
      if (doc.error()) return false;
      auto& s = stored[std::string(std::string_view(doc["a"]))];
      s.n = static_cast<int>(int64_t(doc["n"]));
      s.count++;
      s.first = std::min(s.first, v.position);
      s.last = std::max(s.last, v.position);
      return true;
    });
    ASSERT_TRUE(scanned);
    EXPECT_EQ(*scanned, rep->events);
    for (const auto& [id, s] : stored) {
      EXPECT_EQ(s.count, s.n) << "append " << id << " is stored in part";
      EXPECT_EQ(s.last - s.first + 1, static_cast<log_position>(s.n)) << "append " << id << " is not contiguous";
    }

    // Every acknowledged append is there, whole, where the store said.
    for (const auto& a : all_acks) {
      auto it = stored.find(a.append_id);
      ASSERT_NE(it, stored.end()) << "acknowledged append " << a.append_id << " is lost";
      EXPECT_EQ(it->second.first, a.first);
      EXPECT_EQ(it->second.last, a.last);
      auto events = store.read_stream(a.stream, a.version - static_cast<stream_version>(a.events) + 1,
                                       static_cast<std::size_t>(a.events));
      ASSERT_TRUE(events);
      ASSERT_EQ(events->size(), static_cast<std::size_t>(a.events));
      EXPECT_EQ(events->back().version, a.version);
      EXPECT_EQ(events->front().position, a.first);
    }
    // The writer's version cache starts empty after the crash: the versions it
    // checks appends against are read back from the index, and are the last
    // ones written, acknowledged or not.
    std::map<std::string, stream_version> newest;
    for (const auto& a : acks) newest[a.stream] = std::max(newest[a.stream], a.version);
    int checked = 0;
    for (const auto& [stream, acked] : newest) {
      if (++checked > 5) break;
      auto current = store.current_version(stream);
      ASSERT_TRUE(current) << current.error().message;
      ASSERT_GE(*current, acked) << stream;
      std::vector<new_event> one(1);
      one[0].type = "AfterCrash";
      one[0].data = "{\"a\":\"after-" + std::to_string(round) + "-" + stream + "\",\"n\":1}";
      auto stale = store.append(stream, expected_version::exact(*current - 1), one);
      ASSERT_FALSE(stale) << stream << ": an append expecting an old version went through";
      EXPECT_EQ(stale.error().code, errc::wrong_expected_version) << stale.error().message;
      EXPECT_EQ(stale.error().actual_version, *current);
      auto fresh = store.append(stream, expected_version::exact(*current), one);
      ASSERT_TRUE(fresh) << stream << ": " << fresh.error().message;
      EXPECT_EQ(fresh->version, *current + 1);
    }
    std::printf("round %d: %zu acks (%zu in all), %llu events stored, %zu appends\n", round, acks.size(),
                all_acks.size(), static_cast<unsigned long long>(rep->events), stored.size());
  }
}

}  // namespace
}  // namespace agora::eventstore
