// The work pool: named threads, a bounded queue, sources taking turns, and
// jobs whose exceptions stay in the pool.

#include "common/work_pool.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace agora {
namespace {

// A gate a job waits on until the test opens it.
struct gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

TEST(WorkPool, RunsJobsAndBoundsTheQueue) {
  std::atomic<int> done{0};
  {
    work_pool pool("test-pool", 1, 2);
    std::mutex gate;
    std::unique_lock hold(gate);
    // The first job blocks the only thread; two more fill the queue.
    ASSERT_TRUE(pool.post([&] {
      std::lock_guard g(gate);
      ++done;
    }));
    while (pool.queued() != 0) std::this_thread::yield();
    EXPECT_TRUE(pool.post([&] { ++done; }));
    EXPECT_TRUE(pool.post([&] { throw std::runtime_error("caught by the pool"); }));
    EXPECT_FALSE(pool.post([&] { ++done; }));  // full
    hold.unlock();
  }  // the destructor runs what was queued
  EXPECT_EQ(done.load(), 2);
}

TEST(WorkPool, SourcesTakeTurnsSoAFloodDelaysOthersByOneJobAtMost) {
  std::mutex order_mu;
  std::vector<std::string> order;
  auto record = [&](std::string what) {
    std::lock_guard lock(order_mu);
    order.push_back(std::move(what));
  };
  gate running;
  {
    work_pool pool("test-pool", 1, 64, 16);
    // The only thread is busy with a job of the flooding source...
    ASSERT_TRUE(pool.post("flood", [&] {
      running.wait();
      record("flood-0");
    }));
    while (pool.queued() != 0) std::this_thread::yield();  // taken by the thread
    // ...which then fills its share of the queue...
    for (int i = 1; i <= 16; ++i) ASSERT_TRUE(pool.post("flood", [&, i] { record("flood-" + std::to_string(i)); })) << i;
    EXPECT_FALSE(pool.post("flood", [] {})) << "a source's share is bounded";
    EXPECT_EQ(pool.queued("flood"), 16u);
    // ...and another source still gets in, and runs after one more flood job,
    // not after all sixteen.
    ASSERT_TRUE(pool.post("victim", [&] { record("victim"); }));
    running.release();
  }  // the destructor runs everything queued
  ASSERT_EQ(order.size(), 18u);
  EXPECT_EQ(order[0], "flood-0");
  EXPECT_EQ(order[1], "flood-1");
  EXPECT_EQ(order[2], "victim");
  EXPECT_EQ(order[3], "flood-2");
}

TEST(WorkPool, TotalBoundHoldsAcrossSources) {
  gate running;
  work_pool pool("test-pool", 1, 3, 2);
  ASSERT_TRUE(pool.post("a", [&] { running.wait(); }));
  while (pool.queued() != 0) std::this_thread::yield();
  EXPECT_TRUE(pool.post("a", [] {}));
  EXPECT_TRUE(pool.post("a", [] {}));
  EXPECT_FALSE(pool.post("a", [] {}));  // a's share
  EXPECT_TRUE(pool.post("b", [] {}));
  EXPECT_FALSE(pool.post("c", [] {}));  // the whole queue
  running.release();
}

// Without sources (the actors' use) the pool is one FIFO bounded by max_queued.
TEST(WorkPool, WithoutSourcesJobsRunInOrderUpToTheBound) {
  gate running;
  std::vector<int> order;
  {
    work_pool pool("test-pool", 1, 3);
    ASSERT_TRUE(pool.post([&] { running.wait(); }));
    while (pool.queued() != 0) std::this_thread::yield();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.post([&order, i] { order.push_back(i); })) << i;
    EXPECT_FALSE(pool.post([] {})) << "max_queued bounds the anonymous source too";
    running.release();
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(WorkPool, ThreadsCarryTheGivenName) {
  std::string seen;
  {
    work_pool pool("named-pool", 1, 1);
    ASSERT_TRUE(pool.post([&] {
      std::ifstream in("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
      std::getline(in, seen);
    }));
  }
  EXPECT_EQ(seen, "named-pool");
}

TEST(WorkPool, StopRefusesNewJobsAndIsIdempotent) {
  work_pool pool("test-pool", 2, 4);
  pool.stop();
  EXPECT_FALSE(pool.post([] {}));
  pool.stop();
}

}  // namespace
}  // namespace agora
