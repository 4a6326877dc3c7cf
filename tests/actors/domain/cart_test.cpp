// Cart decide table.

#include "test_support.hpp"

namespace agora::domain::testing {
namespace {

using namespace cart;
using A = cart_agg;
using evs = std::vector<event>;

const timestamp_us T = t0;
const timestamp_us exp1 = t0 + 900 * sec;
money eur(std::int64_t minor) { return money{minor, "EUR"}; }

evs created() { return {cart_created{"c1", "u1", T}}; }
evs with(evs base, const evs& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}
evs one_line() { return with(created(), {line_quantity_set{"SKU-A", 2, eur(500), exp1, T}}); }

TEST(CartDecide, Commands) {
  evs full = created();
  for (int i = 0; i < 100; ++i) full.push_back(line_quantity_set{"S" + std::to_string(i), 1, eur(1), exp1, T});
  const evs checked_out = with(one_line(), {cart_checked_out{"o1", {{"SKU-A", 2, eur(500)}}, T}});
  const evs expired = with(one_line(), {cart_expired{exp1}});
  run_cases<A>({
      accepts<A>("create", {}, create{"c1", "u1", T}, created()),
      rejects<A>("create twice", created(), create{"c1", "u1", T}, domain_errc::already_exists, "cart_id"),
      rejects<A>("create without customer", {}, create{"c1", "", T}, domain_errc::invalid_argument, "customer_id"),
      accepts<A>("add line", created(), set_line_quantity{"SKU-A", 2, eur(500), exp1, T},
                 {line_quantity_set{"SKU-A", 2, eur(500), exp1, T}}),
      accepts<A>("change line refreshes expiry", one_line(), set_line_quantity{"SKU-A", 3, eur(500), exp1 + sec, T + sec},
                 {line_quantity_set{"SKU-A", 3, eur(500), exp1 + sec, T + sec}}),
      accepts<A>("same line is a no-op", one_line(), set_line_quantity{"SKU-A", 2, eur(500), exp1, T}, {}),
      accepts<A>("quantity 0 removes", one_line(), set_line_quantity{"SKU-A", 0, eur(500), exp1, T},
                 {line_removed{"SKU-A", exp1, T}}),
      accepts<A>("remove missing line", created(), set_line_quantity{"SKU-A", 0, eur(500), exp1, T}, {}),
      rejects<A>("quantity 1000", created(), set_line_quantity{"SKU-A", 1000, eur(1), exp1, T},
                 domain_errc::invalid_argument, "quantity"),
      rejects<A>("negative quantity", created(), set_line_quantity{"SKU-A", -1, eur(1), exp1, T},
                 domain_errc::invalid_argument, "quantity"),
      rejects<A>("bad sku", created(), set_line_quantity{"SKU A", 1, eur(1), exp1, T},
                 domain_errc::invalid_argument, "sku"),
      rejects<A>("bad price", created(), set_line_quantity{"SKU-A", 1, eur(-5), exp1, T},
                 domain_errc::invalid_argument, "unit_price"),
      rejects<A>("bad currency", created(), set_line_quantity{"SKU-A", 1, money{5, "E"}, exp1, T},
                 domain_errc::invalid_argument, "unit_price.currency"),
      rejects<A>("mixed currency", one_line(), set_line_quantity{"SKU-B", 1, money{5, "USD"}, exp1, T},
                 domain_errc::invalid_argument, "unit_price.currency"),
      rejects<A>("expiry in the past", created(), set_line_quantity{"SKU-A", 1, eur(1), T, T},
                 domain_errc::invalid_argument, "expires_at"),
      rejects<A>("101st line", full, set_line_quantity{"SKU-X", 1, eur(1), exp1, T},
                 domain_errc::limit_exceeded, "sku"),
      accepts<A>("change a line of a full cart", full, set_line_quantity{"S5", 2, eur(1), exp1, T},
                 {line_quantity_set{"S5", 2, eur(1), exp1, T}}),
      rejects<A>("line on unknown cart", {}, set_line_quantity{"SKU-A", 1, eur(1), exp1, T}, domain_errc::not_found),
      rejects<A>("line after expiry time", one_line(), set_line_quantity{"SKU-B", 1, eur(1), exp1 + 900 * sec, exp1},
                 domain_errc::expired),
      rejects<A>("line on checked-out cart", checked_out, set_line_quantity{"SKU-B", 1, eur(1), exp1, T},
                 domain_errc::illegal_transition),
      accepts<A>("clear", one_line(), clear{T}, {cart_cleared{T}}),
      accepts<A>("clear empty", created(), clear{T}, {}),
      rejects<A>("clear expired", expired, clear{T}, domain_errc::illegal_transition),
      accepts<A>("checkout", one_line(), checkout{"o1", T}, {cart_checked_out{"o1", {{"SKU-A", 2, eur(500)}}, T}}),
      accepts<A>("checkout repeated", checked_out, checkout{"o1", T}, {}),
      rejects<A>("checkout again for another order", checked_out, checkout{"o2", T}, domain_errc::illegal_transition),
      rejects<A>("checkout empty", created(), checkout{"o1", T}, domain_errc::empty_cart),
      rejects<A>("checkout at expiry", one_line(), checkout{"o1", exp1}, domain_errc::expired),
      rejects<A>("checkout expired", expired, checkout{"o1", T}, domain_errc::illegal_transition),
      rejects<A>("checkout without order id", one_line(), checkout{"", T}, domain_errc::invalid_argument, "order_id"),
      rejects<A>("checkout unknown", {}, checkout{"o1", T}, domain_errc::not_found),
      accepts<A>("expire due", one_line(), expire{exp1}, {cart_expired{exp1}}),
      accepts<A>("expire early", one_line(), expire{exp1 - 1}, {}),
      accepts<A>("expire without lines", created(), expire{exp1}, {}),
      accepts<A>("expire checked out", checked_out, expire{exp1 + sec}, {}),
      accepts<A>("expire twice", expired, expire{exp1 + sec}, {}),
      rejects<A>("expire unknown", {}, expire{exp1}, domain_errc::not_found),
  });
}

// A cart created with an expiry lapses even without lines, and records its slot.
TEST(CartDecide, EmptyCartsLapseAndKeepTheirSlot) {
  const evs created_with_expiry = {cart_created{"c1", "u1", T, exp1, std::int64_t{2}}};
  run_cases<A>({
      accepts<A>("create with expiry and slot", {}, create{"c1", "u1", T, exp1, std::int64_t{2}}, created_with_expiry),
      rejects<A>("expiry not after now", {}, create{"c1", "u1", T, T, std::nullopt}, domain_errc::invalid_argument,
                 "expires_at"),
      rejects<A>("negative slot", {}, create{"c1", "u1", T, exp1, std::int64_t{-1}}, domain_errc::invalid_argument,
                 "slot"),
      accepts<A>("an empty cart expires when due", created_with_expiry, expire{exp1}, {cart_expired{exp1}}),
      accepts<A>("not before", created_with_expiry, expire{exp1 - 1}, {}),
      rejects<A>("a lapsed empty cart takes no line", created_with_expiry,
                 set_line_quantity{"SKU-A", 1, eur(1), exp1 + 900 * sec, exp1}, domain_errc::expired),
  });
  auto s = fold<A>(created_with_expiry);
  EXPECT_EQ(s.slot, std::optional<std::int64_t>(2));
  EXPECT_TRUE(s.is_open_at(exp1 - 1));
  EXPECT_FALSE(s.is_open_at(exp1));
  EXPECT_FALSE(fold<A>(with(created_with_expiry, {cart_expired{exp1}})).is_open_at(T));
  expect_state_round_trip<A>(s);
  expect_event_round_trip<A>(created_with_expiry);
}

TEST(CartState, Folds) {
  auto s = fold<A>(with(one_line(), {line_quantity_set{"SKU-B", 1, eur(100), exp1 + sec, T}, line_removed{"SKU-A", exp1 + 2 * sec, T}}));
  EXPECT_EQ(s.customer_id, "u1");
  ASSERT_EQ(s.lines.size(), 1u);
  EXPECT_EQ(s.lines.at("SKU-B").quantity, 1);
  EXPECT_EQ(s.expires_at, std::optional<timestamp_us>(exp1 + 2 * sec));
  EXPECT_TRUE(s.is_expired_at(exp1 + 2 * sec));
  EXPECT_FALSE(s.is_expired_at(exp1 + sec));
  auto done = fold<A>(with(one_line(), {cart_checked_out{"o1", {{"SKU-A", 2, eur(500)}}, T}}));
  EXPECT_EQ(done.current, status::checked_out);
  EXPECT_EQ(done.order_id, std::optional<std::string>("o1"));
}

}  // namespace
}  // namespace agora::domain::testing
