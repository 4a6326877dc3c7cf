#pragma once
// The event types of the store: what a caller proposes (new_event), what the
// store hands back (recorded_event, or event_view without copies), and the
// optimistic-concurrency condition of an append (expected_version).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/uuid.hpp"

namespace agora::eventstore {

/// Stream versions start at 1 for a stream's first event; 0 means "no stream".
/// Log positions start at 1; 0 means "before the first event".
using stream_version = std::uint64_t;
using log_position = std::uint64_t;

/// An event to append. The store assigns the stream version and log position.
struct new_event {
  /// Event id; the nil uuid asks the store to assign a time-ordered (v7) one.
  uuid id;
  /// Event type, past tense, e.g. "OrderPlaced". 1..128 bytes, printable ASCII.
  std::string type;
  /// Schema version of `data`, so decoders can upcast old events.
  std::uint32_t schema_version = 1;
  /// The event's data: one JSON value (normally an object). Validated on append.
  std::string data;
  /// Id of the request that caused this (X-Request-Id); <= 256 bytes.
  std::string correlation_id;
  /// Id of the message (event or command) that caused this; <= 256 bytes.
  std::string causation_id;
  /// Who did it (user id), may be empty; <= 256 bytes.
  std::string actor;
  /// 0 asks the store to use its clock.
  timestamp_us timestamp = 0;
};

/// A stored event, with its place in its stream and in the global log.
struct recorded_event {
  uuid id;
  std::string stream;
  stream_version version = 0;
  log_position position = 0;
  std::string type;
  std::uint32_t schema_version = 1;
  timestamp_us timestamp = 0;
  std::string correlation_id;
  std::string causation_id;
  std::string actor;
  std::string data;
};

/// A stored event without copies: the views point into a buffer that is valid
/// only during the callback that receives the view.
struct event_view {
  uuid id;
  std::string_view stream;
  stream_version version = 0;
  log_position position = 0;
  std::string_view type;
  std::uint32_t schema_version = 1;
  timestamp_us timestamp = 0;
  std::string_view correlation_id;
  std::string_view causation_id;
  std::string_view actor;
  std::string_view data;

  /// Copies the view into an owning event.
  recorded_event to_owned() const;
};

/// The condition an append puts on the stream's current version.
class expected_version {
 public:
  /// Append whatever the stream's version is (no concurrency check).
  static constexpr expected_version any() noexcept { return expected_version(kind::any, 0); }
  /// The stream must not exist yet (version 0).
  static constexpr expected_version no_stream() noexcept { return expected_version(kind::exact, 0); }
  /// The stream must be at exactly version `v` (0 is the same as no_stream()).
  static constexpr expected_version exact(stream_version v) noexcept {
    return expected_version(kind::exact, v);
  }

  constexpr bool is_any() const noexcept { return kind_ == kind::any; }
  /// The required version; meaningful when !is_any().
  constexpr stream_version value() const noexcept { return value_; }
  /// Whether a stream at version `actual` satisfies the condition.
  constexpr bool matches(stream_version actual) const noexcept {
    return kind_ == kind::any || value_ == actual;
  }
  /// "any", "no_stream" or the number.
  std::string to_string() const;

 private:
  enum class kind : std::uint8_t { any, exact };
  constexpr expected_version(kind k, stream_version v) noexcept : kind_(k), value_(v) {}
  kind kind_;
  stream_version value_;
};

/// What a successful append yields.
struct append_result {
  /// The stream's version after the append (unchanged for an empty append).
  stream_version version = 0;
  /// Positions of the first and last appended event; both 0 for an empty append.
  log_position first_position = 0;
  log_position last_position = 0;
};

}  // namespace agora::eventstore
