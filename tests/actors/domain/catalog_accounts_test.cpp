// Product, claim and customer decide tables.

#include "test_support.hpp"

namespace agora::domain::testing {
namespace {

const timestamp_us T = t0;
money eur(std::int64_t minor) { return money{minor, "EUR"}; }

template <class E>
std::vector<E> with(std::vector<E> base, const std::vector<E>& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// ---- product ----------------------------------------------------------------

product::create create_cmd() {
  return product::create{"p1", "SKU-1", "Mug", "A mug", eur(1299), "kitchen", {"https://img/1.png"}, T};
}
product::product_created created_event() {
  return product::product_created{"p1", "SKU-1", "Mug", "A mug", eur(1299), "kitchen", {"https://img/1.png"}, T};
}

TEST(ProductDecide, Commands) {
  using namespace product;
  using A = product_agg;
  const std::vector<event> live{created_event()};
  const std::vector<event> gone = with(live, {product_discontinued{"old", T}});
  auto create_with = [](auto mutate) {
    product::create c = create_cmd();
    mutate(c);
    return c;
  };
  std::vector<std::string> too_many(21, "u");
  run_cases<A>({
      accepts<A>("create", {}, create_cmd(), live),
      accepts<A>("create free, no images", {}, create_with([](product::create& c) { c.price = eur(0); c.image_urls.clear(); }),
                 {product_created{"p1", "SKU-1", "Mug", "A mug", eur(0), "kitchen", {}, T}}),
      rejects<A>("create twice", live, create_cmd(), domain_errc::already_exists, "product_id"),
      rejects<A>("bad sku", {}, create_with([](product::create& c) { c.sku = "a/b"; }), domain_errc::invalid_argument, "sku"),
      rejects<A>("empty name", {}, create_with([](product::create& c) { c.name = ""; }), domain_errc::invalid_argument, "name"),
      rejects<A>("long name", {}, create_with([](product::create& c) { c.name = std::string(201, 'n'); }),
                 domain_errc::invalid_argument, "name"),
      rejects<A>("long description", {}, create_with([](product::create& c) { c.description = std::string(5001, 'd'); }),
                 domain_errc::invalid_argument, "description"),
      rejects<A>("empty category", {}, create_with([](product::create& c) { c.category = ""; }),
                 domain_errc::invalid_argument, "category"),
      rejects<A>("long category", {}, create_with([](product::create& c) { c.category = std::string(101, 'c'); }),
                 domain_errc::invalid_argument, "category"),
      rejects<A>("negative price", {}, create_with([](product::create& c) { c.price = eur(-1); }),
                 domain_errc::invalid_argument, "price"),
      rejects<A>("price above 10^12", {}, create_with([](product::create& c) { c.price = eur(1'000'000'000'001); }),
                 domain_errc::invalid_argument, "price"),
      rejects<A>("bad currency", {}, create_with([](product::create& c) { c.price = money{1, "Eur"}; }),
                 domain_errc::invalid_argument, "price.currency"),
      rejects<A>("21 images", {}, create_with([&](product::create& c) { c.image_urls = too_many; }),
                 domain_errc::invalid_argument, "image_urls"),
      rejects<A>("long image url", {}, create_with([](product::create& c) { c.image_urls = {"u", std::string(2049, 'u')}; }),
                 domain_errc::invalid_argument, "image_urls[1]"),
      accepts<A>("update name", live, update_details{std::string("Big mug"), std::nullopt, std::nullopt, std::nullopt, T},
                 {product_details_updated{std::string("Big mug"), std::nullopt, std::nullopt, std::nullopt, T}}),
      accepts<A>("update keeps only changes", live,
                 update_details{std::string("Mug"), std::string("New"), std::string("kitchen"), std::vector<std::string>{}, T},
                 {product_details_updated{std::nullopt, std::string("New"), std::nullopt, std::vector<std::string>{}, T}}),
      accepts<A>("update without change", live, update_details{std::string("Mug"), std::nullopt, std::nullopt, std::nullopt, T}, {}),
      accepts<A>("update nothing", live, update_details{}, {}),
      rejects<A>("update bad name", live, update_details{std::string(""), std::nullopt, std::nullopt, std::nullopt, T},
                 domain_errc::invalid_argument, "name"),
      rejects<A>("update unknown", {}, update_details{}, domain_errc::not_found),
      rejects<A>("update discontinued", gone, update_details{std::string("x"), std::nullopt, std::nullopt, std::nullopt, T},
                 domain_errc::illegal_transition),
      accepts<A>("change price", live, change_price{eur(1499), T}, {product_price_changed{eur(1299), eur(1499), T}}),
      accepts<A>("same price", live, change_price{eur(1299), T}, {}),
      rejects<A>("negative price change", live, change_price{eur(-1), T}, domain_errc::invalid_argument, "price"),
      rejects<A>("price unknown", {}, change_price{eur(1), T}, domain_errc::not_found),
      rejects<A>("price discontinued", gone, change_price{eur(1), T}, domain_errc::illegal_transition),
      accepts<A>("discontinue", live, discontinue{"old", T}, {product_discontinued{"old", T}}),
      rejects<A>("discontinue twice", gone, discontinue{"old", T}, domain_errc::illegal_transition),
      rejects<A>("discontinue unknown", {}, discontinue{"old", T}, domain_errc::not_found),
  });
  auto s = fold<A>(with(live, {product_details_updated{std::string("Big"), std::nullopt, std::nullopt, std::nullopt, T + 1},
                               product_price_changed{eur(1299), eur(1), T + 2}}));
  EXPECT_EQ(s.name, "Big");
  EXPECT_EQ(s.description, "A mug");
  EXPECT_EQ(s.price, eur(1));
  EXPECT_EQ(s.updated_at, T + 2);
}

// ---- claim -------------------------------------------------------------------

TEST(ClaimDecide, Commands) {
  using namespace claim;
  using A = claim_agg;
  const std::vector<event> taken{key_claimed{"p1", T}};
  const std::vector<event> freed = with(taken, {key_released{"p1", T}});
  run_cases<A>({
      accepts<A>("claim free key", {}, claim::claim{"p1", T}, taken),
      accepts<A>("claim again by owner", taken, claim::claim{"p1", T}, {}),
      rejects<A>("claim by another", taken, claim::claim{"p2", T}, domain_errc::already_exists, "owner_id"),
      rejects<A>("claim without owner", {}, claim::claim{"", T}, domain_errc::invalid_argument, "owner_id"),
      accepts<A>("release by owner", taken, release{"p1", T}, {key_released{"p1", T}}),
      rejects<A>("release by another", taken, release{"p2", T}, domain_errc::conflict, "owner_id"),
      accepts<A>("release free key", {}, release{"p1", T}, {}),
      accepts<A>("claim after release", freed, claim::claim{"p2", T}, {key_claimed{"p2", T}}),
  });
  EXPECT_EQ(fold<A>(taken).owner, std::optional<std::string>("p1"));
  EXPECT_FALSE(fold<A>(freed).owner.has_value());
}

// ---- customer -----------------------------------------------------------------

TEST(CustomerDecide, Commands) {
  using namespace customer;
  using A = customer_agg;
  const std::vector<event> reg{customer_registered{"u1", "ann@example.com", "h1", "Ann", role::customer, T}};
  auto reg_with = [](std::string email, std::string hash, std::string name) {
    return register_customer{"u1", std::move(email), std::move(hash), std::move(name), role::customer, T};
  };
  run_cases<A>({
      accepts<A>("register normalizes email", {}, reg_with("Ann@Example.COM", "h1", "Ann"), reg),
      accepts<A>("register admin", {}, register_customer{"u2", "root@x.io", "h", "Root", role::admin, T},
                 {customer_registered{"u2", "root@x.io", "h", "Root", role::admin, T}}),
      rejects<A>("register twice", reg, reg_with("ann@example.com", "h1", "Ann"), domain_errc::already_exists, "customer_id"),
      rejects<A>("email without @", {}, reg_with("ann.example.com", "h", "Ann"), domain_errc::invalid_argument, "email"),
      rejects<A>("email with two @", {}, reg_with("a@b@c", "h", "Ann"), domain_errc::invalid_argument, "email"),
      rejects<A>("email without local part", {}, reg_with("@b.c", "h", "Ann"), domain_errc::invalid_argument, "email"),
      rejects<A>("email without domain", {}, reg_with("a@", "h", "Ann"), domain_errc::invalid_argument, "email"),
      rejects<A>("email too long", {}, reg_with(std::string(250, 'a') + "@b.io", "h", "Ann"),
                 domain_errc::invalid_argument, "email"),
      rejects<A>("email with space", {}, reg_with("a b@c.d", "h", "Ann"), domain_errc::invalid_argument, "email"),
      rejects<A>("empty hash", {}, reg_with("a@b.c", "", "Ann"), domain_errc::invalid_argument, "password_hash"),
      rejects<A>("empty name", {}, reg_with("a@b.c", "h", ""), domain_errc::invalid_argument, "name"),
      rejects<A>("long name", {}, reg_with("a@b.c", "h", std::string(201, 'n')), domain_errc::invalid_argument, "name"),
      accepts<A>("change name", reg, change_name{"Anne", T}, {customer_name_changed{"Anne", T}}),
      accepts<A>("same name", reg, change_name{"Ann", T}, {}),
      rejects<A>("bad name", reg, change_name{"", T}, domain_errc::invalid_argument, "name"),
      rejects<A>("name of unknown", {}, change_name{"Ann", T}, domain_errc::not_found),
      accepts<A>("change password", reg, change_password{"h2", T}, {password_changed{"h2", T}}),
      accepts<A>("same password hash", reg, change_password{"h1", T}, {}),
      rejects<A>("empty password hash", reg, change_password{"", T}, domain_errc::invalid_argument, "password_hash"),
      rejects<A>("password of unknown", {}, change_password{"h", T}, domain_errc::not_found),
      accepts<A>("promote", reg, change_role{role::admin, T}, {role_changed{role::customer, role::admin, T}}),
      accepts<A>("same role", reg, change_role{role::customer, T}, {}),
      rejects<A>("role of unknown", {}, change_role{role::admin, T}, domain_errc::not_found),
      accepts<A>("rehash of the current hash", reg, change_password{"h1b", T, true, "h1"},
                 {password_changed{"h1b", T, true}}),
      accepts<A>("stale rehash after a password change", reg, change_password{"h1b", T, true, "h0"}, {}),
      accepts<A>("logout", reg, revoke_tokens{T}, {tokens_revoked{T}}),
      rejects<A>("logout of unknown", {}, revoke_tokens{T}, domain_errc::not_found),
  });
  auto s = fold<A>(with(reg, {role_changed{role::customer, role::admin, T}, password_changed{"h9", T}}));
  EXPECT_EQ(s.account_role, role::admin);
  EXPECT_EQ(s.password_hash, "h9");
  auto n = normalize_email("MiXeD@Example.ORG");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n.value(), "mixed@example.org");
}

// ---- shared pieces ----------------------------------------------------------------

TEST(DomainError, KindsAndNames) {
  EXPECT_EQ(kind_of(domain_errc::not_found), error_kind::not_found);
  EXPECT_EQ(kind_of(domain_errc::already_exists), error_kind::conflict);
  EXPECT_EQ(kind_of(domain_errc::illegal_transition), error_kind::conflict);
  EXPECT_EQ(kind_of(domain_errc::insufficient_stock), error_kind::conflict);
  EXPECT_EQ(kind_of(domain_errc::conflict), error_kind::conflict);
  EXPECT_EQ(kind_of(domain_errc::invalid_argument), error_kind::invalid);
  EXPECT_EQ(kind_of(domain_errc::expired), error_kind::invalid);
  EXPECT_EQ(kind_of(domain_errc::empty_cart), error_kind::invalid);
  EXPECT_STREQ(to_string(domain_errc::insufficient_stock), "insufficient_stock");
  EXPECT_STREQ(to_string(domain_errc::illegal_transition), "illegal_transition");
}

TEST(Money, ValidationAndCheckedArithmetic) {
  EXPECT_TRUE(is_valid_currency("EUR"));
  EXPECT_FALSE(is_valid_currency("eur"));
  EXPECT_FALSE(is_valid_currency("EURO"));
  EXPECT_FALSE(is_valid_currency(""));
  EXPECT_TRUE(validate_money(eur(0), "price").has_value());
  auto neg = validate_money(eur(-1), "price");
  ASSERT_FALSE(neg.has_value());
  EXPECT_EQ(neg.error().field, "price");
  auto sum = add(eur(1), eur(2));
  ASSERT_TRUE(sum.has_value());
  EXPECT_EQ(sum.value(), eur(3));
  auto mixed = add(eur(1), money{2, "USD"}, "total");
  ASSERT_FALSE(mixed.has_value());
  EXPECT_EQ(mixed.error().code, domain_errc::conflict);
  auto big = add(eur(INT64_MAX), eur(1), "total");
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().field, "total");
  auto prod = multiply(eur(INT64_MAX / 2 + 1), 2, "quantity");
  ASSERT_FALSE(prod.has_value());
  EXPECT_EQ(prod.error().code, domain_errc::invalid_argument);
  auto ok = multiply(eur(250), 4);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok.value(), eur(1000));
}

}  // namespace
}  // namespace agora::domain::testing
