// call_guarded: a callback's exception is reported and never escapes.

#include "common/guarded.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace agora {
namespace {

TEST(CallGuarded, ReturnsTrueWhenTheCallbackReturns) {
  int calls = 0;
  int errors = 0;
  EXPECT_TRUE(call_guarded([&] { ++calls; }, [&](std::string_view) { ++errors; }));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(errors, 0);
}

TEST(CallGuarded, AStdExceptionIsReportedWithItsMessage) {
  std::string seen;
  EXPECT_FALSE(call_guarded([] { throw std::runtime_error("boom"); }, [&](std::string_view m) { seen = m; }));
  EXPECT_EQ(seen, "boom");
}

TEST(CallGuarded, AnyOtherExceptionIsReportedToo) {
  std::string seen;
  EXPECT_FALSE(call_guarded([] { throw 42; }, [&](std::string_view m) { seen = m; }));
  EXPECT_EQ(seen, "a non-std exception");
}

TEST(CallGuarded, TheLoggingFormSwallowsAndAnswersFalse) {
  EXPECT_FALSE(call_guarded("test callback", [] { throw std::logic_error("logged"); }));
  EXPECT_TRUE(call_guarded("test callback", [] {}));
}

}  // namespace
}  // namespace agora
