// Comma-separated lists (HTTP list fields, list-valued config keys).

#include <gtest/gtest.h>

#include "http/request.hpp"

namespace agora::http {
namespace {

TEST(RequestLists, ItemsAreTrimmedAndEmptyOnesSkipped) {
  EXPECT_EQ(split_list(" a ,\tb,, c\t"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_list("").empty());
  EXPECT_TRUE(split_list(" , ,").empty());
}

TEST(RequestLists, HasTokenIsCaseInsensitiveAndWholeItem) {
  EXPECT_TRUE(has_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_FALSE(has_token("keep-alive, Upgraded", "upgrade"));
  EXPECT_FALSE(has_token("", "upgrade"));
}

}  // namespace
}  // namespace agora::http
