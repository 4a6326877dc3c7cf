#pragma once
// Internal to agora_projections: tokenizing for the search index and the
// encoding of opaque pagination cursors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agora::projections::detail {

/// Longest token kept, in bytes; longer runs are cut (a 5000-byte "word" is
/// noise, and the cut keeps index keys small).
inline constexpr std::size_t max_token_bytes = 64;

/// Splits `text` into tokens: ASCII letters are lower-cased, ASCII characters
/// that are not letters or digits separate tokens, and bytes >= 0x80 (UTF-8)
/// are kept as they are, so non-ASCII words are searchable byte for byte.
std::vector<std::string> tokenize(std::string_view text);

/// ASCII lower-case copy.
std::string ascii_lower(std::string_view s);

/// Lower-case hex of the bytes of `s` (URL-safe, opaque to clients).
std::string hex_encode(std::string_view s);
/// The inverse of hex_encode; nullopt for anything else.
std::optional<std::string> hex_decode(std::string_view s);

/// 16 hex digits, big-endian, so string order is numeric order.
std::string fixed_hex(std::uint64_t v);

}  // namespace agora::projections::detail
