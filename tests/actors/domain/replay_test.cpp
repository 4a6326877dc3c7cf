// Replay equivalence for the order and cart aggregates over long, mixed histories
// (the inventory one lives in the property test): full replay == step-by-step
// state, and snapshot at k + the remaining events == full replay.

#include <random>

#include "test_support.hpp"

namespace agora::domain::testing {
namespace {

template <class A>
void expect_replay_equivalence(const std::vector<typename A::event>& history,
                               const typename A::state& stepped) {
  const std::string final_json = A::encode_state(stepped);
  EXPECT_EQ(A::encode_state(fold<A>(history)), final_json);
  for (std::size_t k = 0; k <= history.size(); k += std::max<std::size_t>(1, history.size() / 17)) {
    typename A::state at_k;
    for (std::size_t i = 0; i < k; ++i) A::evolve(at_k, history[i]);
    auto snap = A::decode_state(A::encode_state(at_k));
    ASSERT_TRUE(snap.has_value()) << snap.error().message;
    auto resumed = std::move(snap).value();
    for (std::size_t i = k; i < history.size(); ++i) A::evolve(resumed, history[i]);
    EXPECT_EQ(A::encode_state(resumed), final_json) << "snapshot at " << k;
  }
}

template <class A>
void step(typename A::state& s, std::vector<typename A::event>& history, const typename A::command& c) {
  auto d = A::decide(s, c);
  if (!d.has_value()) return;
  for (const auto& e : d.value()) {
    A::evolve(s, e);
    // Through the stored form, as the actor will read it back.
    const auto enc = A::encode(e);
    auto back = A::decode(enc.type, enc.schema_version, enc.data);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    history.push_back(std::move(back).value());
  }
}

TEST(Replay, CartLongHistory) {
  std::mt19937_64 rng(7);
  cart::state s;
  std::vector<cart::event> history;
  timestamp_us now = t0;
  step<cart_agg>(s, history, cart::create{"c1", "u1", now});
  for (int i = 0; i < 2000; ++i) {
    now += sec;
    const auto sku = "S" + std::to_string(rng() % 30);
    const auto q = static_cast<std::int64_t>(rng() % 5);
    if (rng() % 50 == 0) {
      step<cart_agg>(s, history, cart::clear{now});
    } else {
      step<cart_agg>(s, history, cart::set_line_quantity{sku, q, money{100 + q, "EUR"}, now + 900 * sec, now});
    }
  }
  step<cart_agg>(s, history, cart::checkout{"o1", now});
  EXPECT_EQ(s.current, cart::status::checked_out);
  EXPECT_GT(history.size(), 1000u);
  expect_replay_equivalence<cart_agg>(history, s);
}

TEST(Replay, OrderLifecycles) {
  // Several orders, each through a different path; each stream checked separately.
  for (int variant = 0; variant < 4; ++variant) {
    SCOPED_TRACE(variant);
    order::state s;
    std::vector<order::event> history;
    std::vector<order::line_input> lines;
    for (int i = 0; i < 40; ++i) lines.push_back({"S" + std::to_string(i), i % 9 + 1, money{100 + i, "EUR"}});
    step<order_agg>(s, history, order::place{"o1", "u1", lines, "EUR", std::nullopt, t0});
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (variant == 1 && i == 17) {
        step<order_agg>(s, history, order::record_line_rejected{lines[i].sku, "no stock", t0 + 1});
      } else {
        step<order_agg>(s, history, order::record_line_reserved{lines[i].sku, t0 + 1});
      }
    }
    if (variant >= 2) {
      step<order_agg>(s, history, order::record_payment{false, "p0", s.total, "declined", t0 + 2});
      step<order_agg>(s, history, order::record_payment{true, "p1", s.total, "", t0 + 3});
      step<order_agg>(s, history, order::change_status{order::status::processing, t0 + 4});
    }
    if (variant == 2) step<order_agg>(s, history, order::change_status{order::status::shipped, t0 + 5});
    if (variant == 3) {
      step<order_agg>(s, history, order::cancel{"customer", t0 + 5});
      step<order_agg>(s, history, order::record_refund{"r1", s.paid, t0 + 6});
    }
    const order::status expected[] = {order::status::confirmed, order::status::rejected, order::status::shipped,
                                      order::status::cancelled};
    EXPECT_EQ(s.current, expected[variant]);
    expect_replay_equivalence<order_agg>(history, s);
  }
}

}  // namespace
}  // namespace agora::domain::testing
