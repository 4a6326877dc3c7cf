// Broadcast notifications: the limits (in characters, not bytes) and the
// event's JSON round trip.

#include "actors/domain/notification.hpp"

#include <gtest/gtest.h>

namespace agora::domain::notification {
namespace {

broadcast with(std::string title, std::string body) { return {std::move(title), std::move(body), level::info, "a", 1}; }

TEST(Notification, TitleAndBodyAreLimitedInCharacters) {
  EXPECT_TRUE(validate(with("Sale", "")).empty());
  EXPECT_EQ(validate(with("", "x")).size(), 1u);
  EXPECT_TRUE(validate(with(std::string(200, 't'), std::string(2000, 'b'))).empty());
  EXPECT_EQ(validate(with(std::string(201, 't'), "")).front().first, "title");
  EXPECT_EQ(validate(with("t", std::string(2001, 'b'))).front().first, "body");
  // 200 two-byte characters are 400 bytes and still fit.
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "\xc3\xa4";
  EXPECT_TRUE(validate(with(umlauts, "")).empty());
  EXPECT_EQ(validate(with("\xff", "")).front().second, "must be valid UTF-8");
}

TEST(Notification, TheEventRoundTrips) {
  broadcast b{"Sale \"now\"", "Lamps\n-20%", level::critical, "admin-1", 1234};
  auto back = decode(encode(b));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->title, b.title);
  EXPECT_EQ(back->body, b.body);
  EXPECT_EQ(back->lvl, level::critical);
  EXPECT_EQ(back->sender, "admin-1");
  EXPECT_EQ(back->at, 1234);
  EXPECT_FALSE(decode("[]"));
  EXPECT_FALSE(decode(R"({"title":"x","level":"loud"})"));
  EXPECT_EQ(parse_level("warning"), level::warning);
  EXPECT_FALSE(parse_level("Warning"));
}

}  // namespace
}  // namespace agora::domain::notification
