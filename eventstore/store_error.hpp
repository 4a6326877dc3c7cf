#pragma once
// Errors of the event store, as values (RocksDB's Status in spirit): every call
// that can fail returns expected<T, store_error>, and the result must be checked.

#include <cstdint>
#include <string>

#include "common/expected.hpp"

namespace agora::eventstore {

/// What went wrong. Stable numbering: these values appear in logs and metrics.
enum class errc : std::uint8_t {
  /// The stream's version was not the expected one; store_error::actual_version has it.
  wrong_expected_version = 1,
  /// The stream id is empty, too long, or contains NUL or control characters.
  invalid_stream_id = 2,
  /// An event is malformed: empty or over-long type, data that is not JSON,
  /// metadata over its limit.
  invalid_event = 3,
  /// One event or one append is over the configured size or count limit.
  too_large = 4,
  /// The append queue is full; the caller should back off (HTTP 503).
  overloaded = 5,
  /// The store is closing or closed; nothing was written.
  shutting_down = 6,
  /// RocksDB reported an I/O error; nothing of that append was acknowledged.
  io_error = 7,
  /// Stored bytes could not be decoded.
  corruption = 8,
  /// The database could not be opened (path, lock held by another process, ...).
  open_failed = 9,
  /// An argument other than the above is out of range.
  invalid_argument = 10,
};

/// The enum's name, e.g. "wrong_expected_version".
const char* to_string(errc code) noexcept;

/// An error with a human-readable message.
struct store_error {
  errc code = errc::invalid_argument;
  std::string message;
  /// For wrong_expected_version: the stream's actual current version (0: no stream).
  std::uint64_t actual_version = 0;
};

template <class T>
using store_result = agora::expected<T, store_error>;

}  // namespace agora::eventstore
