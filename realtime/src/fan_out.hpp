#pragma once
// Private: the fan-out actor. Takes the projections' change batches (after
// the read models show them), turns each notice into the messages of the
// channels it concerns (protocol.hpp), renders each message once and posts
// the same immutable buffer to every session subscribed to that channel. It
// never blocks and never waits for a socket: a session's slowness stays in
// that session's bounded queue.
//
// Resume: a subscribe with `from` is answered, in the actor's order, with
// `subscribed` at the position the actor has delivered (D), the messages of
// that channel in (from, D] from the projections' routed history (the same
// routing as the live feed: projection_runner::read_notices, a copy from
// memory, so done here), then live ones, which all come after D: no gap, no
// duplicate. Live messages at or before `from` are not sent to that
// subscriber (a client may have seen them through a newer REST read).

#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "realtime/src/hub.hpp"

namespace agora::realtime::detail {

/// Spawns the fan-out in `sys`.
caf::actor spawn_fan_out(caf::actor_system& sys, std::shared_ptr<hub> h);

}  // namespace agora::realtime::detail
