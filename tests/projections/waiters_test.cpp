// The read-your-writes wait set on its own: no runner, no thread, no clock but
// the time points the test hands it.

#include "projections/src/waiters.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace agora::projections::detail {
namespace {

using namespace std::chrono_literals;
using time_point = waiters::time_point;

const time_point t0{};

class WaitersTest : public ::testing::Test {
 protected:
  // A callback that records "<name>:<answer>" when called.
  wait_callback note(std::string name) {
    return [this, name](bool reached) { answers.push_back(name + (reached ? ":true" : ":false")); };
  }
  void answer(std::vector<wait_callback> done, bool reached) {
    for (auto& f : done) f(reached);
  }

  std::vector<std::string> answers;
};

TEST_F(WaitersTest, AReachedPositionTakesExactlyTheWaitsUpToIt) {
  waiters w(10);
  w.add(5, t0 + 1s, note("a5"));
  w.add(3, t0 + 1s, note("b3"));
  w.add(7, t0 + 1s, note("c7"));
  w.add(5, t0 + 1s, note("d5"));

  answer(w.take_reached(2), true);
  EXPECT_TRUE(answers.empty());
  answer(w.take_reached(5), true);
  EXPECT_EQ(answers, (std::vector<std::string>{"b3:true", "a5:true", "d5:true"}));
  EXPECT_EQ(w.size(), 1u);

  // A reached wait is gone from the deadlines too: it never times out later.
  answers.clear();
  answer(w.take_expired(t0 + 1h), false);
  EXPECT_EQ(answers, (std::vector<std::string>{"c7:false"}));
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(w.next_deadline());
}

TEST_F(WaitersTest, ADeadlineTakesTheWaitsDueByThenAndOnlyThose) {
  waiters w(10);
  w.add(100, t0 + 30ms, note("late"));
  w.add(100, t0 + 10ms, note("early"));
  w.add(100, t0 + 20ms, note("middle"));
  ASSERT_TRUE(w.next_deadline());
  EXPECT_EQ(*w.next_deadline(), t0 + 10ms);

  answer(w.take_expired(t0 + 9ms), false);
  EXPECT_TRUE(answers.empty());
  answer(w.take_expired(t0 + 20ms), false);  // a deadline equal to now is due
  EXPECT_EQ(answers, (std::vector<std::string>{"early:false", "middle:false"}));
  EXPECT_EQ(*w.next_deadline(), t0 + 30ms);

  // An expired wait is gone from the positions too: it is never answered twice.
  answers.clear();
  answer(w.take_reached(100), true);
  EXPECT_EQ(answers, (std::vector<std::string>{"late:true"}));
}

TEST_F(WaitersTest, AddSaysWhenTheEarliestDeadlineMovesSooner) {
  waiters w(10);
  EXPECT_TRUE(w.add(1, t0 + 50ms, note("first"))) << "the first wait sets the runner's wake-up";
  EXPECT_FALSE(w.add(1, t0 + 80ms, note("later"))) << "a later deadline needs no wake-up";
  EXPECT_FALSE(w.add(1, t0 + 50ms, note("same"))) << "an equal deadline needs no wake-up";
  EXPECT_TRUE(w.add(1, t0 + 20ms, note("sooner")));
  EXPECT_EQ(*w.next_deadline(), t0 + 20ms);
}

TEST_F(WaitersTest, FullAtTheLimitAndTakeAllEmptiesIt) {
  waiters w(2);
  EXPECT_FALSE(w.full());
  w.add(1, t0 + 1s, note("a"));
  w.add(2, t0 + 2s, note("b"));
  EXPECT_TRUE(w.full());

  answer(w.take_all(), false);
  EXPECT_EQ(answers, (std::vector<std::string>{"a:false", "b:false"}));
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(w.full());
  EXPECT_FALSE(w.next_deadline());
  EXPECT_TRUE(w.take_reached(100).empty());
  EXPECT_TRUE(w.take_expired(t0 + 1h).empty());
}

}  // namespace
}  // namespace agora::projections::detail
