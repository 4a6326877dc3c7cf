#pragma once
// The check every options test makes: a from_config refuses each out-of-range
// value alone, with an option_error whose key is that key and whose message
// names it.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "common/config.hpp"

namespace agora::testing {

/// For each (key, value): `read` (a from_config) given a config holding only
/// that value refuses it, naming the key.
template <class Read>
void expect_each_refused_naming_the_key(const std::vector<std::pair<std::string, std::string>>& cases, Read read) {
  for (const auto& [key, value] : cases) {
    config cfg;
    cfg.set(key, value);
    const auto o = read(cfg);
    ASSERT_FALSE(o) << key << "=" << value;
    EXPECT_EQ(o.error().key, key);
    EXPECT_NE(o.error().message.find(key), std::string::npos) << o.error().message;
  }
}

}  // namespace agora::testing
