#pragma once
// Private: the realtime protocol's pure parts (docs/API.md, "Realtime"):
// reading client messages, writing server messages, which protocol channels
// a caller may subscribe to, and which channels and message forms an event
// notice goes to. No I/O, no threads: unit tested on its own.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "projections/change_notice.hpp"

namespace agora::realtime::detail {

/// Who is connected: "anonymous", "customer" or "admin", and the account id.
struct identity {
  std::string role = "anonymous";
  std::string user_id;
  bool anonymous() const noexcept { return user_id.empty(); }
};

/// A subscription as the fan-out keys it. Several sessions share a key; a key
/// names one stream of messages rendered once.
struct channel_ref {
  /// The name the client used and sees in messages ("orders").
  std::string name;
  /// The routing key: the name, except "orders" which is "orders@<customer>"
  /// (each customer's "orders" is a stream of its own).
  std::string key;
  /// The family for metrics and stats ("product:<id>" -> "product").
  std::string family;
};

/// Why a channel is refused (the `error` codes of the protocol).
enum class channel_refusal { unknown_channel, forbidden };
const char* to_string(channel_refusal r) noexcept;

/// The channel `name` for `who`: unknown names and what `who` may not see are
/// refused (a customer asking for admin or for another customer's orders).
expected<channel_ref, channel_refusal> resolve_channel(std::string_view name, const identity& who);

/// A client message (see docs/API.md).
struct client_message {
  enum class kind { auth, subscribe, unsubscribe, ping };
  kind type = kind::ping;
  /// The `id` member as raw JSON (a string or a number), empty when absent.
  std::string id;
  /// auth: the token.
  std::string token;
  struct subscription {
    std::string name;
    std::optional<std::uint64_t> from;
  };
  /// subscribe: the channels asked for.
  std::vector<subscription> subscribe;
  /// unsubscribe: the channel names.
  std::vector<std::string> unsubscribe;
};

/// A client message that cannot be read: what to answer.
struct bad_message {
  /// The `id` when it could be read (raw JSON), else empty.
  std::string id;
  std::string message;
};

/// Reads one text frame. At most `max_channels` channels per (un)subscribe.
expected<client_message, bad_message> parse_client_message(std::string_view text, std::size_t max_channels);

// ---- server messages (each a whole frame) ----
std::string welcome_message(std::string_view connection_id, std::uint64_t position, const identity& who,
                            std::int64_t heartbeat_ms);
std::string subscribed_message(std::string_view type, std::string_view id, std::string_view channel,
                               std::uint64_t position);
std::string error_message(std::string_view id, std::string_view code, std::string_view message,
                          std::string_view channel = {});
std::string pong_message(std::string_view id, std::uint64_t position);
/// The admins' notification (kind rebuild_progress) of a rebuild's or a dry
/// run's progress, `position` being the feed's position when it is sent. The
/// one with data.done true and dry_run false says the rebuilt model is now
/// served: what it shows may have changed without an event.
std::string progress_message(const projections::rebuild_progress& p, std::uint64_t position);

/// How a notice is shown on a channel.
enum class message_form : std::uint8_t {
  event,              ///< the event whole
  inventory_public,   ///< the event, data reduced to public stock fields
  low_stock,          ///< admin notification: the item became low
  back_in_stock,      ///< admin notification: the item is not low any more
  customer_registered,///< admin notification: a new account (no e-mail)
  broadcast,          ///< an admin's broadcast notification
};

/// One message a notice makes: the routing key, the name shown, the form.
struct target {
  std::string key;
  std::string name;
  message_form form = message_form::event;
};

/// Every message `n` makes (see the channel table of docs/API.md), from its
/// routed channels and stream kind. Customer events make none (they only
/// matter for revocation, see revoked_user()).
std::vector<target> targets_of(const projections::event_notice& n);

/// The frame of `n` on `t.name` in form `t.form`.
std::string render(const projections::event_notice& n, const target& t);

/// The account whose tokens may have ended with `n` (a customer event:
/// logout, password or role change), or empty.
std::string revoked_user(const projections::event_notice& n);

}  // namespace agora::realtime::detail
