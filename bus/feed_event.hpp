#pragma once
// What a feed consumer hands to projections: one event envelope decoded from
// the JSON the outbox relay publishes (eventstore/event_json.hpp), and the
// duplicate filter that makes the at-least-once feed look exactly-once.

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/uuid.hpp"
#include "eventstore/event.hpp"

namespace agora::bus {

/// One event from the feed, owning its data.
struct feed_event {
  uuid id;
  std::string stream;
  eventstore::stream_version version = 0;
  /// Position in the publishing node's log.
  eventstore::log_position position = 0;
  std::string type;
  std::uint32_t schema_version = 1;
  /// As published: RFC 3339, e.g. "2026-01-02T03:04:05.678901Z".
  std::string timestamp;
  std::string correlation_id;
  std::string causation_id;
  std::string actor;
  /// The event's data, as JSON text.
  std::string data;

  // Where the message came from, for logs.
  std::string topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

/// Decodes one envelope. Returns nullopt (with `why`) when `json` is not an
/// envelope: not JSON, or id/stream/version/position/type missing or mistyped.
std::optional<feed_event> parse_feed_event(std::string_view json, std::string* why = nullptr);

/// Drops events already seen: by event id (a bounded set of recent ids, oldest
/// forgotten first) and by stream version (a bounded map of each recent
/// stream's last accepted version: an event at or below it is a duplicate).
/// The version check catches a republished run of a stream even after its ids
/// have left the recent set; the id check catches what the version check cannot
/// (a stream it has forgotten). Not thread-safe.
class event_deduper {
 public:
  /// Remembers at most `max_ids` event ids and `max_streams` streams.
  explicit event_deduper(std::size_t max_ids = 1u << 18, std::size_t max_streams = 1u << 18);

  /// Whether `e` was accepted before (and so should be dropped). Does not remember it.
  bool is_duplicate(const uuid& id, std::string_view stream, eventstore::stream_version version) const;
  /// Remembers `e` as accepted.
  void accept(const uuid& id, std::string_view stream, eventstore::stream_version version);
  /// Remembered ids and streams.
  std::size_t ids() const noexcept { return id_index_.size(); }
  std::size_t streams() const noexcept { return stream_index_.size(); }

 private:
  struct uuid_hash {
    std::size_t operator()(const uuid& u) const noexcept;
  };
  std::size_t max_ids_;
  std::size_t max_streams_;
  // Recency lists, newest at the front, and indexes into them.
  std::list<uuid> id_order_;
  std::unordered_map<uuid, std::list<uuid>::iterator, uuid_hash> id_index_;
  struct stream_entry {
    std::string stream;
    eventstore::stream_version version;
  };
  std::list<stream_entry> stream_order_;
  std::unordered_map<std::string_view, std::list<stream_entry>::iterator> stream_index_;
};

}  // namespace agora::bus
