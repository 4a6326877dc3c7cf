// The admin jobs end to end, on a real node: the read models' checksum routes
// (equal to an offline replay of the same log) and the online backup (a
// checkpoint of the live store that opens at the position it reports), with
// their refusals.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "app/node.hpp"
#include "common/config.hpp"
#include "eventstore/event_store.hpp"
#include "projections/replay.hpp"
#include "tests/api/admin_node_test.hpp"
#include "tests/api/test_node.hpp"
#include "tests/http/test_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora {
namespace {

using agora::testing::call_as;
using agora::testing::http_client;
using agora::testing::json_num;
using agora::testing::json_str;
namespace fs = std::filesystem;

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

class AdminJobsTest : public agora::testing::admin_node_test {
 protected:
  void SetUp() override {
    admin_node_test::SetUp();
    if (HasFatalFailure()) return;
    // Something in every model: products (catalog), a customer (accounts),
    // an order (orders, dashboard).
    for (const char* sku : {"LAMP-1", "LAMP-2", "DESK-1"}) {
      auto r = call("POST", "/api/products",
                    std::string(R"({"sku":")") + sku +
                        R"(","name":"A thing","description":"d","price":1200,"currency":"EUR","category":"c","initial_stock":9})",
                    admin_);
      ASSERT_EQ(r.status, 201) << r.body;
    }
    ASSERT_EQ(call("POST", "/api/auth/register", R"({"email":"ann@shop.test","password":"password-1","name":"Ann"})").status,
              202);
    ann_ = agora::testing::login_token(*client_, "ann@shop.test", "password-1");
    ASSERT_FALSE(ann_.empty());
    auto order = call("POST", "/api/orders", R"({"items":[{"sku":"LAMP-1","quantity":2}]})", ann_);
    ASSERT_TRUE(order.status == 201 || order.status == 202) << order.body;
    // Every model has applied every event: the checksums compare at the log's end.
    ASSERT_TRUE(node_->projections().wait_for_position(node_->store().last_position(), std::chrono::seconds(30)));
  }

  agora::testing::client_response call(std::string_view method, std::string_view target, std::string body = {},
                                       const std::string& token = {}) {
    return call_as(*client_, method, target, std::move(body), token);
  }

  std::string ann_;
};

TEST_F(AdminJobsTest, ChecksumsEqualAnOfflineReplayOfTheSameLog) {
  const auto position = node_->store().last_position();
  auto offline = projections::replay_models(node_->store(), {});
  ASSERT_TRUE(offline) << offline.error();
  ASSERT_EQ(offline->to, position);

  auto all = call("GET", "/api/admin/projections/checksums", {}, admin_);
  ASSERT_EQ(all.status, 200) << all.body;
  simdjson::dom::parser p;
  simdjson::dom::array items;
  ASSERT_EQ(p.parse(all.body)["items"].get(items), simdjson::SUCCESS);
  std::size_t seen = 0;
  for (auto it : items) {
    std::string_view name, sum;
    std::uint64_t at = 0, count = 0;
    ASSERT_EQ(it["name"].get(name), simdjson::SUCCESS);
    ASSERT_EQ(it["checksum"].get(sum), simdjson::SUCCESS);
    ASSERT_EQ(it["position"].get(at), simdjson::SUCCESS);
    ASSERT_EQ(it["count"].get(count), simdjson::SUCCESS);
    const auto& m = offline->models.at(seen++);
    EXPECT_EQ(name, m.name);
    EXPECT_EQ(at, position) << name;
    EXPECT_EQ(sum, hex64(m.checksum)) << name;
    EXPECT_EQ(count, m.entries) << name;

    // The one-model route answers the same.
    auto one = call("GET", "/api/admin/projections/" + std::string(name) + "/checksum", {}, admin_);
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(json_str(one.body, "name"), name);
    EXPECT_EQ(json_str(one.body, "checksum"), sum);
    EXPECT_EQ(json_num(one.body, "position"), static_cast<std::int64_t>(position));
  }
  EXPECT_EQ(seen, 4u);
  EXPECT_EQ(json_num(call("GET", "/api/admin/projections/catalog/checksum", {}, admin_).body, "count"), 3);

  // A change moves the checksum of the model it touches.
  const auto before = json_str(call("GET", "/api/admin/projections/catalog/checksum", {}, admin_).body, "checksum");
  ASSERT_EQ(call("POST", "/api/inventory/DESK-1/adjustments", R"({"delta":-1,"reason":"broken"})", admin_).status, 200);
  const auto after = json_str(call("GET", "/api/admin/projections/catalog/checksum", {}, admin_).body, "checksum");
  EXPECT_NE(before, after);
}

TEST_F(AdminJobsTest, ChecksumRoutesRefuseWhatTheyShould) {
  auto unknown = call("GET", "/api/admin/projections/nope/checksum", {}, admin_);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("projection 'nope'"), std::string::npos) << unknown.body;
  EXPECT_EQ(call("GET", "/api/admin/projections/orders/checksum").status, 401);
  EXPECT_EQ(call("GET", "/api/admin/projections/orders/checksum", {}, ann_).status, 403);
  EXPECT_EQ(call("GET", "/api/admin/projections/checksums", {}, ann_).status, 403);
}

// Jobs run one at a time: requests that overlap one are answered 503 with
// Retry-After and a detail saying why, the others all give the same
// checksums, and the slot is free again once the burst is over (a job that
// did not give it back would leave every later request at 503). Whether any
// request overlaps depends on the machine: the count is printed, not asserted.
TEST_F(AdminJobsTest, JobsRunOneAtATimeAndFreeTheirSlot) {
  const auto expected = call("GET", "/api/admin/projections/checksums", {}, admin_);
  ASSERT_EQ(expected.status, 200) << expected.body;
  std::mutex mu;
  int ok = 0, busy = 0;
  std::vector<std::string> unexpected;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      http_client c(node_->http_port());
      for (int i = 0; i < 5; ++i) {
        auto r = call_as(c, "GET", "/api/admin/projections/checksums", {}, admin_);
        std::lock_guard<std::mutex> lk(mu);
        if (r.status == 200 && r.body == expected.body) {
          ++ok;
        } else if (r.status == 503 && r.header("Retry-After") == "2" &&
                   r.body.find("another checksum or backup is running") != std::string::npos) {
          ++busy;
        } else {
          unexpected.push_back(std::to_string(r.status) + " " + r.body);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(unexpected.empty()) << unexpected.front();
  EXPECT_EQ(ok + busy, 30);
  EXPECT_GE(ok, 1);
  std::printf("30 overlapping checksum requests: %d answered, %d told to retry\n", ok, busy);
  // Free again: the burst is over, so the next job runs.
  EXPECT_EQ(call("GET", "/api/admin/projections/orders/checksum", {}, admin_).status, 200);
  const std::string target = dir_.sub("after-burst");
  EXPECT_EQ(call("POST", "/api/admin/backup", R"({"dir":")" + target + R"("})", admin_).status, 200);
}

TEST_F(AdminJobsTest, OnlineBackupIsACheckpointThatOpensAtItsPosition) {
  const std::string target = dir_.sub("backup-1");
  auto r = call("POST", "/api/admin/backup", R"({"dir":")" + target + R"("})", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_str(r.body, "dir"), target);
  const auto position = json_num(r.body, "position");
  EXPECT_EQ(position, static_cast<std::int64_t>(node_->store().last_position()));
  EXPECT_GT(json_num(r.body, "bytes"), 0);
  EXPECT_GE(json_num(r.body, "ms"), 0);

  // The copy is a store of its own: it opens (read-only, beside the live
  // one), verifies, and ends where the answer said.
  eventstore::store_options o;
  o.path = target;
  o.mode = eventstore::open_mode::read_only;
  auto copy = eventstore::event_store::open(o);
  ASSERT_TRUE(copy) << copy.error().message;
  EXPECT_EQ(static_cast<std::int64_t>((*copy)->last_position()), position);
  auto v = (*copy)->verify();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok);
  // Its read models equal the node's.
  auto offline = projections::replay_models(**copy, {"orders"});
  ASSERT_TRUE(offline) << offline.error();
  EXPECT_EQ(hex64(offline->models.at(0).checksum),
            json_str(call("GET", "/api/admin/projections/orders/checksum", {}, admin_).body, "checksum"));
  copy->reset();

  // The node keeps taking writes after the backup.
  EXPECT_EQ(call("POST", "/api/inventory/DESK-1/adjustments", R"({"delta":1,"reason":"found"})", admin_).status, 200);
}

TEST_F(AdminJobsTest, OnlineBackupRefusesBadDirectories) {
  const std::string store = dir_.sub("store");
  struct bad {
    const char* what;
    std::string body;
    int status;
    const char* says;
  };
  const std::vector<bad> cases = {
      {"relative", R"({"dir":"backups/b1"})", 400, "absolute"},
      {"dot-dot", R"({"dir":")" + dir_.sub("x/../b1") + R"("})", 400, "'..'"},
      {"existing", R"({"dir":")" + store + R"("})", 409, "already exists"},
      {"inside the store", R"({"dir":")" + store + R"(/b1"})", 400, "inside the store"},
      {"missing parent", R"({"dir":")" + dir_.sub("no/such/b1") + R"("})", 400, "does not exist"},
      {"no dir", R"({})", 400, "required"},
      {"not a string", R"({"dir":5})", 400, "string"},
      {"unknown field", R"({"dir":"/tmp/x","force":true})", 400, "unknown field"},
      {"not json", R"(dir=/tmp/x)", 400, ""},
  };
  for (const auto& c : cases) {
    auto r = call("POST", "/api/admin/backup", c.body, admin_);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << c.what << ": " << r.body;
  }
  // A symlink to the store is the store.
  fs::create_directory_symlink(store, dir_.sub("link"));
  auto via_link = call("POST", "/api/admin/backup", R"({"dir":")" + dir_.sub("link") + R"(/b1"})", admin_);
  EXPECT_EQ(via_link.status, 400) << via_link.body;
  EXPECT_FALSE(fs::exists(store + "/b1"));
  EXPECT_EQ(call("POST", "/api/admin/backup", R"({"dir":")" + dir_.sub("b2") + R"("})", ann_).status, 403);
  EXPECT_EQ(call("POST", "/api/admin/backup", R"({"dir":")" + dir_.sub("b2") + R"("})").status, 401);
  EXPECT_FALSE(fs::exists(dir_.sub("b2")));
}

}  // namespace
}  // namespace agora
