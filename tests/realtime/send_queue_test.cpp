// The session's send queue: FIFO order across compactions, and no memory held
// while empty (what an idle connection pays).

#include <gtest/gtest.h>

#include <string>

#include "realtime/src/send_queue.hpp"

namespace agora::realtime::detail {
namespace {

// The point of the type: nothing allocated until the first message.
static_assert(sizeof(send_queue) <= sizeof(std::vector<send_queue::message>) + sizeof(std::size_t));

send_queue::message msg(int i) { return std::make_shared<const std::string>(std::to_string(i)); }

TEST(SendQueue, KeepsOrderAcrossCompactions) {
  send_queue q;
  int next_in = 0, next_out = 0;
  // Uneven pushes and pops, so the consumed prefix is reclaimed many times
  // with messages still queued behind it.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 7; ++i) q.push_back(msg(next_in++));
    for (int i = 0; i < 5 && !q.empty(); ++i) {
      ASSERT_EQ(*q.front(), std::to_string(next_out)) << "round " << round;
      q.pop_front();
      ++next_out;
    }
    ASSERT_EQ(q.size(), static_cast<std::size_t>(next_in - next_out));
  }
  while (!q.empty()) {
    ASSERT_EQ(*q.front(), std::to_string(next_out++));
    q.pop_front();
  }
  EXPECT_EQ(next_out, next_in);
}

TEST(SendQueue, ReleasesWhatItWasGivenAndHoldsNothingWhenEmpty) {
  send_queue q;
  auto m = msg(1);
  q.push_back(m);
  q.push_back(msg(2));
  EXPECT_EQ(m.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(m.use_count(), 1) << "a written message is released at once";
  q.pop_front();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
  q.push_back(msg(3));
  q.clear();
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace agora::realtime::detail
