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

namespace agora::agoractl {

/// Checks that one stored event decodes with the codec of its stream's kind
/// (the part of the id before the first '-'). The error says why not (an
/// unknown kind, an unknown type, malformed data).
expected<void, std::string> check_decodes(std::string_view stream, std::string_view type,
                                          std::uint32_t schema_version, std::string_view data);

/// Folds `events` (one stream's, versions 1..n in order) with the aggregate's
/// evolve and answers the state as the aggregate's snapshot JSON
/// (encode_state). The error names the version that does not decode.
expected<std::string, std::string> fold_state(std::string_view stream,
                                              const std::vector<eventstore::recorded_event>& events);

}  // namespace agora::agoractl
