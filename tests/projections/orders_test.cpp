// Orders, accounts and dashboard read models through the runner.

#include "tests/projections/fixture.hpp"

namespace agora::projections::testing {
namespace {

class OrdersTest : public ProjectionTest {};

TEST_F(OrdersTest, OrderDetailCarriesStatusItemsAndHistory) {
  start_runner();
  order({placed("o1", "c1", {line("S1", 2, 500), line("S2", 1, 300)})}, "o1");
  order({od::line_reserved{"S1", kT0 + 1}, od::line_reservation_failed{"S2", "insufficient stock", kT0 + 2},
         od::order_rejected{{{"S2", "insufficient stock"}}, kT0 + 3}},
        "o1");
  sync();
  auto o = runner_->orders()->order("o1");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->customer_id, "c1");
  EXPECT_EQ(o->status, "rejected");
  ASSERT_EQ(o->items.size(), 2u);
  EXPECT_EQ(o->items[0].sku, "S1");
  EXPECT_EQ(o->items[0].quantity, 2);
  EXPECT_EQ(o->items[0].price, 500);
  EXPECT_EQ(o->total, 1300);
  EXPECT_EQ(o->currency, "EUR");
  EXPECT_EQ(o->version, 4u);
  EXPECT_EQ(o->created_at, kT0);
  EXPECT_EQ(o->updated_at, kT0 + 3);
  ASSERT_EQ(o->rejection_reasons.size(), 1u);
  EXPECT_EQ(o->rejection_reasons[0].sku, "S2");
  ASSERT_EQ(o->history.size(), 4u);
  EXPECT_EQ(o->history[0].type, "OrderPlaced");
  EXPECT_EQ(o->history[0].position, 1u);
  EXPECT_EQ(o->history[3].type, "OrderRejected");
  EXPECT_EQ(o->history[3].version, 4u);
  EXPECT_EQ(o->history[3].at, kT0 + 3);
  EXPECT_NE(o->history[3].data.find("insufficient stock"), std::string::npos);
  EXPECT_FALSE(runner_->orders()->order("nope"));
}

TEST_F(OrdersTest, OrdersByCustomerAndAllAreNewestFirstWithFiltersAndCursors) {
  start_runner();
  for (int i = 1; i <= 5; ++i) {
    const std::string oid = "o" + std::to_string(i);
    order({placed(oid, i % 2 == 1 ? "odd" : "even", {line("S1", 1, 100)}, kT0 + i)}, oid);
  }
  order({od::order_confirmed{kT0 + 10}}, "o3");
  sync();
  auto s = runner_->orders();
  EXPECT_EQ(s->count(), 5u);

  order_query q;
  q.limit = 2;
  auto p1 = s->by_customer("odd", q);
  ASSERT_EQ(p1.items.size(), 2u);
  EXPECT_EQ(p1.items[0]->id, "o5");
  EXPECT_EQ(p1.items[1]->id, "o3");
  ASSERT_FALSE(p1.next_cursor.empty());
  // A newer order does not shift the next page.
  order({placed("o6", "odd", {line("S1", 1, 100)}, kT0 + 6)}, "o6");
  sync();
  q.cursor = p1.next_cursor;
  auto p2 = runner_->orders()->by_customer("odd", q);
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_EQ(p2.items[0]->id, "o1");
  EXPECT_TRUE(p2.next_cursor.empty());

  order_query confirmed;
  confirmed.status = "confirmed";
  auto c = runner_->orders()->by_customer("odd", confirmed);
  ASSERT_EQ(c.items.size(), 1u);
  EXPECT_EQ(c.items[0]->id, "o3");
  EXPECT_TRUE(runner_->orders()->by_customer("even", confirmed).items.empty());
  EXPECT_TRUE(runner_->orders()->by_customer("nobody", {}).items.empty());

  auto all = runner_->orders()->all({});
  ASSERT_EQ(all.items.size(), 6u);
  EXPECT_EQ(all.items.front()->id, "o6");
  EXPECT_EQ(all.items.back()->id, "o1");
  order_query pending;
  pending.status = "pending";
  EXPECT_EQ(runner_->orders()->all(pending).items.size(), 5u);
  EXPECT_EQ(runner_->orders()->all(confirmed).items.size(), 1u);

  // An event that leaves the status alone still shows in every list: pages
  // carry the order as it is now, not as it was when it was listed.
  order({od::line_reserved{"S1", kT0 + 11}}, "o5");
  sync();
  const auto now = runner_->orders()->order("o5");
  ASSERT_TRUE(now);
  EXPECT_EQ(now->history.size(), 2u);
  for (const auto& page : {runner_->orders()->all({}), runner_->orders()->by_customer("odd", {}),
                           runner_->orders()->all(pending), runner_->orders()->by_customer("odd", pending)}) {
    auto it = std::find_if(page.items.begin(), page.items.end(), [](const auto& o) { return o->id == "o5"; });
    ASSERT_NE(it, page.items.end());
    EXPECT_EQ((*it)->version, now->version) << "the current view";
    EXPECT_EQ((*it)->status, now->status);
    EXPECT_TRUE((*it)->history.empty()) << "pages carry orders without their history";
  }
}

TEST_F(OrdersTest, AccountsByIdAndByEmail) {
  start_runner();
  customer({account("c1", "ann@example.com", "Ann")}, "c1");
  customer({cd::customer_name_changed{"Ann B", kT0 + 1}, cd::password_changed{"new-hash", kT0 + 2},
            cd::role_changed{cd::role::customer, cd::role::admin, kT0 + 3}},
           "c1");
  sync();
  auto a = runner_->accounts();
  auto by_id = a->by_id("c1");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->name, "Ann B");
  EXPECT_EQ(by_id->password_hash, "new-hash");
  EXPECT_EQ(by_id->role, "admin");
  EXPECT_EQ(by_id->version, 4u);
  EXPECT_EQ(by_id->created_at, kT0);
  auto by_email = a->by_email("Ann@Example.COM");
  ASSERT_TRUE(by_email);
  EXPECT_EQ(by_email->id, "c1");
  EXPECT_FALSE(a->by_email("bob@example.com"));
  EXPECT_FALSE(a->by_email("not an email"));
  EXPECT_EQ(a->count(), 1u);
}

TEST_F(OrdersTest, DashboardFigures) {
  start_runner();
  customer({account("c1", "a@x.io")}, "c1");
  customer({account("c2", "b@x.io")}, "c2");
  product({created("p1", "S1", "Shoe")}, "p1");
  product({created("p2", "S2", "Hat")}, "p2");
  product({created("p3", "S3", "Old"), pd::product_discontinued{"gone", kT0}}, "p3");
  inventory({registered("S1", 100, 5)}, "S1");
  inventory({registered("S2", 1, 5)}, "S2");
  // o1: paid then delivered; o2: paid, cancelled, refunded; o3: confirmed;
  // o4: pending; o5: rejected.
  order({placed("o1", "c1", {line("S1", 3, 1000)}), od::order_confirmed{kT0},
         od::order_paid{"pay1", {3000, "EUR"}, kT0},
         od::order_status_changed{od::status::paid, od::status::processing, kT0},
         od::order_status_changed{od::status::processing, od::status::shipped, kT0},
         od::order_status_changed{od::status::shipped, od::status::delivered, kT0}},
        "o1");
  order({placed("o2", "c2", {line("S2", 1, 500)}), od::order_confirmed{kT0},
         od::order_paid{"pay2", {500, "EUR"}, kT0}, od::order_cancelled{"changed mind", od::status::paid, kT0},
         od::refund_recorded{"r1", {500, "EUR"}, kT0}},
        "o2");
  order({placed("o3", "c1", {line("S2", 4, 100), line("S1", 1, 1000)}), od::order_confirmed{kT0}}, "o3");
  order({placed("o4", "c2", {line("S1", 9, 1000)})}, "o4");
  order({placed("o5", "c2", {line("S1", 1, 1000)}), od::order_rejected{{{"S1", "no"}}, kT0}}, "o5");
  sync();
  auto d = runner_->dashboard();
  EXPECT_EQ(d->position, store_->last_position());
  EXPECT_EQ(d->orders_by_status.at("delivered"), 1u);
  EXPECT_EQ(d->orders_by_status.at("cancelled"), 1u);
  EXPECT_EQ(d->orders_by_status.at("confirmed"), 1u);
  EXPECT_EQ(d->orders_by_status.at("pending"), 1u);
  EXPECT_EQ(d->orders_by_status.at("rejected"), 1u);
  EXPECT_EQ(d->orders_by_status.at("paid"), 0u);
  EXPECT_EQ(d->total_orders, 5u);
  ASSERT_EQ(d->revenue.size(), 1u);
  EXPECT_EQ(d->revenue[0].currency, "EUR");
  EXPECT_EQ(d->revenue[0].gross, 3500);
  EXPECT_EQ(d->revenue[0].refunded, 500);
  EXPECT_EQ(d->revenue[0].net, 3000);
  // Units of confirmed-or-later, not cancelled: S1 3 (o1) + 1 (o3); S2 4 (o3).
  ASSERT_EQ(d->top_products.size(), 2u);
  EXPECT_EQ(d->top_products[0].sku, "S1");
  EXPECT_EQ(d->top_products[0].units, 4);
  EXPECT_EQ(d->top_products[0].product_id, "p1");
  EXPECT_EQ(d->top_products[0].name, "Shoe");
  EXPECT_EQ(d->top_products[1].sku, "S2");
  EXPECT_EQ(d->top_products[1].units, 4);
  EXPECT_EQ(d->low_stock_count, 1u);
  EXPECT_EQ(d->total_products, 2u);
  EXPECT_EQ(d->total_customers, 2u);
}

}  // namespace
}  // namespace agora::projections::testing
