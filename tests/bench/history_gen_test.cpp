// The history generator: what it writes is a store the project accepts (the
// store's own integrity check, the read models without a decode error), the
// read models count what the generator says it generated, generated customers
// log in with the password, and the same seed writes the same log.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "actors/domain/order.hpp"
#include "bench/history_gen/history_plan.hpp"
#include "bench/history_gen/history_writer.hpp"
#include "eventstore/event_store.hpp"
#include "http/auth.hpp"
#include "projections/projection_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora::bench {
namespace {

namespace es = agora::eventstore;
namespace od = agora::domain::order;

constexpr const char* kPassword = "generated-password";

/// One cheap hash for every test (the tool hashes at the INTERACTIVE cost).
const std::string& password_hash() {
  static const std::string h = *http::hash_password(kPassword, http::password_cost::minimum());
  return h;
}

struct generated {
  history_counts counts;
  history_samples samples;
  std::size_t snapshots = 0;
};

/// Writes the plan for `o` into a new store at `dir` the way the tool does.
generated generate(const std::string& dir, history_options o) {
  es::store_options so;
  so.path = dir;
  so.sync = false;
  so.validate_json = false;
  auto store = es::event_store::open(so);
  EXPECT_TRUE(store) << store.error().message;
  history_plan plan(std::move(o));
  {
    history_writer writer(**store, 256);
    planned_append a;
    while (plan.next(a)) {
      if (!writer.write(std::move(a))) break;
    }
    EXPECT_TRUE(writer.drain()) << writer.error();
  }
  EXPECT_EQ(plan.error(), "");
  generated g;
  for (const auto& [stream, snap] : plan.snapshots()) {
    EXPECT_TRUE((*store)->put_snapshot(stream, snap));
    ++g.snapshots;
  }
  EXPECT_TRUE((*store)->flush());
  g.counts = plan.counts();
  g.samples = plan.samples();
  return g;
}

history_options small(std::uint64_t orders, std::uint64_t seed) {
  history_options o;
  o.orders = orders;
  o.seed = seed;
  o.password_hash = password_hash();
  return o;
}

/// FNV-1a over every field of every event of the log.
std::uint64_t log_checksum(const std::string& dir) {
  es::store_options so;
  so.path = dir;
  so.mode = es::open_mode::read_only;
  auto store = es::event_store::open(so);
  EXPECT_TRUE(store) << store.error().message;
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;  // field separator
  };
  auto num = [&mix](std::uint64_t v) { mix(std::to_string(v)); };
  for (es::log_position from = 1;;) {
    auto n = (*store)->scan_log(from, 4096, [&](const es::event_view& e) {
      mix(e.id.to_string());
      mix(e.stream);
      num(e.version);
      num(e.position);
      mix(e.type);
      num(e.schema_version);
      num(static_cast<std::uint64_t>(e.timestamp));
      mix(e.correlation_id);
      mix(e.causation_id);
      mix(e.actor);
      mix(e.data);
      return true;
    });
    EXPECT_TRUE(n);
    if (!n || *n == 0) break;
    from += *n;
  }
  return h;
}

TEST(HistoryGen, WritesAStoreTheReadModelsCountAsTheGeneratorDid) {
  testing::temp_dir tmp("agora-history-gen");
  const std::string dir = tmp.sub("store");
  const generated g = generate(dir, small(2000, 3));
  const auto& k = g.counts;
  ASSERT_EQ(k.orders, 2000u);

  // Every kind of ending is there (recent orders still open, too).
  EXPECT_GT(k.by_status[static_cast<std::size_t>(od::status::delivered)], 1000u);
  EXPECT_GT(k.by_status[static_cast<std::size_t>(od::status::cancelled)], 0u);
  EXPECT_GT(k.by_status[static_cast<std::size_t>(od::status::rejected)], 0u);
  EXPECT_GT(k.by_status[static_cast<std::size_t>(od::status::confirmed)], 0u);
  EXPECT_GT(k.refunded, 0u);
  EXPECT_GT(k.payment_declines, 0u);
  EXPECT_GT(k.deadline_cancels, 0u);
  EXPECT_EQ(k.by_status[static_cast<std::size_t>(od::status::pending)], 0u);

  es::store_options so;
  so.path = dir;
  auto opened = es::event_store::open(so);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& store = **opened;

  // (1) The store's own check, and the log holds exactly what was counted.
  auto rep = store.verify();
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep->ok) << (rep->problems.empty() ? "" : rep->problems.front());
  EXPECT_EQ(rep->events, k.events);
  EXPECT_EQ(store.last_position(), k.events);

  // Times grow with the log (the events of one append share theirs); an order
  // stream starts with OrderPlaced. Carts: each checkout placed an order whose
  // reservations converted the holds; abandoned carts lapsed.
  timestamp_us prev = 0;
  std::uint64_t out_of_order = 0;
  std::map<std::string, std::uint64_t, std::less<>> types;
  for (es::log_position from = 1; from <= store.last_position();) {
    auto n = store.scan_log(from, 4096, [&](const es::event_view& e) {
      if (e.timestamp < prev) ++out_of_order;
      prev = e.timestamp;
      if (e.stream.substr(0, 6) == "order-" && e.version == 1 && e.type != "OrderPlaced") ++out_of_order;
      ++types[std::string(e.type)];
      return true;
    });
    ASSERT_TRUE(n);
    if (*n == 0) break;
    from += *n;
  }
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_GT(k.cart_orders, 300u);
  EXPECT_GT(k.abandoned_carts, 100u);
  EXPECT_EQ(types["CartCheckedOut"], k.cart_orders);
  EXPECT_EQ(types["CartExpired"], k.abandoned_carts);
  EXPECT_EQ(types["CartCreated"], k.cart_orders + k.abandoned_carts);
  // Every hold ends: converted by a reservation or released when its cart lapsed.
  EXPECT_EQ(types["StockHeld"], types["HoldReleased"]);
  EXPECT_EQ(types["KeyClaimed"] - types["KeyReleased"], k.customers + k.products);  // cart slots all given back

  // Orders awaiting payment keep the wake-up their actor would have set (at
  // the payment deadline); no other order does.
  auto wakeups = store.list_wakeups(100000);
  ASSERT_TRUE(wakeups);
  EXPECT_EQ(wakeups->size(), k.by_status[static_cast<std::size_t>(od::status::confirmed)]);
  for (const auto& w : *wakeups) EXPECT_EQ(w.stream.substr(0, 6), "order-");

  // (2) The read models, replayed from position 0 by the real runner.
  // On disk, as a node runs them (issue 15's models in their own RocksDB).
  projections::runner_options ro;
  ro.path = tmp.sub("models");
  projections::projection_runner runner(store, ro);
  auto started = runner.start();
  ASSERT_TRUE(started) << started.error();
  ASSERT_TRUE(runner.wait_for_position(store.last_position(), std::chrono::minutes(2)));
  for (const auto& st : runner.status()) EXPECT_EQ(st.last_error, "") << st.name;

  const auto dash = runner.dashboard();
  EXPECT_EQ(dash->total_orders, k.orders);
  for (std::size_t i = 0; i < k.by_status.size(); ++i) {
    const std::string name = od::to_string(static_cast<od::status>(i));
    const auto it = dash->orders_by_status.find(name);
    ASSERT_NE(it, dash->orders_by_status.end()) << name;
    EXPECT_EQ(it->second, k.by_status[i]) << name;
  }
  EXPECT_EQ(dash->total_customers, k.customers);
  EXPECT_EQ(dash->total_products, k.products);
  ASSERT_EQ(dash->revenue.size(), 1u);
  EXPECT_GT(dash->revenue[0].refunded, 0);
  EXPECT_EQ(runner.orders()->count(), k.orders);
  EXPECT_EQ(runner.accounts()->count(), k.customers);
  EXPECT_EQ(runner.catalog()->product_count(), k.products);
  EXPECT_EQ(runner.catalog()->inventory_count(), k.products);

  // The busy customer's order list takes many pages; walking them gives all.
  const auto& s = g.samples;
  EXPECT_GT(s.busy_customer_orders, 200u);
  std::uint64_t listed = 0;
  projections::order_query q;
  q.limit = 200;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = runner.orders()->by_customer(s.busy_customer_id, q);
    listed += page.items.size();
    if (page.next_cursor.empty()) break;
    q.cursor = page.next_cursor;
  }
  EXPECT_EQ(listed, s.busy_customer_orders);
  auto order = runner.orders()->order(s.order_id);
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->status, "delivered");
  auto product = runner.catalog()->product(s.product_id);
  ASSERT_TRUE(product);

  // Generated accounts log in with the password the tool was given.
  auto account = runner.accounts()->by_email(s.busy_customer_email);
  ASSERT_NE(account, nullptr);
  EXPECT_EQ(account->id, s.busy_customer_id);
  EXPECT_TRUE(http::verify_password(kPassword, account->password_hash));
  auto admin = runner.accounts()->by_email(s.admin_email);
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->role, "admin");
  runner.stop();
}

TEST(HistoryGen, TheSameSeedWritesTheSameLog) {
  testing::temp_dir tmp("agora-history-gen");
  generate(tmp.sub("a"), small(400, 7));
  generate(tmp.sub("b"), small(400, 7));
  generate(tmp.sub("c"), small(400, 8));
  const std::uint64_t a = log_checksum(tmp.sub("a"));
  EXPECT_EQ(a, log_checksum(tmp.sub("b")));
  EXPECT_NE(a, log_checksum(tmp.sub("c")));
}

TEST(HistoryGen, HotInventoryItemsGetTheSnapshotTheirActorWouldHaveWritten) {
  testing::temp_dir tmp("agora-history-gen");
  auto o = small(3000, 5);
  o.products = 5;  // a few hot items with hundreds of events each
  const generated g = generate(tmp.sub("store"), o);
  ASSERT_GT(g.snapshots, 0u);
  es::store_options so;
  so.path = tmp.sub("store");
  so.mode = es::open_mode::read_only;
  auto store = es::event_store::open(so);
  ASSERT_TRUE(store);
  const std::string stream = "inventory-" + g.samples.product_sku;
  auto snap = (*store)->get_snapshot(stream);
  ASSERT_TRUE(snap);
  ASSERT_TRUE(snap->has_value());
  auto version = (*store)->current_version(stream);
  ASSERT_TRUE(version);
  EXPECT_EQ((*snap)->version, *version);
}

}  // namespace
}  // namespace agora::bench
