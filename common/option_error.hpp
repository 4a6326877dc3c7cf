#pragma once
// option_error: why a module's settings were refused. Every options struct's
// from_config() answers expected<X, option_error> after checking the ranges of
// its keys, so agorad (start and --check-config) refuses an out-of-range value
// with one clear message instead of clamping it or failing later on open.

#include <string>

namespace agora {

/// A setting that cannot be used.
struct option_error {
  /// The configuration key at fault, e.g. "store.max_batch_appends".
  std::string key;
  /// The whole message, naming the key: "store.max_batch_appends must be >= 1".
  std::string message;
};

/// An option_error for `key`: the message is "<key> <why>".
inline option_error make_option_error(std::string key, const std::string& why) {
  std::string message = key + " " + why;
  return option_error{std::move(key), std::move(message)};
}

}  // namespace agora
