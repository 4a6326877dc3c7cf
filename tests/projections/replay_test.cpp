// The read models' checksums and the offline replay: a replay of the whole log
// gives the checksums of the models a runner built live (events arriving in
// many batches while it ran) and of a runner started again on the same store.

#include <gtest/gtest.h>

#include "projections/replay.hpp"
#include "tests/projections/fixture.hpp"
#include "tests/projections/model_sums.hpp"

namespace agora::projections::testing {
namespace {

using sums = model_sums;

template <class T>
sums of(const T& from) {
  return sums_of(from);
}

class ReplayTest : public ProjectionTest {
 protected:
  // A shop's worth of events, appended in small batches; sync() after each
  // round makes the runner apply and publish them as they come.
  void fill(int rounds) {
    for (int i = 0; i < rounds; ++i) {
      const std::string n = std::to_string(i);
      product({created("p" + n, "SKU-" + n, "Lamp " + n, "a lamp", i % 2 ? "light" : "home", 1000 + i)}, "p" + n);
      inventory({registered("SKU-" + n, 5 + i % 3), id::stock_received{2, kT0 + 1}}, "SKU-" + n);
      customer({account("c" + n, "c" + n + "@example.com")}, "c" + n);
      order({placed("o" + n, "c" + n, {line("SKU-" + n, 1, 1000 + i)}), od::order_confirmed{kT0 + 2, kT0 + 900}},
            "o" + n);
      if (runner_) sync();
    }
  }
};

TEST_F(ReplayTest, AFullReplayEqualsTheModelsBuiltLiveAndAfterARestart) {
  start_runner();
  fill(30);
  const sums live = of(*runner_);
  EXPECT_NE(live.catalog, 0u);

  auto rep = replay_models(*store_, {});
  ASSERT_TRUE(rep) << rep.error();
  EXPECT_EQ(rep->events_read, store_->last_position());
  EXPECT_EQ(rep->undecodable, 0u);
  ASSERT_EQ(rep->models.size(), 4u);
  EXPECT_EQ(rep->models[1].entries, 30u);  // orders
  EXPECT_TRUE(of(*rep) == live);
  EXPECT_EQ(of(*rep).orders, live.orders);
  EXPECT_EQ(of(*rep).dashboard, live.dashboard);

  // A restart: a new runner replays the log from 0 in its own batches.
  runner_options small;
  small.batch_events = 7;
  runner_.reset();
  start_runner(small);
  sync();
  EXPECT_TRUE(of(*runner_) == live);
}

TEST_F(ReplayTest, ChecksumsFollowTheContentsOfEachModel) {
  start_runner();
  const sums empty = of(*runner_);
  fill(3);
  const sums before = of(*runner_);
  EXPECT_NE(before.catalog, empty.catalog);
  EXPECT_NE(before.accounts, empty.accounts);

  // One stock movement changes the catalog and nothing else a reader sees of
  // the other models.
  inventory({id::stock_received{1, kT0 + 5}}, "SKU-1");
  sync();
  const sums after = of(*runner_);
  EXPECT_NE(after.catalog, before.catalog);
  EXPECT_EQ(after.orders, before.orders);
  EXPECT_EQ(after.accounts, before.accounts);

  // Only the models asked for are replayed, each with the live checksum.
  auto rep = replay_models(*store_, {"dashboard", "accounts"});
  ASSERT_TRUE(rep) << rep.error();
  ASSERT_EQ(rep->models.size(), 2u);
  EXPECT_EQ(rep->models[0].name, "accounts");
  EXPECT_EQ(rep->models[0].checksum, after.accounts);
  EXPECT_EQ(rep->models[1].checksum, after.dashboard);

  // A replay from a later position is a partial model, which differs.
  auto part = replay_models(*store_, {"catalog"}, 3);
  ASSERT_TRUE(part) << part.error();
  EXPECT_EQ(part->events_read, store_->last_position() - 3);
  EXPECT_NE(part->models[0].checksum, after.catalog);
}

TEST_F(ReplayTest, AnUnknownModelIsRefused) {
  auto rep = replay_models(*store_, {"catalogue"});
  ASSERT_FALSE(rep);
  EXPECT_NE(rep.error().find("catalogue"), std::string::npos);
}

}  // namespace
}  // namespace agora::projections::testing
