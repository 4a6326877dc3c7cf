#include "common/uuid.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

namespace agora {

namespace {

// Bumped in a child process after fork(): every thread's generator then
// reseeds, so parent and child never hand out the same ids.
std::atomic<std::uint64_t> g_fork_generation{0};

void on_fork_child() noexcept { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

const bool g_atfork_registered = [] {
  ::pthread_atfork(nullptr, nullptr, &on_fork_child);
  return true;
}();

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// xoshiro256**: fast, 256 bits of state, good statistical quality. Not a CSPRNG:
// ids are unique, not secret.
class id_generator {
 public:
  std::uint64_t next() noexcept {
    const std::uint64_t gen = g_fork_generation.load(std::memory_order_relaxed);
    if (!seeded_ || gen != generation_) seed(gen);
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  void seed(std::uint64_t gen) noexcept {
    // Mix several sources: std::random_device may throw or (on odd platforms)
    // be deterministic; time, thread id and a stack address keep the seeds apart.
    std::uint64_t mix = static_cast<std::uint64_t>(
        std::chrono::high_resolution_clock::now().time_since_epoch().count());
    mix ^= std::hash<std::thread::id>{}(std::this_thread::get_id()) * 0x9e3779b97f4a7c15ULL;
    mix ^= static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(&mix));
    mix ^= gen << 32;
    try {
      std::random_device rd;
      for (int i = 0; i < 4; ++i) {
        const std::uint64_t hi = rd();
        const std::uint64_t lo = rd();
        s_[i] = (hi << 32) ^ lo;
      }
    } catch (...) {
      for (auto& word : s_) word = 0;
    }
    for (auto& word : s_) word ^= splitmix64(mix);
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;  // the all-zero state is a fixed point
    generation_ = gen;
    seeded_ = true;
  }

  std::uint64_t s_[4] = {};
  std::uint64_t generation_ = 0;
  bool seeded_ = false;
};

id_generator& thread_generator() noexcept {
  thread_local id_generator g;
  return g;
}

void store_be64(std::uint8_t* p, std::uint64_t v) noexcept {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v);
    v >>= 8;
  }
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr bool is_dash_position(std::size_t i) noexcept { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

uuid uuid::random_v4() noexcept {
  (void)g_atfork_registered;
  id_generator& g = thread_generator();
  bytes_type b;
  store_be64(b.data(), g.next());
  store_be64(b.data() + 8, g.next());
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // variant 10xx
  return uuid(b);
}

uuid uuid::time_ordered_v7(timestamp_us now) noexcept {
  (void)g_atfork_registered;
  // RFC 9562 section 6.2 method 3: rand_a carries the sub-millisecond fraction
  // (12 bits), so ids made at increasing microseconds sort in order even within
  // one millisecond; rand_b (62 bits) stays random for uniqueness.
  // Times before 1970 cannot be represented in 48 unsigned bits: clamp to 0.
  const std::uint64_t us = now < 0 ? 0 : static_cast<std::uint64_t>(now);
  const std::uint64_t ms = (us / 1000) & 0xFFFF'FFFF'FFFFULL;
  const std::uint64_t frac = (us % 1000) * 4096 / 1000;  // [0, 4095], strictly increasing in us

  bytes_type b;
  store_be64(b.data(), (ms << 16) | (std::uint64_t{7} << 12) | frac);
  store_be64(b.data() + 8, thread_generator().next());
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // variant 10xx
  return uuid(b);
}

std::optional<uuid> uuid::parse(std::string_view text) noexcept {
  if (text.size() != 36) return std::nullopt;
  bytes_type b{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < 36;) {
    if (is_dash_position(i)) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);  // pairs never straddle a dash position
    if (hi < 0 || lo < 0) return std::nullopt;
    b[out++] = static_cast<std::uint8_t>((hi << 4) | lo);
    i += 2;
  }
  return uuid(b);
}

void uuid::format_to(char (&out)[text_size]) const noexcept {
  static constexpr char digits[] = "0123456789abcdef";
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (is_dash_position(pos)) out[pos++] = '-';
    out[pos++] = digits[bytes_[i] >> 4];
    out[pos++] = digits[bytes_[i] & 0x0F];
  }
}

std::string uuid::to_string() const {
  char text[text_size];
  format_to(text);
  return std::string(text, text_size);
}

bool uuid::is_nil() const noexcept {
  for (std::uint8_t byte : bytes_) {
    if (byte != 0) return false;
  }
  return true;
}

}  // namespace agora
