#pragma once
// Shared by the tests of the read models on disk (on_disk_test, dry_run_test):
// a runner whose models live in the test's directory, and a small shop to
// fill the log with.

#include <functional>
#include <memory>
#include <string>

#include "projections/src/model_db.hpp"
#include "tests/projections/fixture.hpp"

namespace agora::projections::testing {

class OnDiskTest : public ProjectionTest {
 protected:
  runner_options on_disk() {
    runner_options o;
    o.path = dir_.sub("projections");
    o.history_events = 1000;
    return o;
  }

  // Opens the models' database (the runner stopped) and hands it to `change`,
  // to put it in a state a start must cope with.
  void with_models_db(const std::function<void(detail::model_db&)>& change) {
    detail::model_db_options o;
    o.path = dir_.sub("projections");
    auto db = detail::model_db::open(o);
    ASSERT_TRUE(db) << db.error();
    change(**db);
  }

  // A small shop: products with stock, customers, orders in several states,
  // a cart left open.
  void fill(int from, int to) {
    for (int i = from; i < to; ++i) {
      const std::string n = std::to_string(i);
      product({created("p" + n, "SKU-" + n, "Lamp " + n, "a lamp", i % 2 ? "light" : "home", 1000 + i)}, "p" + n);
      inventory({registered("SKU-" + n, 5 + i % 3), id::stock_received{4, kT0 + 1}}, "SKU-" + n);
      customer({account("c" + n, "c" + n + "@example.com")}, "c" + n);
      order({placed("o" + n, "c" + n, {line("SKU-" + n, 1, 1000 + i)}), od::order_confirmed{kT0 + 2, kT0 + 900}},
            "o" + n);
      if (i % 3 == 0) order({od::order_paid{"pay-" + n, domain::money{1000 + i, "EUR"}, kT0 + 3}}, "o" + n);
    }
  }
};

}  // namespace agora::projections::testing
