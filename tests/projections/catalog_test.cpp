// The catalog read model through the runner: joins, listing, search, suggestions.

#include <string>

#include "tests/projections/fixture.hpp"

namespace agora::projections::testing {
namespace {

class CatalogTest : public ProjectionTest {};

TEST_F(CatalogTest, ProductsAreJoinedWithTheirStock) {
  start_runner();
  inventory({registered("SKU-2", 7, 1)}, "SKU-2");  // stock before its product
  product({created("p1", "SKU-1", "Red Shoe", "A shoe", "shoes", 4999)}, "p1");
  product({created("p2", "SKU-2", "Blue Hat", "A hat", "hats", 1500)}, "p2");
  inventory({registered("SKU-1", 0, 0)}, "SKU-1");
  inventory({id::stock_received{5, kT0 + 1}, id::stock_held{"c1", 2, kT0 + 100, kT0 + 2},
             id::stock_reserved{"o1", 1, kT0 + 3}},
            "SKU-1");
  sync();

  auto c = runner_->catalog();
  auto p1 = c->product("p1");
  ASSERT_TRUE(p1);
  EXPECT_EQ(p1->product->sku, "SKU-1");
  EXPECT_EQ(p1->product->name, "Red Shoe");
  EXPECT_EQ(p1->product->price, 4999);
  EXPECT_EQ(p1->product->currency, "EUR");
  EXPECT_EQ(p1->product->version, 1u);
  ASSERT_TRUE(p1->stock);
  EXPECT_EQ(p1->stock->on_hand, 5);
  EXPECT_EQ(p1->stock->held, 2);
  EXPECT_EQ(p1->stock->reserved, 1);
  EXPECT_EQ(p1->stock->available, 2);
  EXPECT_EQ(p1->stock->inventory_version, 4u);
  EXPECT_TRUE(p1->available_for_sale);

  auto by_sku = c->product_by_sku("SKU-2");
  ASSERT_TRUE(by_sku);
  EXPECT_EQ(by_sku->product->id, "p2");
  EXPECT_EQ(by_sku->stock->available, 7);
  EXPECT_FALSE(c->product("nope"));
  EXPECT_FALSE(c->product_by_sku("nope"));
  ASSERT_TRUE(c->stock("SKU-2"));
  EXPECT_EQ(c->product_count(), 2u);
  EXPECT_EQ(c->inventory_count(), 2u);

  auto cats = c->categories();
  ASSERT_EQ(cats.size(), 2u);
  EXPECT_EQ(cats[0].category, "hats");
  EXPECT_EQ(cats[1].category, "shoes");
  EXPECT_EQ(cats[1].count, 1u);
}

TEST_F(CatalogTest, UpdatesPricesAndDiscontinuationAreApplied) {
  start_runner();
  product({created("p1", "S1", "Lamp", "", "home", 100)}, "p1");
  product({created("p2", "S2", "Desk lamp", "", "home", 200)}, "p2");
  product({pd::product_price_changed{{100, "EUR"}, {150, "EUR"}, kT0 + 1},
           pd::product_details_updated{std::string("Floor lamp"), std::nullopt, std::string("lighting"),
                                       std::nullopt, kT0 + 2}},
          "p1");
  product({pd::product_discontinued{"old", kT0 + 3}}, "p2");
  sync();
  auto c = runner_->catalog();
  auto p1 = c->product("p1");
  ASSERT_TRUE(p1);
  EXPECT_EQ(p1->product->price, 150);
  EXPECT_EQ(p1->product->name, "Floor lamp");
  EXPECT_EQ(p1->product->category, "lighting");
  EXPECT_EQ(p1->product->version, 3u);
  EXPECT_EQ(p1->product->updated_at, kT0 + 2);
  EXPECT_FALSE(p1->available_for_sale);  // no stock

  auto p2 = c->product("p2");
  ASSERT_TRUE(p2);
  EXPECT_TRUE(p2->product->discontinued);

  // Discontinued products leave listings, categories, search and suggestions.
  auto all = c->list({});
  ASSERT_EQ(all.items.size(), 1u);
  EXPECT_EQ(all.items[0].product->id, "p1");
  list_query with;
  with.include_discontinued = true;
  EXPECT_EQ(c->list(with).items.size(), 2u);
  auto cats = c->categories();
  ASSERT_EQ(cats.size(), 1u);
  EXPECT_EQ(cats[0].category, "lighting");
  EXPECT_TRUE(c->search({"desk", "", false, 20, ""}).items.empty());
  EXPECT_EQ(c->search({"desk", "", true, 20, ""}).items.size(), 1u);
  // The old name is no longer searchable, the new one is.
  auto floor = c->search({"floor", "", false, 20, ""});
  ASSERT_EQ(floor.items.size(), 1u);
  EXPECT_EQ(floor.items[0].item.product->id, "p1");
  EXPECT_EQ(c->suggest("des", 5), std::vector<std::string>{});
}

TEST_F(CatalogTest, Bm25RanksNameMatchesAboveOneMentionInALongDescription) {
  start_runner();
  std::string long_desc = "This is a long description about many things";
  for (int i = 0; i < 30; ++i) long_desc += " filler" + std::to_string(i);
  long_desc += " and a single widget mention.";
  product({created("p-b", "B-1", "Gadget box", long_desc, "tools")}, "p-b");
  product({created("p-a", "A-1", "Widget Widget Pro", "compact", "tools")}, "p-a");
  product({created("p-c", "C-1", "Blue Gizmo", "a gizmo", "toys")}, "p-c");
  product({created("p-d", "D-1", "Red Gizmo", "a gizmo", "toys")}, "p-d");
  sync();
  auto c = runner_->catalog();

  auto r = c->search({"widget", "", false, 20, ""});
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].item.product->id, "p-a");
  EXPECT_EQ(r.items[1].item.product->id, "p-b");
  EXPECT_GT(r.items[0].score, r.items[1].score);

  // Multi-term: a document matching both terms beats one matching either.
  auto m = c->search({"BLUE gizmo", "", false, 20, ""});
  ASSERT_EQ(m.items.size(), 2u);
  EXPECT_EQ(m.items[0].item.product->id, "p-c");
  EXPECT_EQ(m.items[1].item.product->id, "p-d");

  // Equal scores are ordered by product id.
  auto t = c->search({"gizmo", "", false, 20, ""});
  ASSERT_EQ(t.items.size(), 2u);
  EXPECT_DOUBLE_EQ(t.items[0].score, t.items[1].score);
  EXPECT_EQ(t.items[0].item.product->id, "p-c");

  // SKU and category are searchable; the category filter narrows.
  EXPECT_EQ(c->search({"a-1", "", false, 20, ""}).items.at(0).item.product->id, "p-a");
  EXPECT_EQ(c->search({"toys", "", false, 20, ""}).items.size(), 2u);
  EXPECT_EQ(c->search({"gizmo widget", "toys", false, 20, ""}).items.size(), 2u);

  EXPECT_TRUE(c->search({"nothing-like-it", "", false, 20, ""}).items.empty());
  EXPECT_TRUE(c->search({"  ,;  ", "", false, 20, ""}).items.empty());

  // Search pages continue after the cursor.
  auto p1 = c->search({"gizmo widget", "", false, 1, ""});
  ASSERT_EQ(p1.items.size(), 1u);
  ASSERT_FALSE(p1.next_cursor.empty());
  std::vector<std::string> seen{p1.items[0].item.product->id};
  std::string cursor = p1.next_cursor;
  while (!cursor.empty()) {
    auto p = c->search({"gizmo widget", "", false, 1, cursor});
    ASSERT_EQ(p.items.size(), 1u);
    seen.push_back(p.items[0].item.product->id);
    cursor = p.next_cursor;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"p-a", "p-c", "p-d", "p-b"}));
}

TEST_F(CatalogTest, NonAsciiWordsAreSearchableBytes) {
  start_runner();
  product({created("p1", "S1", "Crème brûlée torch", "", "kitchen")}, "p1");
  sync();
  auto r = runner_->catalog()->search({"CRÈME", "", false, 20, ""});
  // ASCII folding only: "CRÈME" lower-cases to "crÈme", which differs from "crème".
  EXPECT_TRUE(r.items.empty());
  EXPECT_EQ(runner_->catalog()->search({"brûlée", "", false, 20, ""}).items.size(), 1u);
}

TEST_F(CatalogTest, SuggestionsCompletePrefixesMostRelevantFirst) {
  start_runner();
  product({created("p1", "S1", "Red running shoe", "", "shoes")}, "p1");
  product({created("p2", "S2", "Running shorts", "", "clothes")}, "p2");
  product({created("p3", "S3", "Runner's guide to trails", "", "books")}, "p3");
  product({created("p4", "S4", "Blue Running Shoe Deluxe", "", "shoes")}, "p4");
  product({created("p5", "S5", "Rug", "", "home")}, "p5");
  inventory({registered("S4", 10)}, "S4");
  sync();
  auto c = runner_->catalog();
  // Names starting with the prefix first (shorter first), then in-stock ones.
  EXPECT_EQ(c->suggest("run", 10),
            (std::vector<std::string>{"Running shorts", "Runner's guide to trails",
                                      "Blue Running Shoe Deluxe", "Red running shoe"}));
  EXPECT_EQ(c->suggest("run", 2),
            (std::vector<std::string>{"Running shorts", "Runner's guide to trails"}));
  EXPECT_EQ(c->suggest("running sh", 10),
            (std::vector<std::string>{"Running shorts", "Blue Running Shoe Deluxe",
                                      "Red running shoe"}));
  EXPECT_EQ(c->suggest("ru", 10).size(), 5u);
  EXPECT_TRUE(c->suggest("xyz", 10).empty());
  EXPECT_TRUE(c->suggest("", 10).empty());
}

TEST_F(CatalogTest, ListingCursorsAreStableAcrossInserts) {
  start_runner();
  for (char ch = 'b'; ch <= 'k'; ch += 2) {  // b d f h j
    const std::string n(1, ch);
    product({created("p" + n, "S" + n, "Item " + n, "", "things")}, "p" + n);
  }
  sync();
  list_query q;
  q.limit = 2;
  auto page1 = runner_->catalog()->list(q);
  ASSERT_EQ(page1.items.size(), 2u);
  EXPECT_EQ(page1.items[0].product->name, "Item b");
  EXPECT_EQ(page1.items[1].product->name, "Item d");
  ASSERT_FALSE(page1.next_cursor.empty());

  // Inserts before and after the cursor neither repeat nor skip items.
  product({created("pa", "Sa", "Item a", "", "things")}, "pa");
  product({created("pc", "Sc", "Item c", "", "things")}, "pc");
  product({created("pe", "Se", "Item e", "", "things")}, "pe");
  sync();
  q.cursor = page1.next_cursor;
  auto page2 = runner_->catalog()->list(q);
  ASSERT_EQ(page2.items.size(), 2u);
  EXPECT_EQ(page2.items[0].product->name, "Item e");
  EXPECT_EQ(page2.items[1].product->name, "Item f");
  q.cursor = page2.next_cursor;
  auto page3 = runner_->catalog()->list(q);
  ASSERT_EQ(page3.items.size(), 2u);
  EXPECT_EQ(page3.items[0].product->name, "Item h");
  EXPECT_EQ(page3.items[1].product->name, "Item j");
  EXPECT_TRUE(page3.next_cursor.empty());

  // Category listing uses the same cursors.
  product({created("px", "Sx", "Other", "", "else")}, "px");
  sync();
  list_query cat;
  cat.category = "else";
  auto only = runner_->catalog()->list(cat);
  ASSERT_EQ(only.items.size(), 1u);
  EXPECT_EQ(only.items[0].product->id, "px");
  EXPECT_TRUE(only.next_cursor.empty());
}

TEST_F(CatalogTest, LowStockListFollowsAvailability) {
  start_runner();
  product({created("p1", "S1", "Thing", "", "x")}, "p1");
  inventory({registered("S1", 5, 2)}, "S1");
  inventory({registered("S2", 1, 3)}, "S2");
  inventory({registered("S3", 9, 3)}, "S3");
  sync();
  auto c = runner_->catalog();
  EXPECT_EQ(c->low_stock_count(), 1u);
  inventory({id::stock_reserved{"o1", 3, kT0 + 1}}, "S1");  // available 2 <= 2
  sync();
  auto c2 = runner_->catalog();
  EXPECT_EQ(c2->low_stock_count(), 2u);
  auto page1 = c2->low_stock(1);
  ASSERT_EQ(page1.items.size(), 1u);
  EXPECT_EQ(page1.items[0]->sku, "S1");
  auto page2 = c2->low_stock(1, page1.next_cursor);
  ASSERT_EQ(page2.items.size(), 1u);
  EXPECT_EQ(page2.items[0]->sku, "S2");
  EXPECT_TRUE(page2.next_cursor.empty());
  inventory({id::reservation_released{"o1", 3, "rejected", kT0 + 2}}, "S1");
  sync();
  EXPECT_EQ(runner_->catalog()->low_stock_count(), 1u);
  EXPECT_EQ(c2->low_stock_count(), 2u);  // the held snapshot is unchanged
}

}  // namespace
}  // namespace agora::projections::testing
