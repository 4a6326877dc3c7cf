// The accounts read model finds an account by e-mail under the domain's
// normalisation, also for accounts stored under an older one.

#include "tests/projections/fixture.hpp"

namespace agora::projections::testing {
namespace {

class AccountsEmail : public ProjectionTest {};

TEST_F(AccountsEmail, AccountsStoredUnderTheOldAsciiOnlyKeyAreFoundByTheNewOne) {
  // Registered before NFKC/case folding/IDNA: the stored address kept its
  // capital Ä and its Unicode domain.
  customer({account("c1", "Ä@bücher.de", "Old")}, "c1");
  customer({account("c2", "plain@example.com", "Plain")}, "c2");
  start_runner();
  sync();
  auto s = runner_->accounts();
  for (const char* typed : {"ä@bücher.de", "Ä@BÜCHER.DE", "ä@xn--bcher-kva.de", "ä@bücher.de."}) {
    auto a = s->by_email(typed);
    ASSERT_NE(a, nullptr) << typed;
    EXPECT_EQ(a->id, "c1");
  }
  ASSERT_NE(s->by_email("PLAIN@example.com."), nullptr);
}

TEST_F(AccountsEmail, WhenTwoOldAccountsNowShareAKeyTheFirstKeepsIt) {
  customer({account("c1", "Ä@x.de", "First")}, "c1");
  customer({account("c2", "ä@x.de", "Second")}, "c2");
  customer({cd::customer_name_changed{"Second again", kT0 + 1}}, "c2");
  start_runner();
  sync();
  auto a = runner_->accounts()->by_email("ä@x.de");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->id, "c1");
  EXPECT_NE(runner_->accounts()->by_id("c2"), nullptr);
}

}  // namespace
}  // namespace agora::projections::testing
