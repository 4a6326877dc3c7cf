#pragma once
// Shared by the projection tests: a real event store in a temporary directory,
// a runner on it, and helpers that append domain events (encoded with the
// domain's own codecs, so the tests exercise the stored form).

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/domain/cart.hpp"
#include "actors/domain/customer.hpp"
#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/product.hpp"
#include "eventstore/event_store.hpp"
#include "projections/projection_runner.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora::projections::testing {

namespace pd = domain::product;
namespace id = domain::inventory;
namespace od = domain::order;
namespace cd = domain::customer;
namespace ct = domain::cart;

inline constexpr timestamp_us kT0 = 1'700'000'000'000'000;
inline constexpr std::chrono::milliseconds kWait{10'000};

class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override { open_store(); }
  /// Opens (or opens again) the store in the test's directory.
  void open_store() {
    eventstore::store_options o;
    o.path = dir_.sub("store");
    o.sync = false;
    auto r = eventstore::event_store::open(o);
    ASSERT_TRUE(r) << r.error().message;
    store_ = std::move(*r);
  }
  void TearDown() override {
    runner_.reset();
    store_.reset();
  }

  void start_runner(runner_options o = {}) {
    runner_ = std::make_unique<projection_runner>(*store_, o);
    auto started = runner_->start();
    ASSERT_TRUE(started) << started.error();
  }

  /// Appends encoded events to `stream` and returns the last position.
  template <class Event, class Encode>
  eventstore::log_position append_with(const std::string& stream, const std::vector<Event>& events,
                                       Encode encode) {
    std::vector<eventstore::new_event> batch;
    for (const auto& e : events) {
      auto enc = encode(e);
      eventstore::new_event n;
      n.type = enc.type;
      n.schema_version = enc.schema_version;
      n.data = enc.data;
      batch.push_back(std::move(n));
    }
    auto r = store_->append(stream, eventstore::expected_version::any(), std::move(batch));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r->last_position : 0;
  }

  eventstore::log_position product(const std::vector<pd::event>& events, const std::string& pid) {
    return append_with("product-" + pid, events, [](const pd::event& e) { return pd::encode(e); });
  }
  eventstore::log_position inventory(const std::vector<id::event>& events, const std::string& sku) {
    return append_with("inventory-" + sku, events, [](const id::event& e) { return id::encode(e); });
  }
  eventstore::log_position order(const std::vector<od::event>& events, const std::string& oid) {
    return append_with("order-" + oid, events, [](const od::event& e) { return od::encode(e); });
  }
  eventstore::log_position customer(const std::vector<cd::event>& events, const std::string& cid) {
    return append_with("customer-" + cid, events, [](const cd::event& e) { return cd::encode(e); });
  }
  eventstore::log_position cart(const std::vector<ct::event>& events, const std::string& cart_id) {
    return append_with("cart-" + cart_id, events, [](const ct::event& e) { return ct::encode(e); });
  }

  static pd::product_created created(const std::string& pid, const std::string& sku,
                                     const std::string& name, const std::string& description = "",
                                     const std::string& category = "misc", std::int64_t price = 1000) {
    pd::product_created c;
    c.product_id = pid;
    c.sku = sku;
    c.name = name;
    c.description = description;
    c.price = domain::money{price, "EUR"};
    c.category = category;
    c.at = kT0;
    return c;
  }
  static id::item_registered registered(const std::string& sku, std::int64_t on_hand,
                                        std::int64_t threshold = 2) {
    return id::item_registered{sku, on_hand, threshold, kT0};
  }
  static od::order_placed placed(const std::string& oid, const std::string& cid,
                                 std::vector<od::line_input> lines, timestamp_us at = kT0) {
    od::order_placed p;
    p.order_id = oid;
    p.customer_id = cid;
    p.currency = "EUR";
    std::int64_t total = 0;
    for (const auto& l : lines) total += l.quantity * l.unit_price.minor;
    p.lines = std::move(lines);
    p.total = domain::money{total, "EUR"};
    p.at = at;
    return p;
  }
  static od::line_input line(const std::string& sku, std::int64_t qty, std::int64_t price) {
    return od::line_input{sku, qty, domain::money{price, "EUR"}};
  }
  static cd::customer_registered account(const std::string& cid, const std::string& email,
                                         const std::string& name = "Ann") {
    cd::customer_registered r;
    r.customer_id = cid;
    r.email = email;
    r.password_hash = "hash-of-" + cid;
    r.name = name;
    r.at = kT0;
    return r;
  }

  /// Waits until the runner has applied everything appended so far.
  void sync() { ASSERT_TRUE(runner_->wait_for_position(store_->last_position(), kWait)); }

  agora::testing::temp_dir dir_;
  std::unique_ptr<eventstore::event_store> store_;
  std::unique_ptr<projection_runner> runner_;
};

}  // namespace agora::projections::testing
