#include "common/uuid.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace agora {
namespace {

int variant_bits(const uuid& id) { return id.bytes()[8] >> 6; }  // 0b10 for RFC 9562

std::uint64_t v7_unix_ms(const uuid& id) {
  std::uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = (ms << 8) | id.bytes()[static_cast<std::size_t>(i)];
  return ms;
}

bool is_canonical_lower(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

struct uuid_hash {
  std::size_t operator()(const uuid& id) const noexcept {
    std::uint64_t a;
    std::uint64_t b;
    std::memcpy(&a, id.bytes().data(), 8);
    std::memcpy(&b, id.bytes().data() + 8, 8);
    return static_cast<std::size_t>(a * 31 ^ b);
  }
};

TEST(Uuid, NilByDefault) {
  const uuid nil;
  EXPECT_TRUE(nil.is_nil());
  EXPECT_EQ(nil.to_string(), "00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(nil.version(), 0);
  EXPECT_FALSE(uuid::random_v4().is_nil());
}

TEST(Uuid, V4VersionVariantAndRandomBits) {
  // Every one of the 122 random bits takes both values over 1000 ids; the 6
  // fixed bits never change.
  std::array<int, 128> ones{};
  constexpr int n = 1000;
  for (int i = 0; i < n; ++i) {
    const uuid id = uuid::random_v4();
    ASSERT_EQ(id.version(), 4) << id.to_string();
    ASSERT_EQ(variant_bits(id), 0b10) << id.to_string();
    ASSERT_EQ(id.to_string()[14], '4');
    ASSERT_NE(std::string("89ab").find(id.to_string()[19]), std::string::npos);
    for (int bit = 0; bit < 128; ++bit) {
      ones[static_cast<std::size_t>(bit)] += (id.bytes()[static_cast<std::size_t>(bit / 8)] >> (7 - bit % 8)) & 1;
    }
  }
  for (int bit = 0; bit < 128; ++bit) {
    const bool fixed = (bit >= 48 && bit < 52) || bit == 64 || bit == 65;
    const int count = ones[static_cast<std::size_t>(bit)];
    if (fixed) {
      EXPECT_TRUE(count == 0 || count == n) << "bit " << bit;
    } else {
      EXPECT_GT(count, n / 4) << "bit " << bit;
      EXPECT_LT(count, n * 3 / 4) << "bit " << bit;
    }
  }
}

TEST(Uuid, V7LayoutVersionAndVariant) {
  const timestamp_us t = 1'700'000'000'123'456;  // ms = 0x018bcfe5687b
  const uuid id = uuid::time_ordered_v7(t);
  EXPECT_EQ(id.version(), 7);
  EXPECT_EQ(variant_bits(id), 0b10);
  EXPECT_EQ(v7_unix_ms(id), 1'700'000'000'123u);
  EXPECT_EQ(id.to_string().substr(0, 15), "018bcfe5-687b-7");
  // Different ids at the same instant: the random part differs.
  EXPECT_NE(uuid::time_ordered_v7(t), uuid::time_ordered_v7(t));
  // Before 1970 clamps to the epoch instead of wrapping to the far future.
  EXPECT_EQ(v7_unix_ms(uuid::time_ordered_v7(-5'000'000)), 0u);
}

TEST(Uuid, V7SortsByCreationTime) {
  std::mt19937_64 rng(7);
  timestamp_us t = 1'600'000'000'000'000;
  uuid prev = uuid::time_ordered_v7(t);
  for (int i = 0; i < 20'000; ++i) {
    // Steps of 1 microsecond up to several seconds: crossing and staying
    // within milliseconds.
    const std::uint64_t kind = rng() % 3;
    t += kind == 0 ? 1 : kind == 1 ? static_cast<timestamp_us>(1 + rng() % 1000)
                                   : static_cast<timestamp_us>(1 + rng() % 5'000'000);
    const uuid next = uuid::time_ordered_v7(t);
    ASSERT_LT(prev, next) << prev.to_string() << " !< " << next.to_string() << " at t=" << t;
    ASSERT_LT(prev.to_string(), next.to_string());
    prev = next;
  }
}

TEST(Uuid, ToStringIsCanonicalLowerCase) {
  const uuid::bytes_type b = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                              0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
  EXPECT_EQ(uuid(b).to_string(), "00112233-4455-6677-8899-aabbccddeeff");
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(is_canonical_lower(uuid::random_v4().to_string()));
    EXPECT_TRUE(is_canonical_lower(uuid::time_ordered_v7(i * 1'000'003LL).to_string()));
  }
}

TEST(Uuid, ParseRoundTrips) {
  for (int i = 0; i < 1000; ++i) {
    const uuid id = i % 2 ? uuid::random_v4() : uuid::time_ordered_v7(i * 12'345'678LL);
    const auto back = uuid::parse(id.to_string());
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, id);
  }
  const auto upper = uuid::parse("00112233-4455-6677-8899-AABBCCDDEEFF");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->to_string(), "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(upper->bytes()[0], 0x00);
  EXPECT_EQ(upper->bytes()[15], 0xFF);
  const auto mixed = uuid::parse("0011223a-4455-6677-8899-AaBbCcDdEeFf");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->to_string(), "0011223a-4455-6677-8899-aabbccddeeff");
  EXPECT_TRUE(uuid::parse("00000000-0000-0000-0000-000000000000")->is_nil());
}

TEST(Uuid, ParseRejectsBadInput) {
  for (const char* bad : {
           "",
           "00112233-4455-6677-8899-aabbccddeef",     // 35 chars
           "00112233-4455-6677-8899-aabbccddeeff0",   // 37 chars
           "{00112233-4455-6677-8899-aabbccddeeff}",  // braces
           "{0112233-4455-6677-8899-aabbccddeef}",    // braces, right length
           "00112233445566778899aabbccddeeff",        // no dashes
           "0011223-34455-6677-8899-aabbccddeeff",    // misplaced dash
           "00112233-44556-677-8899-aabbccddeeff",    //
           "00112233-4455-6677-88990aabbccddeeff-",   //
           "00112233_4455_6677_8899_aabbccddeeff",    // wrong separator
           "0011223g-4455-6677-8899-aabbccddeeff",    // bad hex
           "00112233-4455-6677-8899-aabbccddeefz",    //
           " 0112233-4455-6677-8899-aabbccddeeff",    // space
           "+0112233-4455-6677-8899-aabbccddeeff",    // sign
           "00112233-4455-6677-8899-aabbccddee\xC3\xA9",
       }) {
    EXPECT_FALSE(uuid::parse(bad)) << bad;
  }
  EXPECT_FALSE(uuid::parse(std::string_view("00112233-4455-6677-8899-aabbccddeef\0", 36)));
}

TEST(Uuid, HundredThousandRandomIdsAreUnique) {
  std::unordered_set<uuid, uuid_hash> v4;
  std::unordered_set<uuid, uuid_hash> v7;
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_TRUE(v4.insert(uuid::random_v4()).second);
    // All at the same microsecond: uniqueness rests on the random bits alone.
    ASSERT_TRUE(v7.insert(uuid::time_ordered_v7(1'700'000'000'000'000)).second);
  }
}

TEST(Uuid, ThreadsGenerateUniqueValidIds) {
  constexpr int threads = 4;
  constexpr int per_thread = 25'000;
  std::vector<std::vector<uuid>> made(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&made, t] {
      auto& out = made[static_cast<std::size_t>(t)];
      out.reserve(per_thread * 2);
      for (int i = 0; i < per_thread; ++i) {
        out.push_back(uuid::random_v4());
        out.push_back(uuid::time_ordered_v7(1'700'000'000'000'000 + i));
      }
    });
  }
  for (auto& th : pool) th.join();
  std::unordered_set<uuid, uuid_hash> all;
  for (const auto& v : made) {
    for (const auto& id : v) {
      ASSERT_TRUE(id.version() == 4 || id.version() == 7);
      ASSERT_EQ(variant_bits(id), 0b10);
      ASSERT_TRUE(all.insert(id).second) << "duplicate " << id.to_string();
    }
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(threads * per_thread * 2));
}

// A forked child must not replay the parent's per-thread generator.
TEST(Uuid, ForkedChildDoesNotRepeatParentIds) {
  (void)uuid::random_v4();  // seed this thread's generator before forking
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const uuid child = uuid::random_v4();
    const ssize_t n = ::write(fds[1], child.bytes().data(), 16);
    ::_exit(n == 16 ? 0 : 1);
  }
  ::close(fds[1]);
  const uuid parent = uuid::random_v4();
  uuid::bytes_type child_bytes{};
  ASSERT_EQ(::read(fds[0], child_bytes.data(), 16), 16);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(uuid(child_bytes), parent);
}

}  // namespace
}  // namespace agora
