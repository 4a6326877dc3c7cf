#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "common/config.hpp"
#include "http/auth.hpp"

namespace agora::http {
namespace {

using namespace std::chrono_literals;

constexpr timestamp_us kNow = 1'700'000'000'000'000;  // 2023-11-14
const principal kAlice{"u-1", "alice@example.com", "customer"};

jwt_signer signer() { return jwt_signer(std::string(32, 'k'), "agora", 3600s, 30s); }

// Replaces part `i` (0 header, 1 payload, 2 signature) of a token.
std::string with_part(const std::string& token, int i, const std::string& part) {
  std::size_t d1 = token.find('.');
  std::size_t d2 = token.find('.', d1 + 1);
  std::string parts[3] = {token.substr(0, d1), token.substr(d1 + 1, d2 - d1 - 1), token.substr(d2 + 1)};
  parts[i] = part;
  return parts[0] + "." + parts[1] + "." + parts[2];
}

TEST(Base64Url, RoundTripsWithoutPadding) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\xfd"}) {
    std::string enc = base64url_encode(s);
    EXPECT_EQ(enc.find('='), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("Zg=="));  // padding refused
  EXPECT_FALSE(base64url_decode("a+b/"));  // the other alphabet refused
  EXPECT_FALSE(base64url_decode("Zh"));    // non-zero trailing bits
  EXPECT_FALSE(base64url_decode("abcde")); // impossible length
}

TEST(Jwt, RoundTrip) {
  auto s = signer();
  std::string token = s.issue(kAlice, kNow);
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  auto p = s.verify_claims(token, kNow + 10'000'000);
  ASSERT_TRUE(p) << to_string(p.error());
  EXPECT_EQ(p->who, kAlice);
  EXPECT_NE(s.issue(kAlice, kNow), token);  // jti differs
}

TEST(Jwt, Expired) {
  auto s = signer();
  std::string token = s.issue(kAlice, kNow);
  EXPECT_TRUE(s.verify_claims(token, kNow + (3600 + 29) * 1'000'000ll));  // within leeway
  auto p = s.verify_claims(token, kNow + (3600 + 31) * 1'000'000ll);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), auth_error::expired);
  // Issued in the future (beyond the leeway).
  auto f = s.verify_claims(token, kNow - 120 * 1'000'000ll);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), auth_error::not_yet_valid);
}

TEST(Jwt, WrongSignatureOrSecret) {
  std::string token = signer().issue(kAlice, kNow);
  jwt_signer other(std::string(32, 'x'), "agora", 3600s);
  auto p = other.verify_claims(token, kNow);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), auth_error::bad_signature);
  std::string sig = token.substr(token.rfind('.') + 1);
  sig[3] = sig[3] == 'A' ? 'B' : 'A';
  auto q = signer().verify_claims(with_part(token, 2, sig), kNow);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error(), auth_error::bad_signature);
  EXPECT_FALSE(signer().verify_claims(with_part(token, 2, ""), kNow));
}

TEST(Jwt, AlgNoneAndOthersAreRefused) {
  auto s = signer();
  std::string token = s.issue(kAlice, kNow);
  for (const char* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
                             R"({"alg":"RS256"})", R"({"typ":"JWT"})", R"({"alg":"hs256"})"}) {
    std::string forged = with_part(token, 0, base64url_encode(header));
    auto p = s.verify_claims(forged, kNow);
    ASSERT_FALSE(p) << header;
    EXPECT_EQ(p.error(), auth_error::unsupported_alg) << header;
    // "none" with an empty signature, the classic attack.
    auto q = s.verify_claims(with_part(forged, 2, ""), kNow);
    EXPECT_FALSE(q) << header;
  }
}

TEST(Jwt, TamperedPayloadIsRefused) {
  auto s = signer();
  std::string token = s.issue(kAlice, kNow);
  std::size_t d1 = token.find('.');
  std::size_t d2 = token.find('.', d1 + 1);
  auto payload = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  ASSERT_TRUE(payload);
  std::string evil = *payload;
  evil.replace(evil.find("customer"), 8, "admin\",\"x\":\"");
  auto p = s.verify_claims(with_part(token, 1, base64url_encode(evil)), kNow);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), auth_error::bad_signature);
}

TEST(Jwt, WrongIssuerAndGarbage) {
  jwt_signer other(std::string(32, 'k'), "someone-else", 3600s);
  auto p = signer().verify_claims(other.issue(kAlice, kNow), kNow);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), auth_error::wrong_issuer);
  for (const char* junk : {"", "a", "a.b", "a.b.c.d", "..", "!!!.???.***"}) {
    auto q = signer().verify_claims(junk, kNow);
    ASSERT_FALSE(q) << junk;
    EXPECT_EQ(q.error(), auth_error::malformed) << junk;
  }
}

TEST(Password, HashAndVerifyArgon2id) {
  auto cost = password_cost::minimum();
  auto h = hash_password("correct horse battery staple", cost);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
  EXPECT_TRUE(verify_password("correct horse battery staple", *h));
  EXPECT_FALSE(verify_password("correct horse battery stapler", *h));
  EXPECT_FALSE(verify_password("", *h));
  EXPECT_FALSE(verify_password("x", "not a hash"));
  auto h2 = hash_password("correct horse battery staple", cost);
  ASSERT_TRUE(h2);
  EXPECT_NE(*h, *h2);  // random salt
  EXPECT_FALSE(password_needs_rehash(*h, cost));
  EXPECT_TRUE(password_needs_rehash(*h, password_cost{}));
  auto too_long = hash_password(std::string(5000, 'a'), cost);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error(), password_error::too_long);
}

TEST(Jwt, CarriesTheTokenVersion) {
  auto s = signer();
  auto c = s.verify_claims(s.issue(kAlice, kNow, 7), kNow);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->token_version, 7u);
  EXPECT_EQ(c->who, kAlice);
  auto zero = s.verify_claims(s.issue(kAlice, kNow), kNow);
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->token_version, 0u);
}

TEST(Password, CostBelowInteractiveIsRefusedOutsideTests) {
  EXPECT_EQ(check_password_cost(password_cost::interactive(), false), "");
  const auto weak = check_password_cost(password_cost::minimum(), false);
  EXPECT_NE(weak.find("auth.password_ops_limit"), std::string::npos) << weak;
  EXPECT_EQ(check_password_cost(password_cost::minimum(), true), "");
  password_cost low_mem = password_cost::interactive();
  low_mem.mem_limit = 1u << 20;
  EXPECT_NE(check_password_cost(low_mem, false).find("auth.password_mem_limit"), std::string::npos);
  password_cost below_min = password_cost::minimum();
  below_min.mem_limit = 1024;
  EXPECT_NE(check_password_cost(below_min, true).find("auth.password_mem_limit"), std::string::npos)
      << "never below libsodium's own minimum";

  config cfg;
  cfg.set("auth.password_ops_limit", "1");
  cfg.set("auth.password_mem_limit", "8KiB");
  const auto refused = password_cost::from_config(cfg);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().key, "auth.password_ops_limit");
  EXPECT_NE(refused.error().message.find("auth.password_ops_limit"), std::string::npos) << refused.error().message;
  cfg.set("auth.allow_weak_password_cost", "true");
  const auto c = password_cost::from_config(cfg);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->ops_limit, 1u);
  EXPECT_EQ(c->mem_limit, 8192u);

  config mem_cfg;
  mem_cfg.set("auth.password_mem_limit", "1MiB");
  const auto mem = password_cost::from_config(mem_cfg);
  ASSERT_FALSE(mem);
  EXPECT_EQ(mem.error().key, "auth.password_mem_limit");
}

}  // namespace
}  // namespace agora::http
