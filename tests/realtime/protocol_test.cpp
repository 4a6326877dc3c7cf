// The realtime protocol's pure parts: who may subscribe to what, which
// channels and forms an event notice makes (and what data leaves), and how
// client messages are read.

#include "realtime/src/protocol.hpp"

#include <gtest/gtest.h>

#include "actors/domain/notification.hpp"

namespace agora::realtime::detail {
namespace {

identity anon() { return {}; }
identity customer(const std::string& id) { return {"customer", id}; }
identity admin() { return {"admin", "a1"}; }

TEST(RealtimeProtocol, WhoMaySubscribeToWhat) {
  for (const char* open : {"products", "inventory", "notifications", "product:p-1"}) {
    EXPECT_TRUE(resolve_channel(open, anon())) << open;
  }
  EXPECT_EQ(resolve_channel("admin", anon()).error(), channel_refusal::forbidden);
  EXPECT_EQ(resolve_channel("admin", customer("c1")).error(), channel_refusal::forbidden);
  EXPECT_TRUE(resolve_channel("admin", admin()));
  EXPECT_EQ(resolve_channel("orders", anon()).error(), channel_refusal::forbidden);
  // A customer's "orders" is a channel of its own, keyed by the customer.
  auto own = resolve_channel("orders", customer("c1"));
  ASSERT_TRUE(own);
  EXPECT_EQ(own->key, "orders@c1");
  EXPECT_EQ(own->name, "orders");
  EXPECT_TRUE(resolve_channel("orders:c1", customer("c1")));
  EXPECT_EQ(resolve_channel("orders:c2", customer("c1")).error(), channel_refusal::forbidden);
  EXPECT_TRUE(resolve_channel("orders:c2", admin()));
  EXPECT_EQ(resolve_channel("orders:", admin()).error(), channel_refusal::unknown_channel);
  EXPECT_EQ(resolve_channel("product:a b", anon()).error(), channel_refusal::unknown_channel);
  EXPECT_EQ(resolve_channel("everything", admin()).error(), channel_refusal::unknown_channel);
}

projections::event_notice notice(std::string stream, std::string type, std::vector<std::string> channels,
                                 std::string data = "{}") {
  projections::event_notice n;
  n.stream = std::move(stream);
  n.type = std::move(type);
  n.position = 42;
  n.version = 3;
  n.timestamp = 1'700'000'000'000'000;
  n.channels = std::move(channels);
  n.data = std::move(data);
  return n;
}

bool has(const std::vector<target>& ts, const std::string& key, message_form form) {
  for (const auto& t : ts) {
    if (t.key == key && t.form == form) return true;
  }
  return false;
}

TEST(RealtimeProtocol, AnOrderEventGoesToItsCustomerAndTheAdmins) {
  auto n = notice("order-o1", "OrderConfirmed", {"user:c1", "admin"});
  auto ts = targets_of(n);
  EXPECT_TRUE(has(ts, "orders@c1", message_form::event));
  EXPECT_TRUE(has(ts, "orders:c1", message_form::event));
  EXPECT_TRUE(has(ts, "admin", message_form::event));
  EXPECT_EQ(ts.size(), 3u);
  const std::string m = render(n, ts[0]);
  EXPECT_NE(m.find(R"("type":"event","channel":"orders","position":42,"event":"OrderConfirmed","stream":"order-o1","version":3)"),
            std::string::npos)
      << m;
}

TEST(RealtimeProtocol, StockEventsArePublicOnlyReducedAndAlertTheAdmins) {
  auto n = notice("inventory-SKU1", "StockReserved", {"admin", "product:p1"},
                  R"({"order_id":"o9","quantity":2,"customer_id":"c7"})");
  n.stock = projections::stock_transition::became_low;
  auto ts = targets_of(n);
  EXPECT_TRUE(has(ts, "inventory", message_form::inventory_public));
  EXPECT_TRUE(has(ts, "product:p1", message_form::inventory_public));
  EXPECT_TRUE(has(ts, "admin", message_form::event));
  EXPECT_TRUE(has(ts, "admin", message_form::low_stock));
  for (const auto& t : ts) {
    const std::string m = render(n, t);
    if (t.form != message_form::inventory_public) continue;
    EXPECT_EQ(m.find("o9"), std::string::npos) << "no order id on a public channel: " << m;
    EXPECT_EQ(m.find("c7"), std::string::npos) << "no customer id on a public channel: " << m;
    EXPECT_NE(m.find(R"("data":{"sku":"SKU1","product_id":"p1","quantity":2})"), std::string::npos) << m;
  }
  n.stock = projections::stock_transition::recovered;
  EXPECT_TRUE(has(targets_of(n), "admin", message_form::back_in_stock));
}

TEST(RealtimeProtocol, CustomerEventsAnnounceOnlyRegistrationsAndNeverTheEmail) {
  auto reg = notice("customer-c5", "CustomerRegistered", {"user:c5", "admin"}, "");
  auto ts = targets_of(reg);
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].form, message_form::customer_registered);
  const std::string m = render(reg, ts[0]);
  EXPECT_NE(m.find(R"("kind":"customer_registered")"), std::string::npos);
  EXPECT_NE(m.find(R"("customer_id":"c5")"), std::string::npos);
  EXPECT_TRUE(targets_of(notice("customer-c5", "PasswordChanged", {"user:c5"}, "")).empty());
  EXPECT_EQ(revoked_user(notice("customer-c5", "TokensRevoked", {"user:c5"}, "")), "c5");
  EXPECT_EQ(revoked_user(notice("customer-c5", "CustomerNameChanged", {"user:c5"}, "")), "");
}

TEST(RealtimeProtocol, ABroadcastIsANotification) {
  domain::notification::broadcast b{"Sale", "All \"lamps\"", domain::notification::level::critical, "a1", 5};
  auto n = notice("notification-x", "NotificationBroadcast", {"notifications"}, domain::notification::encode(b));
  auto ts = targets_of(n);
  ASSERT_EQ(ts.size(), 1u);
  const std::string m = render(n, ts[0]);
  EXPECT_NE(m.find(R"("type":"notification","channel":"notifications","position":42,"kind":"broadcast","level":"critical","title":"Sale","body":"All \"lamps\"")"),
            std::string::npos)
      << m;
}

TEST(RealtimeProtocol, ClientMessagesAreReadOrRefusedWithTheirId) {
  auto sub = parse_client_message(R"({"type":"subscribe","id":"x","channels":["a",{"name":"b","from":12}]})", 8);
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->id, "\"x\"");
  ASSERT_EQ(sub->subscribe.size(), 2u);
  EXPECT_FALSE(sub->subscribe[0].from);
  EXPECT_EQ(sub->subscribe[1].from.value_or(0), 12u);
  auto bad = parse_client_message(R"({"type":"subscribe","id":5,"channels":[1]})", 8);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().id, "5");
  EXPECT_FALSE(parse_client_message(R"({"type":"subscribe","channels":["a","b","c"]})", 2));
  EXPECT_FALSE(parse_client_message("nope", 8));
  EXPECT_FALSE(parse_client_message(R"({"type":"auth","token":""})", 8));
  EXPECT_EQ(error_message("7", "forbidden", "no", "admin"),
            R"({"type":"error","id":7,"code":"forbidden","message":"no","channel":"admin"})");
}

}  // namespace
}  // namespace agora::realtime::detail
