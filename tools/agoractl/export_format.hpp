#pragma once
// The export file (agoractl export / import): NDJSON, one record a line.
//
//   {"agora_export":1,"last_position":N,"exported_at":"<rfc3339>"}     header
//   {"id":..,"stream":..,"version":..,"position":..,"type":..,        one line per event,
//    "schema_version":..,"timestamp":"<rfc3339>","correlation_id":..,  in log order: the
//    "causation_id":..,"actor":..,"timestamp_us":N,"data":{..}}        envelope, exactly
//   {"checkpoint":"<consumer>","position":N}                          consumer checkpoints
//   {"wakeup":"<stream>","due":N}                                     pending wake-ups
//   {"end":true,"events":N,"checksum":"blake2b256:<hex>"}              trailer
//
// An event line is the envelope as the HTTP API and Kafka show it, plus
// timestamp_us (the exact stored microseconds; "timestamp" is for people).
// `data` is copied byte for byte both ways. The trailer makes a truncated file
// detectable; its checksum is over the events' canonical lines (log_checksum),
// so an import can prove it reproduced the log exactly.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/expected.hpp"
#include "eventstore/event.hpp"

namespace agora::agoractl {

/// The format version written in the header; import refuses others.
inline constexpr std::uint64_t export_format_version = 1;

/// A running BLAKE2b-256 over events' canonical lines, in log order.
class log_checksum {
 public:
  log_checksum();
  ~log_checksum();
  log_checksum(const log_checksum&) = delete;
  log_checksum& operator=(const log_checksum&) = delete;
  /// Adds one event (its canonical line, as append_event_line writes it).
  void add(const eventstore::event_view& e);
  /// Adds one canonical line already built (with its '\n').
  void add_line(std::string_view line);
  /// "blake2b256:<64 hex digits>"; the hash of nothing for an empty log.
  std::string hex() const;

 private:
  struct state;
  state* s_;
  std::string line_;  // reused
};

/// Appends `e`'s event line (with its '\n') to `out`.
void append_event_line(std::string& out, const eventstore::event_view& e);
std::string header_line(eventstore::log_position last_position, timestamp_us now);
std::string checkpoint_line(std::string_view name, eventstore::log_position position);
std::string wakeup_line(std::string_view stream, timestamp_us due);
std::string trailer_line(std::uint64_t events, const std::string& checksum);

/// One parsed line of an export file.
struct export_record {
  enum class kind { header, event, checkpoint, wakeup, end };
  kind k = kind::event;
  /// event: the stream, version and position it had; the rest of it in `event`.
  std::string stream;
  eventstore::stream_version version = 0;
  eventstore::log_position position = 0;
  eventstore::new_event event;
  /// checkpoint: its consumer; wakeup: its stream.
  std::string name;
  /// header: format; checkpoint: position; wakeup: due; end: events.
  std::uint64_t number = 0;
  /// end: the checksum.
  std::string checksum;
};

/// Parses one line; the error says what is wrong (the caller adds the line
/// number). Reuses an internal parser: not thread-safe.
expected<export_record, std::string> parse_export_line(std::string_view line);

}  // namespace agora::agoractl
