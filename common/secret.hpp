#pragma once
// Loading and judging secret keys (the JWT signing key): from a file only its
// owner can read, and with enough entropy that guessing it is hopeless.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace agora {

/// A simple, deliberately pessimistic estimate of the entropy of `key`, in
/// bits: its length times the smaller of two empirical Shannon entropies per
/// byte, that of its byte values and that of the differences between
/// consecutive bytes (mod 256). Repeated characters and few distinct bytes
/// score low on the first (32 x 'a' is 0 bits, "abab..." 1 bit per byte);
/// runs and repeated patterns ("0123456789abcdef" four times) on the second.
/// Random keys score near their real entropy, somewhat below it for short
/// ones: 64 random hex digits (256 bits) score about 230, a base64 text of 32
/// random bytes about 200.
double estimate_entropy_bits(std::string_view key) noexcept;

/// Checks that `key` is at least `min_bytes` long and estimate_entropy_bits()
/// gives at least `min_bits`. The error names `name` and says how to make a
/// good key; it never contains the key.
expected<void, std::string> check_key_strength(std::string_view key, std::string_view name,
                                               std::size_t min_bytes = 32, double min_bits = 128);

/// Reads a secret from the file at `path`: refused when the file is not a
/// regular file, is readable or writable by its group or others (chmod 600 or
/// 400), is empty or longer than 64 KiB. One trailing newline (LF or CRLF) is
/// dropped, as `echo` and editors add it. Errors name `name` (the key that gave
/// the path) and the path, never the content.
expected<std::string, std::string> read_secret_file(const std::string& path, std::string_view name);

}  // namespace agora
