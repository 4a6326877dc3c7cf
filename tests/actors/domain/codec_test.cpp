// Codecs: every event type of every aggregate round-trips, states round-trip, and
// decode refuses malformed input with a clear message.

#include <set>

#include "test_support.hpp"

namespace agora::domain::testing {
namespace {

const timestamp_us T = t0 + 123;
money eur(std::int64_t minor) { return money{minor, "EUR"}; }

// Asserts the sample list covers every alternative of the event variant, then
// round-trips each sample.
template <class A>
void round_trip_all(const std::vector<typename A::event>& samples) {
  std::set<std::size_t> seen;
  for (const auto& e : samples) seen.insert(e.index());
  EXPECT_EQ(seen.size(), std::variant_size_v<typename A::event>) << "a sample per event type";
  expect_event_round_trip<A>(samples);
}

TEST(Codec, InventoryEventsRoundTrip) {
  using namespace inventory;
  round_trip_all<inventory_agg>({
      item_registered{"SKU-1", 10, 2, T}, stock_received{5, T}, stock_adjusted{-3, "broken \"glass\"", T},
      low_stock_threshold_set{4, T}, stock_reserved{"o1", 3, T}, stock_held{"c1", 2, T + 9, T},
      hold_released{"c1", 2, T}, hold_expired{"c2", 1, T}, reservation_released{"o1", 3, "rejected", T},
      reservation_committed{"o1", 3, T}, stock_restored{"o1", 3, T}, low_stock_reached{"SKU-1", 1, 2, T},
      back_in_stock{"SKU-1", 5, 2, T}, reservations_forgotten{{"o1", "o2"}, T},
  });
}

TEST(Codec, OrderEventsRoundTrip) {
  using namespace order;
  round_trip_all<order_agg>({
      order_placed{"o1", "u1", std::string("c1"), "EUR", {{"A", 2, eur(5)}, {"B", 1, eur(7)}}, eur(17), T},
      order_placed{"o2", "u1", std::nullopt, "EUR", {{"A", 1, eur(5)}}, eur(5), T},
      line_reserved{"A", T}, line_reservation_failed{"B", "insufficient stock", T}, order_confirmed{T},
      order_rejected{{{"B", "insufficient"}, {"C", "gone"}}, T}, order_paid{"pay-1", eur(17), T},
      payment_declined{"pay-0", "card declined", T}, order_status_changed{status::processing, status::shipped, T},
      order_cancelled{"changed mind", status::paid, T}, refund_recorded{"r1", eur(17), T},
  });
}

TEST(Codec, CartEventsRoundTrip) {
  using namespace cart;
  round_trip_all<cart_agg>({
      cart_created{"c1", "u1", T}, line_quantity_set{"A", 3, eur(5), T + 10, T}, line_removed{"A", T + 10, T},
      cart_cleared{T}, cart_checked_out{"o1", {{"A", 3, eur(5)}, {"B", 1, eur(1)}}, T}, cart_expired{T},
  });
}

TEST(Codec, ProductClaimCustomerEventsRoundTrip) {
  using namespace product;
  round_trip_all<product_agg>({
      product_created{"p1", "SKU-1", "Mug \xE2\x98\x95", "line1\nline2", eur(1299), "kitchen", {"u1", "u2"}, T},
      product_details_updated{std::string("n"), std::nullopt, std::string("c"), std::vector<std::string>{"x"}, T},
      product_details_updated{std::nullopt, std::string("d"), std::nullopt, std::nullopt, T},
      product_price_changed{eur(1), eur(2), T}, product_discontinued{"old", T},
  });
  round_trip_all<claim_agg>({claim::key_claimed{"p1", T}, claim::key_released{"p1", T}});
  using namespace customer;
  round_trip_all<customer_agg>({
      customer_registered{"u1", "a@b.c", "$argon2id$v=19$...", "Ann", role::admin, T},
      customer_name_changed{"Anne", T}, password_changed{"h2", T}, role_changed{role::admin, role::customer, T},
      password_changed{"h3", T, true}, tokens_revoked{T},
  });
}

TEST(Codec, EventTypeNamesArePascalCasePastTense) {
  EXPECT_EQ(order::encode(order::order_placed{}).type, "OrderPlaced");
  EXPECT_EQ(order::type_name(order::order_confirmed{}), "OrderConfirmed");
  EXPECT_EQ(inventory::encode(inventory::stock_reserved{}).type, "StockReserved");
  EXPECT_EQ(inventory::type_name(inventory::low_stock_reached{}), "LowStockReached");
  EXPECT_EQ(cart::encode(cart::cart_checked_out{}).type, "CartCheckedOut");
  EXPECT_EQ(product::encode(product::product_created{}).type, "ProductCreated");
  EXPECT_EQ(claim::encode(claim::key_claimed{}).type, "KeyClaimed");
  EXPECT_EQ(customer::encode(customer::customer_registered{}).type, "CustomerRegistered");
}

TEST(Codec, StatesRoundTrip) {
  expect_state_round_trip<inventory_agg>(inventory::state{});
  expect_state_round_trip<inventory_agg>(fold<inventory_agg>({
      inventory::item_registered{"SKU-1", 10, 2, T}, inventory::stock_reserved{"o1", 3, T},
      inventory::stock_reserved{"o2", 1, T}, inventory::reservation_committed{"o2", 1, T},
      inventory::reservation_released{"o3", 0, "x", T}, inventory::stock_held{"c1", 2, T + 5, T}}));
  expect_state_round_trip<order_agg>(order::state{});
  expect_state_round_trip<order_agg>(fold<order_agg>({
      order::order_placed{"o1", "u1", std::string("c1"), "EUR", {{"A", 2, eur(5)}, {"B", 1, eur(7)}}, eur(17), T},
      order::line_reserved{"A", T}, order::line_reservation_failed{"B", "none", T},
      order::order_rejected{{{"B", "none"}}, T}}));
  expect_state_round_trip<order_agg>(fold<order_agg>({
      order::order_placed{"o1", "u1", std::nullopt, "EUR", {{"A", 1, eur(17)}}, eur(17), T},
      order::line_reserved{"A", T}, order::order_confirmed{T}, order::payment_declined{"p0", "no", T},
      order::order_paid{"p1", eur(17), T}, order::order_cancelled{"x", order::status::paid, T},
      order::refund_recorded{"r1", eur(10), T}}));
  expect_state_round_trip<cart_agg>(cart::state{});
  expect_state_round_trip<cart_agg>(fold<cart_agg>({
      cart::cart_created{"c1", "u1", T}, cart::line_quantity_set{"A", 1, eur(3), T + 5, T},
      cart::cart_checked_out{"o1", {{"A", 1, eur(3)}}, T}}));
  expect_state_round_trip<product_agg>(fold<product_agg>({
      product::product_created{"p1", "S", "n", "d", eur(1), "c", {"i"}, T}, product::product_discontinued{"", T}}));
  expect_state_round_trip<claim_agg>(claim::state{});
  expect_state_round_trip<claim_agg>(fold<claim_agg>({claim::key_claimed{"p1", T}}));
  expect_state_round_trip<customer_agg>(fold<customer_agg>({
      customer::customer_registered{"u1", "a@b.c", "h", "Ann", customer::role::admin, T}}));
}

struct bad_input {
  std::string name;
  std::string type;
  std::uint32_t version;
  std::string json;
  std::string message_contains;
};

TEST(Codec, DecodeRejectsBadInput) {
  const std::vector<bad_input> cases{
      {"malformed JSON", "StockReserved", 1, R"({"order_id": "o1", )", "malformed JSON"},
      {"not JSON at all", "StockReserved", 1, "hello", "StockReserved"},
      {"trailing content", "StockReserved", 1, R"({"order_id":"o1","quantity":1,"at":1} {})", "trailing"},
      {"array root", "StockReserved", 1, "[1,2]", "expected a JSON object"},
      {"empty input", "StockReserved", 1, "", "StockReserved"},
      {"unknown type", "StockStolen", 1, R"({"at":1})", "unknown inventory event type 'StockStolen'"},
      {"unsupported version", "StockReserved", 9, R"({"order_id":"o1","quantity":1,"at":1})",
       "unsupported schema version 9"},
      {"missing field", "StockReserved", 1, R"({"order_id":"o1","at":1})", "missing field 'quantity'"},
      {"missing at", "StockReserved", 1, R"({"order_id":"o1","quantity":1})", "missing field 'at'"},
      {"wrong type string", "StockReserved", 1, R"({"order_id":7,"quantity":1,"at":1})",
       "field 'order_id' must be a string, got integer"},
      {"wrong type integer", "StockReserved", 1, R"({"order_id":"o1","quantity":"1","at":1})",
       "field 'quantity' must be an integer, got string"},
      {"float for integer", "StockReserved", 1, R"({"order_id":"o1","quantity":1.5,"at":1})",
       "field 'quantity' must be an integer, got number"},
      {"null for required", "StockReserved", 1, R"({"order_id":null,"quantity":1,"at":1})",
       "missing field 'order_id'"},
      {"duplicate member", "StockReserved", 1, R"({"order_id":"o1","order_id":"o2","quantity":1,"at":1})",
       "malformed JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = inventory::decode(c.type, c.version, c.json);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, domain_errc::malformed);
    EXPECT_NE(r.error().message.find(c.message_contains), std::string::npos) << r.error().message;
  }
}

TEST(Codec, DecodeRejectsBadNestedFieldsInEveryAggregate) {
  auto expect_bad = [](const agora::expected<order::event, domain_error>& r, const std::string& text) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, domain_errc::malformed);
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
  };
  expect_bad(order::decode("OrderPlaced", 1,
                           R"({"order_id":"o1","customer_id":"u","cart_id":null,"currency":"EUR",)"
                           R"("lines":[{"quantity":1,"unit_price":{"minor":1,"currency":"EUR"}}],)"
                           R"("total":{"minor":1,"currency":"EUR"},"at":1})"),
             "missing field 'lines[0].sku'");
  expect_bad(order::decode("OrderPaid", 1, R"({"payment_id":"p","amount":{"minor":"1","currency":"EUR"},"at":1})"),
             "field 'amount.minor' must be an integer");
  expect_bad(order::decode("OrderStatusChanged", 1, R"({"from":"paid","to":"teleported","at":1})"),
             "unknown status 'teleported'");
  expect_bad(order::decode("OrderShipped", 1, R"({"at":1})"), "unknown order event type");

  auto c = cart::decode("CartCheckedOut", 1, R"({"order_id":"o1","lines":{},"at":1})");
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().message.find("field 'lines' must be an array, got object"), std::string::npos);
  auto p = product::decode("ProductCreated", 1, R"({"product_id":"p"})");
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, domain_errc::malformed);
  auto k = claim::decode("KeyClaimed", 1, R"({"owner_id":true,"at":1})");
  ASSERT_FALSE(k.has_value());
  EXPECT_NE(k.error().message.find("must be a string, got boolean"), std::string::npos);
  auto u = customer::decode("RoleChanged", 1, R"({"from":"customer","to":"root","at":1})");
  ASSERT_FALSE(u.has_value());
  EXPECT_NE(u.error().message.find("unknown role 'root'"), std::string::npos);
  // A PasswordChanged from before rehashes existed is a password change.
  auto pc = customer::decode("PasswordChanged", 1, R"({"password_hash":"h","at":1})");
  ASSERT_TRUE(pc.has_value());
  EXPECT_FALSE(std::get<customer::password_changed>(*pc).rehash);
  EXPECT_EQ(customer::encode(customer::password_changed{"h", 1}).data.find("rehash"), std::string::npos);
  auto v = customer::decode("RoleChanged", 2, R"({"from":"customer","to":"admin","at":1})");
  ASSERT_FALSE(v.has_value());
  EXPECT_NE(v.error().message.find("unsupported schema version 2"), std::string::npos);
}

TEST(Codec, DecodeStateRejectsBadInput) {
  EXPECT_FALSE(inventory::decode_state("{").has_value());
  EXPECT_FALSE(inventory::decode_state(R"({"v":1})").has_value());
  auto wrong_version = order::decode_state(R"({"v":99})");
  ASSERT_FALSE(wrong_version.has_value());
  EXPECT_NE(wrong_version.error().message.find("unsupported schema version 99"), std::string::npos);
  std::string json = inventory::encode_state(fold<inventory_agg>(
      {inventory::item_registered{"S", 1, 0, T}, inventory::stock_reserved{"o1", 1, T}}));
  const auto pos = json.find("\"reserved\"}");
  ASSERT_NE(pos, std::string::npos) << json;
  json.replace(pos, 11, "\"vanished\"}");
  auto bad_status = inventory::decode_state(json);
  ASSERT_FALSE(bad_status.has_value());
  EXPECT_NE(bad_status.error().message.find("unknown reservation status"), std::string::npos);
  EXPECT_FALSE(cart::decode_state("[]").has_value());
  EXPECT_FALSE(product::decode_state("null").has_value());
  EXPECT_FALSE(claim::decode_state(R"({"v":1,"owner":5,"claimed_at":0,"updated_at":0})").has_value());
  EXPECT_FALSE(customer::decode_state(R"({"v":1,"exists":"yes"})").has_value());
}

}  // namespace
}  // namespace agora::domain::testing
