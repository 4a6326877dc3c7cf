// Change routing on its own: a decoded event and a table standing in for the
// read models give the event's tags and channels. No store, no runner thread.
// (runner_test checks the same routing end to end, through a real store.)

#include "projections/src/change_router.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "actors/domain/cart.hpp"
#include "actors/domain/claim.hpp"
#include "actors/domain/customer.hpp"
#include "actors/domain/inventory.hpp"
#include "actors/domain/notification.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/product.hpp"
#include "projections/change_tags.hpp"

namespace agora::projections::detail {
namespace {

namespace pd = domain::product;
namespace id = domain::inventory;
namespace od = domain::order;
namespace cd = domain::customer;
namespace ct = domain::cart;
namespace cl = domain::claim;

using strings = std::vector<std::string>;

// The read models as routing sees them, from tables the test fills.
struct table_lookup final : routing_lookup {
  std::map<std::string, std::string> product_of_sku;
  std::map<std::string, bool> low;
  std::map<std::string, std::string> customer_of_order;

  const std::string* product_id_for_sku(const std::string& sku) const override {
    auto it = product_of_sku.find(sku);
    return it == product_of_sku.end() ? nullptr : &it->second;
  }
  std::optional<bool> is_low(const std::string& sku) const override {
    auto it = low.find(sku);
    return it == low.end() ? std::nullopt : std::optional<bool>(it->second);
  }
  const std::string* customer_of(const std::string& order_id) const override {
    auto it = customer_of_order.find(order_id);
    return it == customer_of_order.end() ? nullptr : &it->second;
  }
};

class ChangeRouterTest : public ::testing::Test {
 protected:
  // An event as the runner sees it: encoded by its domain codec, in a view,
  // decoded. The view's storage lives as long as the test.
  template <class Event>
  decoded_event decoded(const std::string& stream, const Event& e) {
    auto enc = encode_any(e);
    auto& s = stored_.emplace_back();
    s.stream = stream;
    s.type = enc.type;
    s.data = enc.data;
    s.view.stream = s.stream;
    s.view.type = s.type;
    s.view.data = s.data;
    s.view.schema_version = enc.schema_version;
    s.view.position = ++position_;
    s.view.version = 1;
    s.view.timestamp = 42;
    auto d = decode(s.view);
    EXPECT_TRUE(d) << (d ? "" : d.error());
    return d ? *d : decoded_event{};
  }

  // Routes `e` with the tables as they are before and after it (the test
  // edits the tables in `apply` to play the models applying the event).
  template <class Apply>
  routed_event route(const decoded_event& e, Apply apply) {
    const auto before = change_router::observe(e, models_);
    apply();
    auto r = router_.route(e, before, models_);
    std::sort(r.tags.begin(), r.tags.end());
    return r;
  }
  routed_event route(const decoded_event& e) {
    return route(e, [] {});
  }

  static domain::encoded_event encode_any(const pd::event& e) { return pd::encode(e); }
  static domain::encoded_event encode_any(const id::event& e) { return id::encode(e); }
  static domain::encoded_event encode_any(const od::event& e) { return od::encode(e); }
  static domain::encoded_event encode_any(const cd::event& e) { return cd::encode(e); }
  static domain::encoded_event encode_any(const ct::event& e) { return ct::encode(e); }
  static domain::encoded_event encode_any(const cl::event& e) { return cl::encode(e); }
  static domain::encoded_event encode_any(const domain::encoded_event& e) { return e; }

  struct stored {
    std::string stream, type, data;
    eventstore::event_view view;
  };
  std::deque<stored> stored_;
  eventstore::log_position position_ = 0;
  table_lookup models_;
  change_router router_;
};

pd::event product_created(const std::string& pid, const std::string& sku) {
  pd::product_created c;
  c.product_id = pid;
  c.sku = sku;
  c.name = "Shoe";
  c.price = domain::money{1000, "EUR"};
  c.category = "misc";
  return c;
}

TEST_F(ChangeRouterTest, AProductGoesToItsWatchersAndEveryoneAndStalesItsListings) {
  auto r = route(decoded("product-p1", product_created("p1", "S1")));
  EXPECT_EQ(r.tags, (strings{"catalog", "dashboard", "product:p1"}));
  EXPECT_EQ(r.notice.channels, (strings{"product:p1", "broadcast"}));
  EXPECT_EQ(r.notice.stream, "product-p1");
  EXPECT_EQ(r.notice.type, "ProductCreated");
  EXPECT_EQ(r.notice.position, 1u);
  EXPECT_EQ(r.notice.version, 1u);
  EXPECT_EQ(r.notice.timestamp, 42);
  EXPECT_NE(r.notice.data.find("Shoe"), std::string::npos);

  // A price change moves no dashboard figure; a discontinuation does.
  r = route(decoded("product-p1", pd::event{pd::product_price_changed{{1000, "EUR"}, {900, "EUR"}, 0}}));
  EXPECT_EQ(r.tags, (strings{"catalog", "product:p1"}));
  r = route(decoded("product-p1", pd::event{pd::product_discontinued{"gone", 0}}));
  EXPECT_EQ(r.tags, (strings{"catalog", "dashboard", "product:p1"}));
}

TEST_F(ChangeRouterTest, ABroadcastGoesToTheNotificationsChannelWithItsData) {
  domain::notification::broadcast b{"Sale", "Lamps", domain::notification::level::warning, "a1", 7};
  domain::encoded_event enc{std::string(domain::notification::broadcast_type), 1, domain::notification::encode(b)};
  auto r = route(decoded("notification-n1", enc));
  EXPECT_TRUE(r.tags.empty());
  EXPECT_EQ(r.notice.channels, (strings{"notifications"}));
  EXPECT_EQ(r.notice.data, domain::notification::encode(b));
}

TEST_F(ChangeRouterTest, StockGoesToAdminsAndItsProductAndTellsTheLowStockListWhenItMatters) {
  models_.product_of_sku["S1"] = "p1";
  models_.low["S1"] = false;
  const auto reserved = id::event{id::stock_reserved{"o1", 1, 0}};

  // Not low before or after: the item and its product only.
  auto r = route(decoded("inventory-S1", reserved));
  EXPECT_EQ(r.tags, (strings{"catalog", "product:p1", "sku:S1"}));
  EXPECT_EQ(r.notice.channels, (strings{"admin", "product:p1"}));
  EXPECT_FALSE(r.notice.data.empty());
  EXPECT_EQ(r.notice.stock, stock_transition::none);

  // Becoming low: the low-stock list and the dashboard's count, and the
  // admins' alert.
  r = route(decoded("inventory-S1", reserved), [&] { models_.low["S1"] = true; });
  EXPECT_EQ(r.tags, (strings{"catalog", "dashboard", "low_stock", "product:p1", "sku:S1"}));
  EXPECT_EQ(r.notice.stock, stock_transition::became_low);

  // Low before and after: the list shows new figures, the count is the same.
  r = route(decoded("inventory-S1", reserved));
  EXPECT_EQ(r.tags, (strings{"catalog", "low_stock", "product:p1", "sku:S1"}));
  EXPECT_EQ(r.notice.stock, stock_transition::none);

  // No longer low: both again.
  r = route(decoded("inventory-S1", id::event{id::stock_received{5, 0}}), [&] { models_.low["S1"] = false; });
  EXPECT_EQ(r.tags, (strings{"catalog", "dashboard", "low_stock", "product:p1", "sku:S1"}));
  EXPECT_EQ(r.notice.stock, stock_transition::recovered);

  // An SKU no product sells yet: admins only.
  r = route(decoded("inventory-S9", id::event{id::item_registered{"S9", 3, 1, 0}}));
  EXPECT_EQ(r.tags, (strings{"catalog", "sku:S9"}));
  EXPECT_EQ(r.notice.channels, (strings{"admin"}));
}

TEST_F(ChangeRouterTest, AnOrderGoesToItsCustomerAndAdmins) {
  models_.customer_of_order["o1"] = "c1";
  od::order_placed placed;
  placed.order_id = "o1";
  placed.customer_id = "c1";
  placed.currency = "EUR";
  placed.lines = {od::line_input{"S1", 1, {100, "EUR"}}};
  placed.total = {100, "EUR"};
  auto r = route(decoded("order-o1", od::event{placed}));
  EXPECT_EQ(r.tags, (strings{"dashboard", "order:o1", "orders:all", "orders:customer:c1"}));
  EXPECT_EQ(r.notice.channels, (strings{"user:c1", "admin"}));
  EXPECT_FALSE(r.notice.data.empty());

  // A reservation step moves no dashboard figure.
  r = route(decoded("order-o1", od::event{od::line_reserved{"S1", 0}}));
  EXPECT_EQ(r.tags, (strings{"order:o1", "orders:all", "orders:customer:c1"}));

  // An order the orders model does not know: admins only.
  r = route(decoded("order-o9", od::event{od::line_reserved{"S1", 0}}));
  EXPECT_EQ(r.tags, (strings{"order:o9", "orders:all"}));
  EXPECT_EQ(r.notice.channels, (strings{"admin"}));
}

TEST_F(ChangeRouterTest, ACartGoesToItsOwnerUntilItIsCheckedOutOrExpired) {
  auto r = route(decoded("cart-k1", ct::event{ct::cart_created{"k1", "c1", 0}}));
  EXPECT_TRUE(r.tags.empty()) << "no cached answer shows a cart";
  EXPECT_EQ(r.notice.channels, (strings{"user:c1"}));
  EXPECT_EQ(router_.open_carts(), 1u);

  // Later cart events do not name the customer: the router remembers.
  r = route(decoded("cart-k1", ct::event{ct::cart_cleared{0}}));
  EXPECT_EQ(r.notice.channels, (strings{"user:c1"}));

  r = route(decoded("cart-k1", ct::event{ct::cart_checked_out{"o1", {}, 0}}));
  EXPECT_EQ(r.notice.channels, (strings{"user:c1"}));
  EXPECT_EQ(router_.open_carts(), 0u) << "a checked-out cart takes no more events: its owner is forgotten";

  route(decoded("cart-k2", ct::event{ct::cart_created{"k2", "c2", 0}}));
  r = route(decoded("cart-k2", ct::event{ct::cart_expired{0}}));
  EXPECT_EQ(r.notice.channels, (strings{"user:c2"}));
  EXPECT_EQ(router_.open_carts(), 0u);

  // A cart whose creation the router never saw: nobody to tell.
  r = route(decoded("cart-k3", ct::event{ct::cart_cleared{0}}));
  EXPECT_TRUE(r.notice.channels.empty());
}

TEST_F(ChangeRouterTest, ACustomerEventCarriesNoDataAndANewCustomerTellsAdmins) {
  cd::customer_registered reg;
  reg.customer_id = "c9";
  reg.email = "z@x.io";
  reg.password_hash = "secret-hash";
  reg.name = "Ann";
  auto r = route(decoded("customer-c9", cd::event{reg}));
  EXPECT_EQ(r.tags, (strings{"customer:c9", "dashboard"}));
  EXPECT_EQ(r.notice.channels, (strings{"user:c9", "admin"}));
  EXPECT_TRUE(r.notice.data.empty()) << "customer event data carries the password hash";

  r = route(decoded("customer-c9", cd::event{cd::customer_name_changed{"Bea", 0}}));
  EXPECT_EQ(r.tags, (strings{"customer:c9"}));
  EXPECT_EQ(r.notice.channels, (strings{"user:c9"}));
  EXPECT_TRUE(r.notice.data.empty());
}

TEST_F(ChangeRouterTest, ClaimsAndUnknownStreamsGoNowhere) {
  auto r = route(decoded("claim-email:z@x.io", cl::event{cl::key_claimed{"c9", 0}}));
  EXPECT_TRUE(r.tags.empty());
  EXPECT_TRUE(r.notice.channels.empty());
  EXPECT_TRUE(r.notice.data.empty());
  EXPECT_EQ(r.notice.type, "KeyClaimed");

  r = route(decoded("ledger-1", domain::encoded_event{"Whatever", 1, "{}"}));
  EXPECT_TRUE(r.tags.empty());
  EXPECT_TRUE(r.notice.channels.empty());
  EXPECT_TRUE(r.notice.data.empty());
}

TEST_F(ChangeRouterTest, OnlyInventoryEventsAskWhetherTheItemWasLow) {
  models_.low["S1"] = true;
  EXPECT_EQ(change_router::observe(decoded("inventory-S1", id::event{id::stock_received{1, 0}}), models_).was_low,
            std::optional<bool>(true));
  EXPECT_FALSE(change_router::observe(decoded("inventory-S2", id::event{id::stock_received{1, 0}}), models_).was_low)
      << "no such item";
  EXPECT_FALSE(change_router::observe(decoded("product-p1", product_created("p1", "S1")), models_).was_low);
}

TEST(ChangeCollector, GathersSortedDistinctTagsAndTheNoticesInOrder) {
  change_collector c(10);
  EXPECT_TRUE(c.empty());
  routed_event a;
  a.notice.position = 1;
  a.tags = {tags::product("p1"), tags::catalog};
  routed_event b;
  b.notice.position = 2;
  b.tags = {tags::catalog, tags::dashboard};
  c.add(std::move(a));
  c.add(std::move(b));
  event_notice undecodable;
  undecodable.position = 3;
  c.add(undecodable);
  EXPECT_FALSE(c.empty());

  auto batch = c.take(3);
  EXPECT_EQ(batch.position, 3u);
  EXPECT_EQ(batch.tags, (strings{"catalog", "dashboard", "product:p1"}));
  ASSERT_EQ(batch.events.size(), 3u);
  EXPECT_EQ(batch.events[0].position, 1u);
  EXPECT_EQ(batch.events[2].position, 3u);
  EXPECT_TRUE(c.empty()) << "take() starts the next batch";
}

TEST(ChangeCollector, PastTheLimitABatchSaysOnlyAll) {
  change_collector c(2);
  for (int i = 1; i <= 3; ++i) {
    routed_event r;
    r.notice.position = static_cast<eventstore::log_position>(i);
    r.tags = {tags::order("o" + std::to_string(i))};
    c.add(std::move(r));
  }
  EXPECT_FALSE(c.empty());
  auto batch = c.take(3);
  EXPECT_EQ(batch.tags, (strings{tags::all}));
  EXPECT_TRUE(batch.events.empty());

  // The next batch is whole again.
  routed_event r;
  r.notice.position = 4;
  r.tags = {tags::order("o4")};
  c.add(std::move(r));
  batch = c.take(4);
  EXPECT_EQ(batch.tags, (strings{"order:o4"}));
  EXPECT_EQ(batch.events.size(), 1u);
}

}  // namespace
}  // namespace agora::projections::detail
