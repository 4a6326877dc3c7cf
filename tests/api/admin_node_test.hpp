#pragma once
// A gtest base for end-to-end tests of a real node: a node on port 0 storing in
// the test's directory, its first admin bootstrapped from the environment, a
// client, and that admin's token. A test sets extra configuration in
// configure(), before the node starts.

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "app/node.hpp"
#include "common/config.hpp"
#include "tests/api/test_node.hpp"
#include "tests/http/test_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora::testing {

/// The admin every admin_node_test node bootstraps.
inline constexpr const char* kTestAdminEmail = "admin@shop.test";
inline constexpr const char* kTestAdminPassword = "admin-password";

class admin_node_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::setenv("AGORA_ADMIN_EMAIL", kTestAdminEmail, 1);
    ::setenv("AGORA_ADMIN_PASSWORD", kTestAdminPassword, 1);
  }

  /// Extra settings for the node, applied after configure_test_node().
  virtual void configure(config&) {}

  void SetUp() override {
    configure_test_node(cfg_, dir_.sub("store"));
    configure(cfg_);
    auto n = node::start(cfg_);
    ASSERT_TRUE(n) << n.error();
    node_ = std::move(*n);
    client_ = std::make_unique<http_client>(node_->http_port());
    admin_ = login_token(*client_, kTestAdminEmail, kTestAdminPassword);
    ASSERT_FALSE(admin_.empty());
  }
  void TearDown() override {
    client_.reset();
    node_.reset();
  }

  temp_dir dir_;
  config cfg_;
  std::unique_ptr<node> node_;
  std::unique_ptr<http_client> client_;
  std::string admin_;
};

}  // namespace agora::testing
