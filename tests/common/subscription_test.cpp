// The one subscription handle (the store's commit listeners and the
// projections' change listeners): unregisters exactly once, moves, and a
// handle moved onto another ends the registration the target held.

#include "common/subscription.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace agora {
namespace {

TEST(Subscription, UnregistersOnceOnResetOrDestruction) {
  int cancelled = 0;
  {
    subscription s([&] { ++cancelled; });
    EXPECT_TRUE(s.active());
    s.reset();
    EXPECT_EQ(cancelled, 1);
    EXPECT_FALSE(s.active());
    s.reset();
  }
  EXPECT_EQ(cancelled, 1) << "the destructor of a reset handle must not unregister again";
  {
    subscription s([&] { ++cancelled; });
  }
  EXPECT_EQ(cancelled, 2);
  subscription empty;
  EXPECT_FALSE(empty.active());
}

TEST(Subscription, MovingHandsTheRegistrationOn) {
  int cancelled = 0;
  subscription a([&] { ++cancelled; });
  subscription b(std::move(a));
  EXPECT_FALSE(a.active());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_TRUE(b.active());
  a.reset();
  EXPECT_EQ(cancelled, 0);
  b.reset();
  EXPECT_EQ(cancelled, 1);
}

TEST(Subscription, AssigningOverAHandleEndsTheRegistrationItHeld) {
  int first = 0;
  int second = 0;
  subscription s([&] { ++first; });
  s = subscription([&] { ++second; });
  EXPECT_EQ(first, 1) << "the replaced listener would stay registered for good";
  EXPECT_EQ(second, 0);
  s = subscription();
  EXPECT_EQ(second, 1);
}

}  // namespace
}  // namespace agora
