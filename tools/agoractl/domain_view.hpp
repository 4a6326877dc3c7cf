#pragma once
// The domain as agoractl sees the log: which aggregate a stream belongs to,
// whether a stored event decodes with that aggregate's codec, and the state a
// stream's events fold into (time travel). Pure: decode and evolve only, the
// same functions the aggregates' actors run.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "eventstore/event.hpp"
#include "eventstore/event_store.hpp"

namespace agora::agoractl {

/// Whether streams of `stream`'s kind hold events but no aggregate (no state
/// to fold, no snapshot): `notification-<id>`, an admin's broadcast.
bool is_event_only(std::string_view stream);

/// Checks that one stored event decodes with the codec of its stream's kind
/// (the part of the id before the first '-'): an aggregate's, or an
/// event-only kind's. The error says why not (an unknown kind, an unknown
/// type, malformed data).
expected<void, std::string> check_decodes(std::string_view stream, std::string_view type,
                                          std::uint32_t schema_version, std::string_view data);

/// Folds `events` (one stream's, versions 1..n in order) with the aggregate's
/// evolve and answers the state as the aggregate's snapshot JSON
/// (encode_state). The error names the version that does not decode.
expected<std::string, std::string> fold_state(std::string_view stream,
                                              const std::vector<eventstore::recorded_event>& events);

/// The snapshot the stream's actor would write after `events` (versions
/// 1..n): the folded state in the aggregate's encoding and schema.
expected<eventstore::snapshot, std::string> fold_snapshot(std::string_view stream,
                                                          const std::vector<eventstore::recorded_event>& events);

/// How a stored snapshot compares with the events it claims to fold.
enum class snapshot_check {
  /// decode_state(snapshot) equals the fold of versions 1..snapshot.version.
  matches,
  /// Of another state schema than this build's: the actors ignore it and
  /// replay the stream, so it cannot be wrong, only useless.
  other_schema,
};

/// Checks `snap` of `stream` against `events` (versions 1..snap.version, in
/// order). The error says how it differs (it does not decode, or it holds
/// another state than the fold): the actors would start from a wrong state.
expected<snapshot_check, std::string> check_snapshot(std::string_view stream, const eventstore::snapshot& snap,
                                                     const std::vector<eventstore::recorded_event>& events);

}  // namespace agora::agoractl
