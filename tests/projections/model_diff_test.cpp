// The key-by-key comparison behind dry runs, over two column families of a
// real (in-memory) models' database, and the keys made readable.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "projections/src/model_db.hpp"
#include "projections/src/model_diff.hpp"

namespace agora::projections::detail {
namespace {

class ModelDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = model_db::open({});
    ASSERT_TRUE(db) << db.error();
    db_ = *db;
    live_ = *db_->family("orders", 1);
    shadow_ = *db_->family("orders", 2);
  }
  void TearDown() override {
    live_.reset();
    shadow_.reset();
    db_.reset();
  }
  void put(const family_ptr& f, const std::string& k, const std::string& v) {
    rocksdb::WriteBatch b;
    b.Put(f.get(), k, v);
    ASSERT_TRUE(db_->write(b));
  }
  std::unique_ptr<model_diff> diff() {
    snap_ = db_->snapshot();
    rocksdb::ReadOptions ro;
    ro.snapshot = snap_.get();
    return std::make_unique<model_diff>("orders", std::unique_ptr<rocksdb::Iterator>(db_->db()->NewIterator(ro, live_.get())),
                                        std::unique_ptr<rocksdb::Iterator>(db_->db()->NewIterator(ro, shadow_.get())));
  }
  // Steps until done, `per_step` keys at a time; the number of steps.
  int run(model_diff& d, dry_run_report& r, std::size_t per_step) {
    for (int steps = 1; steps < 100000; ++steps) {
      auto done = d.step(per_step, r);
      EXPECT_TRUE(done) << done.error();
      if (!done || *done) return steps;
    }
    return -1;
  }

  std::shared_ptr<model_db> db_;
  family_ptr live_;
  family_ptr shadow_;
  snapshot_ptr snap_;
};

TEST_F(ModelDiffTest, EqualFamiliesCountTheirEntriesAndNothingElse) {
  for (int i = 0; i < 10; ++i) {
    put(live_, "o" + std::to_string(i), "v");
    put(shadow_, "o" + std::to_string(i), "v");
  }
  auto d = diff();
  dry_run_report r;
  r.what = dry_run_report::state::done;
  EXPECT_EQ(run(*d, r, 3), 4) << "10 keys, 3 per step, then the end seen";
  EXPECT_EQ(r.live_entries, 10u);
  EXPECT_EQ(r.shadow_entries, 10u);
  EXPECT_EQ(d->keys_compared(), 10u);
  EXPECT_TRUE(r.equal());
}

TEST_F(ModelDiffTest, EachKindOfDifferenceIsCountedAndListedInKeyOrder) {
  put(live_, "oa", "1");
  put(shadow_, "oa", "1");
  put(live_, "ob", "live");
  put(shadow_, "ob", "shadow");
  put(live_, "oc", "only live");
  put(shadow_, "od", "only shadow");
  put(live_, "oe", "1");
  put(shadow_, "oe", "1");
  // Written after the snapshot: not seen.
  auto d = diff();
  put(live_, "o0", "late");
  dry_run_report r;
  run(*d, r, 1);
  r.what = dry_run_report::state::done;
  EXPECT_EQ(r.differing, 1u);
  EXPECT_EQ(r.only_live, 1u);
  EXPECT_EQ(r.only_shadow, 1u);
  EXPECT_EQ(r.live_entries, 4u);
  EXPECT_EQ(r.shadow_entries, 4u);
  EXPECT_FALSE(r.equal());
  ASSERT_EQ(r.first.size(), 3u);
  EXPECT_EQ(r.first[0].key, "order b");
  EXPECT_EQ(r.first[0].what, key_difference::kind::value_differs);
  EXPECT_EQ(r.first[1].key, "order c");
  EXPECT_EQ(r.first[1].what, key_difference::kind::only_live);
  EXPECT_EQ(r.first[2].key, "order d");
  EXPECT_EQ(r.first[2].what, key_difference::kind::only_shadow);
}

TEST_F(ModelDiffTest, OnlyTheFirstDifferencesAreListedButAllAreCounted) {
  for (int i = 0; i < 100; ++i) put(live_, "o" + std::to_string(1000 + i), "x");
  put(shadow_, "o9999", "y");
  auto d = diff();
  dry_run_report r;
  run(*d, r, 7);
  EXPECT_EQ(r.only_live, 100u);
  EXPECT_EQ(r.only_shadow, 1u);
  ASSERT_EQ(r.first.size(), dry_run_report::max_listed_differences);
  EXPECT_EQ(r.first.front().key, "order 1000");
  EXPECT_EQ(r.first.back().key, "order 1019");
}

TEST_F(ModelDiffTest, OneSideEmpty) {
  put(shadow_, "h1", "x");
  auto d = diff();
  dry_run_report r;
  run(*d, r, 100);
  EXPECT_EQ(r.live_entries, 0u);
  EXPECT_EQ(r.shadow_entries, 1u);
  EXPECT_EQ(r.only_shadow, 1u);
}

TEST(DescribeKey, NamesTheEntryAndShowsItsIdReadably) {
  EXPECT_EQ(describe_key("orders", "o0192-ab"), "order 0192-ab");
  EXPECT_EQ(describe_key("catalog", "iSKU-1"), "stock SKU-1");
  EXPECT_EQ(describe_key("dashboard", "n"), "totals");
  EXPECT_EQ(describe_key("orders", std::string("spaid\0ffff", 10)), "index by status paid/ffff");
  // An order's history entry: the id, then the version from its 8 bytes.
  EXPECT_EQ(describe_key("orders", std::string("ho7\0\0\0\0\0\0\0\x01\x02", 12)), "order history o7 version 258");
  // Non-printable bytes, and a prefix no model uses.
  EXPECT_EQ(describe_key("catalog", std::string("p\x01\xff\\", 4)), "product \\x01\\xff\\x5c");
  EXPECT_EQ(describe_key("catalog", "zed"), "zed");
  EXPECT_EQ(describe_key("catalog", ""), "(empty key)");
}

TEST(DescribeKey, EmailAddressesAreWithheld) {
  const auto k = describe_key("accounts", "ealice@example.com");
  EXPECT_EQ(k.find("alice"), std::string::npos) << k;
  EXPECT_EQ(k.find("example"), std::string::npos) << k;
  EXPECT_EQ(k.rfind("e-mail index (address withheld", 0), 0u) << k;
  EXPECT_NE(k, describe_key("accounts", "ebob@example.com")) << "two addresses are told apart";
}

}  // namespace
}  // namespace agora::projections::detail
