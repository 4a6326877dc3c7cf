#pragma once
// The stored form of an event (the value in the log family).
//
// A fixed 56-byte little-endian header, then the variable fields back to back:
//
//   off size field
//     0    1 format (0xA1 = format 1)
//     1    1 flags (0)
//     2    2 type length
//     4    4 schema version
//     8    8 stream version      <- patched by the writer once it is known
//    16    8 timestamp (us since epoch, signed)
//    24   16 event id (uuid bytes)
//    40    2 stream id length
//    42    2 correlation id length
//    44    2 causation id length
//    46    2 actor length
//    48    4 data length
//    52    4 reserved (0)
//    56      stream id, type, correlation id, causation id, actor, data
//
// Why binary and not JSON: replay and the outbox relay decode every event; a
// fixed header decodes with a few loads and no parsing, and the data (already
// JSON, validated on append) is handed on as bytes. The position is not stored:
// it is the key.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "eventstore/event.hpp"

namespace agora::eventstore::detail {

inline constexpr std::uint8_t kEnvelopeFormat1 = 0xA1;
inline constexpr std::size_t kEnvelopeHeaderBytes = 56;
inline constexpr std::size_t kStreamVersionOffset = 8;

/// Encodes `e` for `stream` with stream version 0 (patched later). `id` and
/// `timestamp` must already be assigned. Lengths must be within the limits
/// checked on append (u16 for ids, u32 for data).
std::string encode_envelope(std::string_view stream, const new_event& e);

/// Writes `version` into an encoded envelope.
void patch_stream_version(std::string& envelope, std::uint64_t version) noexcept;

/// Decodes an envelope; the view points into `bytes`. `position` is the key.
/// Fails (with a reason) on a wrong format byte or inconsistent lengths.
agora::expected<event_view, std::string> decode_envelope(std::string_view bytes,
                                                         std::uint64_t position) noexcept;

}  // namespace agora::eventstore::detail
