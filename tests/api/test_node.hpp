#pragma once
// What the end-to-end tests of a real node share: a configuration for a node
// on port 0 with its store in a test directory, cheap password hashing and
// limits out of the way, and readers of JSON answers.

#include <simdjson.h>

#include <cstdint>
#include <string>

#include "common/config.hpp"
#include "tests/http/test_client.hpp"

namespace agora::testing {

/// A test-only signing key (not a secret of any deployment).
inline constexpr const char* kTestJwtSecret = "9f3c1a7e5b2d48c6a0e1f7d3b5c9e2a4d6f8b1c3e5a7d9f0b2c4e6a8d0f1b3c5";

/// Sets `cfg` up for a test node storing in `store_path`: HTTP on port 0
/// without an access log, no Kafka, argon2id at its minimum cost, and rate
/// limits far above what a test sends (a test that is about them sets its own).
inline void configure_test_node(config& cfg, const std::string& store_path) {
  cfg.set("store.path", store_path);
  cfg.set("http.port", "0");
  cfg.set("http.access_log", "false");
  cfg.set("kafka.brokers", "off");
  // A secret, so not as a flag: the config refuses secrets on the command line.
  cfg.set("auth.jwt_secret", kTestJwtSecret, config_source::environment);
  cfg.set("auth.password_ops_limit", "1");  // argon2id at its minimum cost: tests, not security
  cfg.set("auth.password_mem_limit", "8KiB");
  cfg.set("auth.allow_weak_password_cost", "true");
  cfg.set("auth.login_rate_limit.burst", "100000");
  cfg.set("auth.login_rate_limit.per_minute", "6000000");
  cfg.set("http.rate_limit.burst", "100000");
  cfg.set("http.rate_limit.per_minute", "6000000");
}

/// The string member `key` of a JSON object; empty when absent.
inline std::string json_str(const std::string& json, const char* key) {
  simdjson::dom::parser p;
  std::string_view v;
  auto doc = p.parse(json);
  if (doc.error() || doc[key].get(v)) return {};
  return std::string(v);
}

/// The integer member `key` of a JSON object; -1 when absent.
inline std::int64_t json_num(const std::string& json, const char* key) {
  simdjson::dom::parser p;
  std::int64_t v = -1;
  auto doc = p.parse(json);
  if (doc.error() || doc[key].get(v)) return -1;
  return v;
}

/// `method target` with `body`, as the holder of `token` when one is given.
inline client_response call_as(http_client& c, std::string_view method, std::string_view target,
                               std::string body = {}, const std::string& token = {},
                               http_client::header_list headers = {}) {
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return c.request(method, target, std::move(body), headers);
}

/// The token of a login, or empty when refused.
inline std::string login_token(http_client& c, const std::string& email, const std::string& password) {
  auto r = call_as(c, "POST", "/api/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
  return r.status == 200 ? json_str(r.body, "token") : std::string();
}

}  // namespace agora::testing
