// Judging and loading secret keys (common/secret.hpp).

#include "common/secret.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

namespace agora {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string random_text(std::size_t n, std::string_view alphabet, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[pick(rng)]);
  return s;
}

constexpr std::string_view k_hex = "0123456789abcdef";
constexpr std::string_view k_base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

TEST(SecretStrength, WeakKeysOfTheRightLengthAreRefused) {
  for (const std::string& weak :
       {std::string(32, 'a'), std::string(64, 'a'), std::string(200, 'x'),
        std::string("abababababababababababababababab"),
        std::string("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        std::string("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"),
        std::string("passwordpasswordpasswordpassword")}) {
    auto r = check_key_strength(weak, "auth.jwt_secret");
    EXPECT_FALSE(r.has_value()) << weak << " scored " << estimate_entropy_bits(weak);
    if (!r) {
      EXPECT_THAT(r.error(), HasSubstr("auth.jwt_secret"));
      EXPECT_THAT(r.error(), Not(HasSubstr(weak))) << "the message must not contain the key";
    }
  }
}

TEST(SecretStrength, ShortKeysAreRefusedWhateverTheirEntropy) {
  auto r = check_key_strength(random_text(31, k_base64, 1), "auth.jwt_secret");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error(), HasSubstr("at least 32 bytes"));
}

TEST(SecretStrength, RandomKeysAsTheDocsSayToMakeThemPass) {
  for (unsigned seed = 1; seed <= 50; ++seed) {
    const std::string hex = random_text(64, k_hex, seed);        // openssl rand -hex 32
    const std::string b64 = random_text(64, k_base64, seed);     // openssl rand -base64 48
    const std::string b64_32 = random_text(44, k_base64, seed);  // openssl rand -base64 32
    EXPECT_TRUE(check_key_strength(hex, "k").has_value()) << hex << " scored " << estimate_entropy_bits(hex);
    EXPECT_TRUE(check_key_strength(b64, "k").has_value()) << b64 << " scored " << estimate_entropy_bits(b64);
    EXPECT_TRUE(check_key_strength(b64_32, "k").has_value()) << b64_32 << " scored " << estimate_entropy_bits(b64_32);
  }
}

TEST(SecretStrength, EstimateIsZeroForOneRepeatedByteAndGrowsWithLength) {
  EXPECT_EQ(estimate_entropy_bits(std::string(32, 'a')), 0.0);
  EXPECT_EQ(estimate_entropy_bits(""), 0.0);
  const std::string k = random_text(64, k_hex, 7);
  EXPECT_GT(estimate_entropy_bits(k + random_text(64, k_hex, 8)), estimate_entropy_bits(k));
}

class SecretFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/agora-secret-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::remove(path().c_str());
    ::rmdir(dir_.c_str());
  }
  std::string path() const { return dir_ + "/jwt.key"; }
  void write(const std::string& content, mode_t mode) {
    std::ofstream(path(), std::ios::binary | std::ios::trunc) << content;
    ASSERT_EQ(::chmod(path().c_str(), mode), 0);
  }
  std::string dir_;
};

TEST_F(SecretFile, OwnerOnlyFileIsReadWithoutItsTrailingNewline) {
  write("0123abcd\n", 0600);
  auto r = read_secret_file(path(), "auth.jwt_secret_file");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, "0123abcd");
  write("0123abcd\r\n", 0400);
  r = read_secret_file(path(), "auth.jwt_secret_file");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, "0123abcd");
}

TEST_F(SecretFile, FileOthersCanReadIsRefusedWithTheFix) {
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    write("supersecretcontent", mode);
    auto r = read_secret_file(path(), "auth.jwt_secret_file");
    ASSERT_FALSE(r) << std::oct << mode;
    EXPECT_THAT(r.error(), HasSubstr("auth.jwt_secret_file"));
    EXPECT_THAT(r.error(), HasSubstr("chmod 600 " + path()));
    EXPECT_THAT(r.error(), Not(HasSubstr("supersecret")));
  }
}

TEST_F(SecretFile, MissingEmptyOrNotAFileIsRefused) {
  auto r = read_secret_file(path(), "auth.jwt_secret_file");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error(), HasSubstr("cannot open"));
  write("\n", 0600);
  r = read_secret_file(path(), "auth.jwt_secret_file");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error(), HasSubstr("empty"));
  ASSERT_EQ(::chmod(dir_.c_str(), 0700), 0);
  r = read_secret_file(dir_, "auth.jwt_secret_file");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error(), HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace agora
