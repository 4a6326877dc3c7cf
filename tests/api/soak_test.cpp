// Soak: minutes of concurrent orders, cancellations and restocks through a
// real node (store in a temp dir, actors, projections, HTTP on port 0), then
// the invariants: no SKU ever reserved more than it had, the read model's
// figures equal what the acknowledged answers add up to, and every
// acknowledged order is still there, in its acknowledged state, after a
// restart of the node.
//
// Label "soak" (not in the default suite): ctest --preset soak. The length is
// AGORA_SOAK_SECONDS (default 180); the seed is printed and can be replayed
// with AGORA_TEST_SEED.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "app/node.hpp"
#include "common/config.hpp"
#include "tests/api/test_node.hpp"
#include "tests/http/test_client.hpp"
#include "tests/support/seed.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora {
namespace {

using agora::testing::client_response;
using agora::testing::http_client;
using hl = http_client::header_list;
using namespace std::chrono_literals;
using agora::testing::json_num;
using agora::testing::json_str;

std::chrono::seconds soak_length() {
  const char* env = std::getenv("AGORA_SOAK_SECONDS");
  const long s = env != nullptr ? std::strtol(env, nullptr, 10) : 0;
  return std::chrono::seconds(s > 0 ? s : 180);
}

// One order as its 201 answer acknowledged it.
struct acked_order {
  std::string customer_token;
  std::string sku;
  std::int64_t quantity = 0;
  std::string status;  // confirmed, rejected, or cancelled (by a later acknowledged cancel)
};

class Soak : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("AGORA_ADMIN_EMAIL", "admin@soak.test", 1);
    ::setenv("AGORA_ADMIN_PASSWORD", "admin-password", 1);
  }
  void SetUp() override {
    agora::testing::configure_test_node(cfg_, dir_.sub("store"));
    cfg_.set("actors.max_units_held_per_customer", "0");  // this is about stock, not hoarding
    start_node();
  }
  void start_node() {
    auto n = node::start(cfg_);
    ASSERT_TRUE(n) << n.error();
    node_ = std::move(*n);
  }
  client_response call(http_client& c, std::string_view method, const std::string& target, std::string body = {},
                       const std::string& token = {}) {
    hl headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return c.request(method, target, std::move(body), headers);
  }
  std::string login(http_client& c, const std::string& email, const std::string& password) {
    auto r = call(c, "POST", "/api/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
    EXPECT_EQ(r.status, 200) << r.body;
    return json_str(r.body, "token");
  }

  testing::temp_dir dir_{"agora-soak"};
  config cfg_;
  std::unique_ptr<node> node_;
};

TEST_F(Soak, OrdersForMinutesNeverOversellAndSurviveARestart) {
  std::mt19937 seed_rng(agora::testing::test_seed());
  const auto length = soak_length();
  std::printf("soaking for %lld s\n", static_cast<long long>(length.count()));

  http_client admin_client(node_->http_port());
  const std::string admin = login(admin_client, "admin@soak.test", "admin-password");
  ASSERT_FALSE(admin.empty());
  const std::vector<std::string> skus = {"SOAK-A", "SOAK-B", "SOAK-C", "SOAK-D"};
  constexpr std::int64_t kInitialStock = 60;
  for (const auto& sku : skus) {
    auto r = call(admin_client, "POST", "/api/products",
                  R"({"sku":")" + sku + R"(","name":"Soak )" + sku +
                      R"(","description":"x","price":100,"currency":"EUR","category":"soak","initial_stock":)" +
                      std::to_string(kInitialStock) + R"(,"low_stock_threshold":1})",
                  admin);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::vector<std::string> customers;
  for (int i = 0; i < 8; ++i) {
    const std::string email = "c" + std::to_string(i) + "@soak.test";
    auto r = call(admin_client, "POST", "/api/auth/register",
                  R"({"email":")" + email + R"(","password":"password-1","name":"Soak"})");
    ASSERT_EQ(r.status, 202) << r.body;
    customers.push_back(login(admin_client, email, "password-1"));
    ASSERT_FALSE(customers.back().empty());
  }

  std::mutex mu;
  std::map<std::string, acked_order> orders;   // by order id, guarded by mu
  std::map<std::string, std::int64_t> restocked;  // acknowledged stock added per SKU, guarded by mu
  std::vector<std::string> cancellable;            // confirmed orders not picked for a cancel yet, guarded by mu
  std::atomic<int> refused{0}, unexpected_answers{0};
  std::atomic<bool> failed{false};
  const auto until = std::chrono::steady_clock::now() + length;
  auto worker = [&](unsigned seed) {
    std::mt19937 rng(seed);
    http_client c(node_->http_port());
    try {
      while (std::chrono::steady_clock::now() < until && !failed.load()) {
        const auto dice = rng() % 100;
        const std::string& sku = skus[rng() % skus.size()];
        if (dice < 5) {  // a restock
          const std::int64_t delta = 1 + static_cast<std::int64_t>(rng() % 10);
          auto r = call(c, "POST", "/api/inventory/" + sku + "/adjustments",
                        R"({"delta":)" + std::to_string(delta) + R"(,"reason":"restock"})", admin);
          if (r.status == 200) {
            std::lock_guard<std::mutex> lock(mu);
            restocked[sku] += delta;
          } else if (r.status == 503 || r.status == 409) {
            ++refused;
          } else {
            ++unexpected_answers;
            ADD_FAILURE() << "restock: " << r.status << " " << r.body;
          }
          continue;
        }
        if (dice < 15) {  // cancel one of the confirmed orders
          std::string id, token;
          {
            std::lock_guard<std::mutex> lock(mu);
            if (!cancellable.empty()) {
              const std::size_t at = rng() % cancellable.size();
              id = cancellable[at];
              cancellable[at] = cancellable.back();
              cancellable.pop_back();
              token = orders[id].customer_token;
            }
          }
          if (id.empty()) continue;
          auto r = call(c, "POST", "/api/orders/" + id + "/cancel", R"({"reason":"soak"})", token);
          if (r.status == 200 && json_str(r.body, "status") == "cancelled") {
            std::lock_guard<std::mutex> lock(mu);
            orders[id].status = "cancelled";
          } else if (r.status == 503 || r.status == 409) {
            ++refused;
          } else {
            ++unexpected_answers;
            ADD_FAILURE() << "cancel: " << r.status << " " << r.body;
          }
          continue;
        }
        const std::size_t who = rng() % customers.size();
        const std::int64_t q = 1 + static_cast<std::int64_t>(rng() % 3);
        auto r = call(c, "POST", "/api/orders",
                      R"({"items":[{"sku":")" + sku + R"(","quantity":)" + std::to_string(q) + "}]}", customers[who]);
        if (r.status == 201) {
          const std::string id = json_str(r.body, "id");
          const std::string status = json_str(r.body, "status");
          if (id.empty() || (status != "confirmed" && status != "rejected")) {
            ++unexpected_answers;
            ADD_FAILURE() << "order: " << r.body;
            continue;
          }
          std::lock_guard<std::mutex> lock(mu);
          orders[id] = acked_order{customers[who], sku, q, status};
          if (status == "confirmed") cancellable.push_back(id);
        } else if (r.status == 503) {
          ++refused;  // overloaded: allowed, nothing acknowledged
        } else {
          ++unexpected_answers;
          ADD_FAILURE() << "order: " << r.status << " " << r.body;
        }
      }
    } catch (const std::exception& e) {
      failed = true;
      ADD_FAILURE() << "client: " << e.what();
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) workers.emplace_back(worker, static_cast<unsigned>(seed_rng()));
  for (auto& w : workers) w.join();
  ASSERT_FALSE(failed.load());
  EXPECT_EQ(unexpected_answers.load(), 0);

  // What the acknowledged answers add up to, per SKU.
  std::map<std::string, std::int64_t> reserved, confirmed_count;
  std::size_t confirmed = 0, rejected = 0, cancelled = 0;
  for (const auto& [id, o] : orders) {
    if (o.status == "confirmed") {
      reserved[o.sku] += o.quantity;
      ++confirmed;
    } else if (o.status == "rejected") {
      ++rejected;
    } else {
      ++cancelled;
    }
  }
  std::printf("%zu orders acknowledged: %zu confirmed, %zu rejected, %zu cancelled; %d refused\n", orders.size(),
              confirmed, rejected, cancelled, refused.load());
  ASSERT_GT(confirmed + cancelled, 0u);
  ASSERT_GT(rejected, 0u) << "the soak never ran out of stock: it did not test overselling";

  // The node's figures agree, before and after a restart (the read models are
  // rebuilt from the log then).
  auto check_figures = [&](http_client& c, const char* when) {
    for (const auto& sku : skus) {
      SCOPED_TRACE(std::string(when) + " " + sku);
      const std::int64_t stock = kInitialStock + restocked[sku];
      std::string body;
      // Cancellations release their stock through the saga, just after their answer.
      const auto deadline = std::chrono::steady_clock::now() + 30s;
      for (;;) {
        auto r = call(c, "GET", "/api/inventory/" + sku);
        ASSERT_EQ(r.status, 200) << r.body;
        body = r.body;
        if (json_num(body, "reserved") == reserved[sku] || std::chrono::steady_clock::now() > deadline) break;
        std::this_thread::sleep_for(50ms);
      }
      EXPECT_EQ(json_num(body, "reserved"), reserved[sku]) << body;
      EXPECT_EQ(json_num(body, "on_hand"), stock) << body;
      EXPECT_LE(json_num(body, "reserved") + json_num(body, "held"), json_num(body, "on_hand")) << "oversold: " << body;
      EXPECT_GE(json_num(body, "available"), 0) << body;
    }
  };
  // A fresh connection: the first one idled through the run, longer than the
  // server's read timeout may allow.
  http_client checker(node_->http_port());
  check_figures(checker, "after the run");

  admin_client.close();
  checker.close();
  node_.reset();
  start_node();
  http_client after(node_->http_port());
  const std::string admin2 = login(after, "admin@soak.test", "admin-password");
  check_figures(after, "after a restart");
  std::size_t checked = 0;
  for (const auto& [id, o] : orders) {
    auto r = call(after, "GET", "/api/orders/" + id, {}, admin2);
    ASSERT_EQ(r.status, 200) << "acknowledged order " << id << " is gone: " << r.body;
    EXPECT_EQ(json_str(r.body, "status"), o.status) << id;
    ++checked;
  }
  EXPECT_EQ(checked, orders.size());
}

}  // namespace
}  // namespace agora
