#include "common/expected.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

namespace agora {
namespace {

expected<int, std::string> parse_digit(char c) {
  if (c < '0' || c > '9') return unexpected(std::string("not a digit: ") + c);
  return c - '0';
}

expected<void, std::string> check_positive(int n) {
  if (n <= 0) return unexpected(std::string("not positive"));
  return {};
}

TEST(Expected, ValuePath) {
  const auto r = parse_digit('7');
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 7);
  EXPECT_EQ(*r, 7);
}

TEST(Expected, ErrorPath) {
  const auto r = parse_digit('x');
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error(), "not a digit: x");
}

TEST(Expected, ArrowAndMutation) {
  struct point {
    int x;
    int y;
  };
  expected<point, std::string> p = point{1, 2};
  EXPECT_EQ(p->x, 1);
  p->y = 5;
  EXPECT_EQ(p.value().y, 5);
  (*p).x = 9;
  EXPECT_EQ(p->x, 9);
}

TEST(Expected, MoveOnlyValueAndError) {
  expected<std::unique_ptr<int>, std::string> v = std::make_unique<int>(3);
  ASSERT_TRUE(v);
  std::unique_ptr<int> taken = std::move(v).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 3);

  expected<int, std::unique_ptr<std::string>> e = unexpected(std::make_unique<std::string>("boom"));
  ASSERT_FALSE(e);
  std::unique_ptr<std::string> err = std::move(e).error();
  EXPECT_EQ(*err, "boom");
}

TEST(Expected, ConvertsValueAndErrorTypes) {
  expected<std::string, std::string> s = "text";  // const char* -> std::string
  EXPECT_EQ(*s, "text");
  expected<long, std::string> l = 5;  // int -> long
  EXPECT_EQ(*l, 5L);
  expected<int, std::string> e = unexpected("c string");  // unexpected<const char*> -> std::string
  EXPECT_EQ(e.error(), "c string");
}

// Copying must copy, even for expected<bool, E> whose explicit operator bool
// makes bool constructible from the expected itself.
TEST(Expected, CopyOfBoolExpectedKeepsStateAndValue) {
  expected<bool, std::string> f = false;
  expected<bool, std::string> f_copy = f;  // non-const lvalue
  ASSERT_TRUE(f_copy.has_value());
  EXPECT_FALSE(*f_copy);

  expected<bool, std::string> err = unexpected(std::string("e"));
  expected<bool, std::string> err_copy = err;
  ASSERT_FALSE(err_copy.has_value());
  EXPECT_EQ(err_copy.error(), "e");

  expected<bool, std::string> moved = std::move(err_copy);
  ASSERT_FALSE(moved.has_value());
  EXPECT_EQ(moved.error(), "e");
}

TEST(Expected, Void) {
  const auto ok = check_positive(3);
  EXPECT_TRUE(ok.has_value());
  EXPECT_TRUE(static_cast<bool>(ok));
  ok.value();  // no-op, must not assert

  auto bad = check_positive(0);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), "not positive");
  const std::string moved = std::move(bad).error();
  EXPECT_EQ(moved, "not positive");

  expected<void, int> def;
  EXPECT_TRUE(def.has_value());
  expected<void, int> copy = bad.has_value() ? def : expected<void, int>(unexpected(42));
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error(), 42);
}

}  // namespace
}  // namespace agora
