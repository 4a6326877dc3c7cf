// cow_map against std::map: the same contents and order after any mix of
// puts and erases, and snapshots that never change once taken, however many
// nodes the original copies, splits or drops after them.

#include "projections/src/cow_map.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace agora::projections::detail {
namespace {

using map_t = cow_map<std::string, int>;
using ref_t = std::map<std::string, int>;
using entries = std::vector<std::pair<std::string, int>>;

std::vector<std::pair<std::string, int>> up(const map_t& m, const std::string* from = nullptr) {
  std::vector<std::pair<std::string, int>> out;
  m.scan_up(from, [&](const std::string& k, int v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

std::vector<std::pair<std::string, int>> down(const map_t& m, const std::string* before = nullptr) {
  std::vector<std::pair<std::string, int>> out;
  m.scan_down(before, [&](const std::string& k, int v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

void expect_same(const map_t& m, const ref_t& ref, const std::string& probe) {
  ASSERT_EQ(m.size(), ref.size());
  const entries all(ref.begin(), ref.end());
  ASSERT_EQ(up(m), all);
  ASSERT_EQ(down(m), entries(all.rbegin(), all.rend()));
  // Bounded scans from a probe key, present or not.
  const entries from(ref.lower_bound(probe), ref.end());
  ASSERT_EQ(up(m, &probe), from);
  entries before(ref.begin(), ref.lower_bound(probe));
  std::reverse(before.begin(), before.end());
  ASSERT_EQ(down(m, &probe), before);
}

std::string key_of(std::mt19937_64& rng, int space) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "k%07d", static_cast<int>(rng() % static_cast<unsigned>(space)));
  return buf;
}

TEST(CowMap, MatchesStdMapThroughPutsAndErases) {
  std::mt19937_64 rng(42);
  map_t m;
  ref_t ref;
  for (int i = 0; i < 60000; ++i) {
    const std::string k = key_of(rng, 20000);
    if (rng() % 4 == 0) {
      EXPECT_EQ(m.erase(k), ref.erase(k) == 1) << k;
    } else {
      m.put(k, i);
      ref[k] = i;
    }
    if (i % 5000 == 0) expect_same(m, ref, key_of(rng, 20000));
  }
  expect_same(m, ref, key_of(rng, 20000));
  for (const auto& [k, v] : ref) {
    const int* got = m.find(k);
    ASSERT_NE(got, nullptr) << k;
    EXPECT_EQ(*got, v);
  }
  EXPECT_EQ(m.find("absent"), nullptr);
  EXPECT_EQ(m.find(""), nullptr);
}

TEST(CowMap, SnapshotsNeverChangeAfterTheyAreTaken) {
  std::mt19937_64 rng(7);
  map_t m;
  ref_t ref;
  std::vector<std::pair<map_t, ref_t>> snapshots;
  for (int round = 0; round < 40; ++round) {
    // Inserts at the front (like newest-first order keys), at the back and
    // anywhere, and erases: every kind of split and drop happens after some
    // snapshot shares the nodes.
    for (int i = 0; i < 500; ++i) {
      std::string k;
      switch (rng() % 4) {
        case 0: k = "a" + std::to_string(1000000 - round * 1000 - i); break;
        case 1: k = "z" + std::to_string(round * 1000 + i); break;
        default: k = key_of(rng, 5000); break;
      }
      if (rng() % 5 == 0 && !ref.empty()) {
        const std::string victim = ref.begin()->first;
        m.erase(victim);
        ref.erase(victim);
      }
      m.put(k, round);
      ref[k] = round;
    }
    snapshots.emplace_back(m, ref);
  }
  for (const auto& [snap, expected] : snapshots) expect_same(snap, expected, key_of(rng, 5000));
  expect_same(m, ref, "m");
}

TEST(CowMap, EmptiedMapWorksAgain) {
  map_t m;
  for (int i = 0; i < 10000; ++i) m.put(std::to_string(i), i);
  const map_t snap = m;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(m.erase(std::to_string(i)));
  EXPECT_TRUE(m.empty());
  EXPECT_TRUE(up(m).empty());
  EXPECT_TRUE(down(m).empty());
  EXPECT_EQ(snap.size(), 10000u);
  m.put("x", 1);
  ASSERT_NE(m.find("x"), nullptr);
  EXPECT_EQ(up(m).size(), 1u);
  EXPECT_EQ(snap.find("x"), nullptr);
}

}  // namespace
}  // namespace agora::projections::detail
