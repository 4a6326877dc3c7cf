#pragma once
// notification: a message an admin broadcasts to every connected client
// (POST /api/admin/notifications). Stored as an event of its own stream
// (`notification-<uuid>`, one event "NotificationBroadcast") so that it has a
// log position and a client resuming after a disconnect gets it like any
// other event. Pure: validation and the event's JSON; the API appends it,
// the projections route it, the realtime fan-out sends it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/expected.hpp"

namespace agora::domain::notification {

/// Stream ids are `notification-<uuid>`.
inline constexpr std::string_view kind = "notification";
/// The one event type.
inline constexpr std::string_view broadcast_type = "NotificationBroadcast";
/// Limits, in characters (UTF-8 code points).
inline constexpr std::size_t max_title_chars = 200;
inline constexpr std::size_t max_body_chars = 2000;

/// How urgent a notification is.
enum class level { info, warning, critical };
/// "info", "warning", "critical".
const char* to_string(level l) noexcept;
/// The level named `s`, or nullopt.
std::optional<level> parse_level(std::string_view s) noexcept;

/// A broadcast, as the event "NotificationBroadcast" holds it.
struct broadcast {
  std::string title;
  std::string body;
  level lvl = level::info;
  /// Who sent it (the admin's user id).
  std::string sender;
  timestamp_us at = 0;
};

/// The field errors of `b` (field name, message): a title of 1..200
/// characters and a body of at most 2000, both valid UTF-8. Empty when valid.
std::vector<std::pair<std::string, std::string>> validate(const broadcast& b);

/// The event's JSON data: {"title","body","level","sender","at"}.
std::string encode(const broadcast& b);
/// The broadcast in an event's data; an error for data that is not one.
agora::expected<broadcast, std::string> decode(std::string_view json);

}  // namespace agora::domain::notification
