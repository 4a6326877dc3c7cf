#pragma once
// Every read model's checksum at once, from a runner or an offline replay:
// what the replay and on-disk tests compare.

#include <cstdint>

#include "projections/projection_runner.hpp"
#include "projections/replay.hpp"

namespace agora::projections::testing {

struct model_sums {
  std::uint64_t catalog = 0, orders = 0, accounts = 0, dashboard = 0;
  bool operator==(const model_sums& o) const {
    return catalog == o.catalog && orders == o.orders && accounts == o.accounts && dashboard == o.dashboard;
  }
};

inline model_sums sums_of(const projection_runner& r) {
  return {r.catalog()->checksum(), r.orders()->checksum(), r.accounts()->checksum(), r.dashboard()->checksum()};
}

inline model_sums sums_of(const replay_report& rep) {
  model_sums s;
  for (const auto& m : rep.models) {
    if (m.name == "catalog") s.catalog = m.checksum;
    if (m.name == "orders") s.orders = m.checksum;
    if (m.name == "accounts") s.accounts = m.checksum;
    if (m.name == "dashboard") s.dashboard = m.checksum;
  }
  return s;
}

}  // namespace agora::projections::testing
