// The read models' stock figures, folded from events alone, against the
// inventory aggregate's own state: random commands are decided by the
// domain, and every event it records goes into both folds.

#include "projections/src/stock_figures.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace agora::projections::detail {
namespace {

namespace inv = domain::inventory;

TEST(StockFigures, FollowTheAggregateThroughAnyDecidedHistory) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    inv::state truth;
    stock_figures figures;
    timestamp_us now = 1'700'000'000'000'000;
    auto run = [&](const inv::command& c) {
      auto d = inv::decide(truth, c);
      if (!d) return;  // refused: nothing recorded
      for (const auto& e : *d) {
        inv::evolve(truth, e);
        figures.apply(e);
      }
    };
    run(inv::register_item{"SKU-1", 50, 5, now});
    for (int step = 0; step < 3000; ++step) {
      now += 1000;
      const std::string order = "o-" + std::to_string(pick(40));
      const std::string cart = "c-" + std::to_string(pick(8));
      switch (pick(10)) {
        case 0: run(inv::receive_stock{1 + pick(20), now}); break;
        case 1: run(inv::adjust{pick(11) - 5, "count", now}); break;
        case 2: run(inv::set_low_stock_threshold{pick(10), now}); break;
        case 3:
        case 4: run(inv::reserve_for_order{order, 1 + pick(4), std::nullopt, now}); break;
        case 5: run(inv::hold_for_cart{cart, 1 + pick(4), now + 5000 + pick(20000), now}); break;
        case 6: run(inv::release_hold{cart, now}); break;
        case 7: run(inv::release_reservation{order, "cancelled", now}); break;
        case 8: run(pick(2) ? inv::command{inv::commit_reservation{order, now}} : inv::command{inv::restore{order, now}}); break;
        default: run(inv::expire_holds{now}); break;
      }
      ASSERT_EQ(figures.registered, truth.registered);
      ASSERT_EQ(figures.on_hand, truth.on_hand) << "seed " << seed << " step " << step;
      ASSERT_EQ(figures.reserved, truth.reserved) << "seed " << seed << " step " << step;
      ASSERT_EQ(figures.held, truth.held) << "seed " << seed << " step " << step;
      ASSERT_EQ(figures.available(), truth.available());
      ASSERT_EQ(figures.low_stock_threshold, truth.low_stock_threshold);
      ASSERT_EQ(figures.created_at, truth.created_at);
      ASSERT_EQ(figures.updated_at, truth.updated_at);
      ASSERT_EQ(figures.holds.size(), truth.holds.size());
    }
  }
}

}  // namespace
}  // namespace agora::projections::detail
