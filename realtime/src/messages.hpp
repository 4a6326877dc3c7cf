#pragma once
// Private: what the sessions and the projections' listener send the fan-out
// actor. Local only (they hold pointers): never sent to another node.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

#include "projections/change_notice.hpp"
#include "realtime/src/protocol.hpp"

namespace agora::realtime::detail {

class ws_session;

/// A published change batch (the listener's copy).
struct batch_msg {
  std::shared_ptr<const projections::change_batch> batch;
};

/// `s` is authenticated as `user`: tell it when that account's tokens may
/// have ended.
struct join_msg {
  std::shared_ptr<ws_session> s;
  std::string user;
};

/// Channels `s` may have (authorization is the session's): answer each with
/// `subscribed` (or `error` resume_too_old), replay what follows `from`, then
/// send live messages.
struct subscribe_msg {
  struct item {
    channel_ref ch;
    std::optional<std::uint64_t> from;
  };
  std::shared_ptr<ws_session> s;
  std::string id;
  std::vector<item> items;
};

struct unsubscribe_msg {
  std::shared_ptr<ws_session> s;
  std::string id;
  std::vector<channel_ref> items;
};

/// The session ended: forget it everywhere.
struct leave_msg {
  std::uint64_t session = 0;
};

}  // namespace agora::realtime::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::realtime::detail::batch_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::realtime::detail::join_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::realtime::detail::subscribe_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::realtime::detail::unsubscribe_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::realtime::detail::leave_msg)
