// Request body decoding: a table of good and bad bodies per endpoint, each bad
// one with the field it must blame.

#include "api/request_bodies.hpp"

#include <gtest/gtest.h>

namespace agora::api {
namespace {

template <class T>
std::string first_field(const decoded<T>& r) {
  return r ? std::string("<ok>") : r.error().front().field;
}

struct bad_case {
  const char* name;
  const char* body;
  const char* field;  // the field blamed first
};

TEST(RequestBodies, RegisterAndLogin) {
  auto ok = decode_register(R"({"email":"ann@example.com","password":"s3cret-pw","name":"Ann","extra":[1,2]})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->email, "ann@example.com");
  EXPECT_EQ(ok->name, "Ann");
  const bad_case bad[] = {
      {"empty", "", ""},
      {"malformed", R"({"email":)", ""},
      {"array root", R"([1,2])", ""},
      {"string root", R"("x")", ""},
      {"trailing", R"({"email":"a@b.c","password":"12345678","name":"A"} x)", ""},
      {"missing email", R"({"password":"12345678","name":"A"})", "email"},
      {"email wrong type", R"({"email":5,"password":"12345678","name":"A"})", "email"},
      {"not an email", R"({"email":"nope","password":"12345678","name":"A"})", "email"},
      {"short password", R"({"email":"a@b.c","password":"short","name":"A"})", "password"},
      {"empty name", R"({"email":"a@b.c","password":"12345678","name":""})", "name"},
  };
  for (const auto& c : bad) EXPECT_EQ(first_field(decode_register(c.body)), c.field) << c.name;
  EXPECT_TRUE(decode_login(R"({"email":"a@b.c","password":"x"})"));
  EXPECT_EQ(first_field(decode_login(R"({"email":"a@b.c"})")), "password");
}

TEST(RequestBodies, PasswordChangeAndRole) {
  auto pw = decode_password_change(R"({"current_password":"old","new_password":"a-new-password"})");
  ASSERT_TRUE(pw);
  EXPECT_EQ(pw->current_password, "old");
  EXPECT_EQ(pw->new_password, "a-new-password");
  EXPECT_EQ(first_field(decode_password_change(R"({"new_password":"a-new-password"})")), "current_password");
  EXPECT_EQ(first_field(decode_password_change(R"({"current_password":"old","new_password":"short"})")),
            "new_password");
  EXPECT_EQ(first_field(decode_password_change(R"({"current_password":"old"})")), "new_password");
  auto role = decode_role(R"({"role":"admin"})");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->role, "admin");
  EXPECT_EQ(first_field(decode_role(R"({"role":"root"})")), "role");
  EXPECT_EQ(first_field(decode_role(R"({"role":1})")), "role");
  EXPECT_EQ(first_field(decode_role("{}")), "role");
}

TEST(RequestBodies, Product) {
  auto ok = decode_product(
      R"({"sku":"MUG-1","name":"Mug","description":"A mug","price":1299,"currency":"EUR","category":"kitchen",)"
      R"("image_urls":["https://x/1.png"],"initial_stock":40,"low_stock_threshold":5})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->price, 1299);
  EXPECT_EQ(ok->initial_stock.value_or(-1), 40);
  ASSERT_EQ(ok->image_urls.size(), 1u);
  const bad_case bad[] = {
      {"negative price", R"({"sku":"A","name":"N","price":-1,"currency":"EUR","category":"c"})", "price"},
      {"fractional price", R"({"sku":"A","name":"N","price":12.5,"currency":"EUR","category":"c"})", "price"},
      {"huge price", R"({"sku":"A","name":"N","price":9999999999999999,"currency":"EUR","category":"c"})", "price"},
      {"price beyond 64 bits", R"({"sku":"A","name":"N","price":99999999999999999999,"currency":"EUR","category":"c"})",
       ""},
      {"price as string", R"({"sku":"A","name":"N","price":"12","currency":"EUR","category":"c"})", "price"},
      {"bad currency", R"({"sku":"A","name":"N","price":1,"currency":"eur","category":"c"})", "currency"},
      {"missing sku", R"({"name":"N","price":1,"currency":"EUR","category":"c"})", "sku"},
      {"image not string", R"({"sku":"A","name":"N","price":1,"currency":"EUR","category":"c","image_urls":[1]})",
       "image_urls[0]"},
      {"negative stock", R"({"sku":"A","name":"N","price":1,"currency":"EUR","category":"c","initial_stock":-3})",
       "initial_stock"},
  };
  for (const auto& c : bad) EXPECT_EQ(first_field(decode_product(c.body)), c.field) << c.name;
  EXPECT_TRUE(decode_product_patch(R"({"price":10})"));
  EXPECT_EQ(first_field(decode_product_patch(R"({})")), "");
  EXPECT_EQ(first_field(decode_product_patch(R"({"currency":"USD"})")), "price");
}

TEST(RequestBodies, OrdersCartsInventory) {
  auto ok = decode_order(R"({"items":[{"sku":"A","quantity":2},{"sku":"B","quantity":1}]})");
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->items.size(), 2u);
  EXPECT_EQ(ok->items[1].sku, "B");
  const bad_case bad[] = {
      {"no items", R"({})", "items"},
      {"empty items", R"({"items":[]})", "items"},
      {"items not array", R"({"items":{}})", "items"},
      {"zero quantity", R"({"items":[{"sku":"A","quantity":0}]})", "items[0].quantity"},
      {"negative quantity", R"({"items":[{"sku":"A","quantity":-5}]})", "items[0].quantity"},
      {"huge quantity", R"({"items":[{"sku":"A","quantity":100000}]})", "items[0].quantity"},
      {"missing sku", R"({"items":[{"quantity":1}]})", "items[0].sku"},
      {"line not object", R"({"items":[5]})", "items[0]"},
      {"duplicate sku", R"({"items":[{"sku":"A","quantity":1},{"sku":"A","quantity":2}]})", "items[1].sku"},
  };
  for (const auto& c : bad) EXPECT_EQ(first_field(decode_order(c.body)), c.field) << c.name;
  std::string many = R"({"items":[)";
  for (int i = 0; i < 101; ++i) many += (i ? "," : "") + std::string(R"({"sku":"S)") + std::to_string(i) + R"(","quantity":1})";
  many += "]}";
  EXPECT_EQ(first_field(decode_order(many)), "items");

  EXPECT_TRUE(decode_cart_item(R"({"quantity":0})"));
  EXPECT_EQ(first_field(decode_cart_item(R"({"quantity":1000})")), "quantity");
  EXPECT_TRUE(decode_adjustment(R"({"delta":-3,"reason":"breakage"})"));
  EXPECT_EQ(first_field(decode_adjustment(R"({"delta":0,"reason":"x"})")), "delta");
  EXPECT_EQ(first_field(decode_adjustment(R"({"delta":3})")), "reason");
  EXPECT_TRUE(decode_status(R"({"status":"shipped"})"));
  EXPECT_EQ(first_field(decode_status(R"({"status":"cancelled"})")), "status");
  auto pay = decode_pay("");
  ASSERT_TRUE(pay);
  EXPECT_EQ(pay->method, "card");
  EXPECT_TRUE(decode_cancel(""));
  EXPECT_EQ(first_field(decode_cancel(R"({"reason":7})")), "reason");
}

TEST(RequestBodies, EveryErrorIsReportedNotJustTheFirst) {
  auto r = decode_product(R"({"sku":5,"name":6,"price":"x","currency":1,"category":2})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().size(), 5u);
}

}  // namespace
}  // namespace agora::api
