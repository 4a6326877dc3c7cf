#pragma once
// The random seed of a randomized test: printed, so a failure can be replayed,
// and taken from AGORA_TEST_SEED when set, to replay it.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace agora::testing {

/// AGORA_TEST_SEED when set (a decimal number), a fresh random seed
/// otherwise. Prints it and records it in the test's XML report.
inline unsigned test_seed() {
  unsigned seed = 0;
  const char* env = std::getenv("AGORA_TEST_SEED");
  if (env != nullptr && *env != '\0') {
    char* end = nullptr;
    const unsigned long v = std::strtoul(env, &end, 10);
    if (end == nullptr || *end != '\0') {
      ADD_FAILURE() << "AGORA_TEST_SEED must be a decimal number, not '" << env << "'";
    }
    seed = static_cast<unsigned>(v);
  } else {
    seed = std::random_device{}();
  }
  std::printf("seed %u (replay with AGORA_TEST_SEED=%u)\n", seed, seed);
  std::fflush(stdout);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace agora::testing
