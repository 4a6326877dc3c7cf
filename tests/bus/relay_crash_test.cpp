// Crash safety of the outbox relay: a child process appends and relays to a
// broker that lives in this process; it is killed with SIGKILL mid-stream,
// twice, then a third run drains the log. Afterwards no event is missing from
// the topic, only events after a kill-time checkpoint appear more than once,
// and the feed consumer delivers each event exactly once.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "bus/embedded_broker.hpp"
#include "bus/feed_consumer.hpp"
#include "eventstore/event_store.hpp"
#include "tests/bus/kafka_test_util.hpp"
#include "tests/support/seed.hpp"
#include "tests/support/temp_dir.hpp"

#ifndef AGORA_RELAY_CRASH_CHILD
#error "AGORA_RELAY_CRASH_CHILD must name the child executable"
#endif

namespace agora::bus {
namespace {

using namespace std::chrono_literals;

// Runs the child in `mode`; with kill_after_delivered > 0 kills it with SIGKILL
// once it reports that many delivered events plus `extra` time. Returns the
// child's output and whether it died by SIGKILL (kill mode) or exited 0.
std::pair<std::string, bool> run_child(const std::string& store, const std::string& bootstrap, const std::string& mode,
                                       const std::string& run_id, std::uint64_t kill_after_delivered,
                                       std::chrono::milliseconds extra) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(AGORA_RELAY_CRASH_CHILD, AGORA_RELAY_CRASH_CHILD, store.c_str(), bootstrap.c_str(), mode.c_str(),
            run_id.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  bool killed = false;
  auto reached = std::chrono::steady_clock::time_point{};
  const auto deadline = std::chrono::steady_clock::now() + 40s;
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    ::poll(&p, 1, 10);
    const ssize_t n = (p.revents & (POLLIN | POLLHUP)) ? ::read(fds[0], buf, sizeof buf) : -1;
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    if (n == 0) break;
    const auto now = std::chrono::steady_clock::now();
    if (!killed && kill_after_delivered > 0) {
      if (reached == std::chrono::steady_clock::time_point{}) {
        const auto at = out.rfind("DELIVERED ");
        if (at != std::string::npos && std::strtoull(out.c_str() + at + 10, nullptr, 10) >= kill_after_delivered) {
          reached = now;
        }
      }
      if ((reached != std::chrono::steady_clock::time_point{} && now - reached >= extra) || now > deadline) {
        ::kill(pid, SIGKILL);
        killed = true;
      }
    } else if (!killed && now > deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const bool ok = kill_after_delivered > 0 ? (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
                                           : (WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return {out, ok};
}

TEST(OutboxRelayCrash, SigkillMidStreamLosesNothingAndDuplicatesOnlyAfterTheCheckpoint) {
  agora::testing::temp_dir dir("agora-relay-crash");
  const std::string path = dir.sub("store");
  embedded_broker_options bo;
  bo.topics = {"agora.order"};
  auto broker = embedded_broker::start(bo);
  ASSERT_TRUE(broker) << broker.error();
  const std::string bootstrap = (*broker)->bootstrap_servers();
  std::mt19937 rng(agora::testing::test_seed());

  std::vector<eventstore::log_position> kill_checkpoints;
  std::uint64_t delivered_target = 300;
  for (int round = 0; round < 2; ++round) {
    const auto extra = std::chrono::milliseconds(50 + rng() % 250);
    auto [out, ok] = run_child(path, bootstrap, "append", "r" + std::to_string(round), delivered_target, extra);
    ASSERT_TRUE(ok) << "round " << round << ": the child should have died by SIGKILL; output:\n" << out;
    eventstore::store_options so;
    so.path = path;
    auto store = eventstore::event_store::open(so);
    ASSERT_TRUE(store) << store.error().message;
    auto cp = (*store)->get_checkpoint("outbox.kafka");
    ASSERT_TRUE(cp);
    const auto checkpoint = cp->value_or(0);
    const auto last = (*store)->last_position();
    std::printf("round %d: killed with checkpoint %llu of %llu events\n", round,
                static_cast<unsigned long long>(checkpoint), static_cast<unsigned long long>(last));
    EXPECT_GT(checkpoint, 0u);
    EXPECT_LE(checkpoint, last);
    kill_checkpoints.push_back(checkpoint);
    delivered_target = last + 300;
  }
  auto [out, ok] = run_child(path, bootstrap, "drain", "drain", 0, 0ms);
  ASSERT_TRUE(ok) << out;

  eventstore::store_options so;
  so.path = path;
  auto opened = eventstore::event_store::open(so);
  ASSERT_TRUE(opened);
  auto log = (*opened)->read_log(1, 1000000);
  ASSERT_TRUE(log);
  auto cp = (*opened)->get_checkpoint("outbox.kafka");
  ASSERT_TRUE(cp && cp->has_value());
  EXPECT_EQ(**cp, log->size()) << "the drain run checkpointed everything";
  std::map<std::string, eventstore::log_position> position_of;
  for (const auto& e : *log) position_of[e.id.to_string()] = e.position;

  // The topic, as an outside consumer sees it.
  auto msgs = testing::read_all(bootstrap, {"agora.order"}, log->size(), 1500ms, 30s);
  std::map<std::string, int> copies;
  for (const auto& m : msgs) ++copies[m.headers.at("event_id")];
  // Each run starts from the checkpoint its predecessor left, so an event can
  // be published again only by the runs that started below it: one copy, plus
  // one per kill whose checkpoint had not passed it yet.
  std::size_t duplicated = 0;
  for (const auto& [id, pos] : position_of) {
    const int c = copies.count(id) ? copies[id] : 0;
    EXPECT_GE(c, 1) << "event at position " << pos << " is missing from the topic";
    const auto restarts_below = std::count_if(kill_checkpoints.begin(), kill_checkpoints.end(),
                                              [pos = pos](eventstore::log_position kill_cp) { return kill_cp < pos; });
    EXPECT_LE(c, 1 + restarts_below) << "event at " << pos << " was published " << c
                                     << " times, but only " << restarts_below
                                     << " restarts began below it (kill checkpoints " << kill_checkpoints[0] << ", "
                                     << kill_checkpoints[1] << ")";
    if (c > 1) ++duplicated;
  }
  EXPECT_EQ(copies.size(), position_of.size()) << "the topic holds events the store does not";
  std::printf("%zu events, %zu messages, %zu events published more than once\n", log->size(), msgs.size(),
              duplicated);

  // The feed consumer turns that into exactly once.
  std::mutex mu;
  std::map<std::string, int> delivered;
  feed_consumer_options fo;
  fo.bootstrap_servers = bootstrap;
  fo.group_id = "crash-feed";
  fo.topics = {"agora.order"};
  auto consumer = feed_consumer::start(fo, [&](const std::vector<feed_event>& batch) -> expected<void, std::string> {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& e : batch) ++delivered[e.id.to_string()];
    return {};
  });
  ASSERT_TRUE(consumer) << consumer.error();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (delivered.size() >= position_of.size() || std::chrono::steady_clock::now() > deadline) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(500ms);
  (*consumer)->stop();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(delivered.size(), position_of.size());
  for (const auto& [id, n] : delivered) {
    EXPECT_EQ(n, 1) << "feed delivered " << id << " " << n << " times";
    EXPECT_TRUE(position_of.count(id));
  }
  EXPECT_EQ((*consumer)->stats().duplicates, msgs.size() - position_of.size());
}

}  // namespace
}  // namespace agora::bus
