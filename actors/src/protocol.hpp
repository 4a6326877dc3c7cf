#pragma once
// Private: the actor layer's protocol, declared in one place: every message
// between the facade, the registries and the aggregate actors, and each
// actor's typed interface (what it accepts and what it answers). CAF checks
// every send, request and behaviour against these interfaces at compile time,
// so a message an actor does not handle is a build error, not a dead letter.
//
// Which messages could cross a node boundary (docs/ARCHITECTURE.md, "The
// actors' protocol"): route_msg, cmd_msg, state_query/state_reply, wake_msg
// and command_reply carry only data, apart from route_msg's and route_query's
// callbacks, which the facade uses on this node (a remote facade would ask
// with a request instead and get a command_reply). Everything else is
// node-local by nature: an aggregate's messages to itself (loaded_msg,
// appended_msg, signal_msg), the registry's own sweep, and gone_msg and
// shutdown_msg between a registry and what it spawned.
//
// Only actors/src includes this (it pulls in CAF).

#include <caf/all.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "actors/command_service.hpp"
#include "eventstore/event_store.hpp"

namespace agora::actors::detail {

// ---------------------------------------------------------------------------
// Requests and answers (data only: serializable once a cluster needs them).

/// The answer to a command, as a message.
struct command_reply {
  command_result result;
};

/// Charge a confirmed order (order aggregates only).
struct pay_request {
  std::string method;
};

/// A command or another request, addressed to an aggregate by its registry.
template <class Kind>
struct route_msg {
  std::string id;
  typename Kind::request req;
  command_context ctx;
  /// Set by the facade (node-local); empty when an actor asks: it gets a
  /// command_reply instead.
  command_callback done;
  int attempt = 0;
};

/// A command or request, as the aggregate actor receives it.
template <class Kind>
struct cmd_msg {
  typename Kind::request req;
  command_context ctx;
};

/// Asks an aggregate for its state (JSON).
struct state_query {};
struct state_reply {
  agora::expected<std::string, command_error> json;
};

/// Asks a registry for the state of aggregate `id`; `done` runs on the
/// registry's thread (node-local, like route_msg::done).
template <class Kind>
struct route_query {
  std::string id;
  state_callback done;
};

/// Activate `id` (e.g. it has a wake-up in the store); not before `due` when
/// that is later than the registry's next sweep (0: now).
struct wake_msg {
  std::string id;
  timestamp_us due = 0;
};

// ---------------------------------------------------------------------------
// Node-local messages.

/// What an activation read from the store (made on an io thread).
template <class Kind>
struct load_result {
  typename Kind::state state;
  eventstore::stream_version version = 0;
  std::uint32_t events_replayed = 0;
  bool from_snapshot = false;
  std::optional<std::string> error;
};
/// The activation's read, sent by the io thread to the aggregate itself.
template <class Kind>
struct loaded_msg {
  std::shared_ptr<load_result<Kind>> r;
};

/// The store's answer to the aggregate's append (sent to itself from the
/// store's callback).
struct appended_msg {
  eventstore::store_result<eventstore::append_result> r;
};

struct tick_msg {
  std::uint64_t gen = 0;
};
struct passivate_msg {};
/// Something finished outside the actor (a payment, a compensation round) and
/// must continue inside it.
struct continue_msg {
  std::function<void()> fn;
};
/// What an aggregate hears from its own timer (tick), its hooks (continue) and
/// its registry (passivate), as one message type. CAF 0.17 allocates each
/// actor's behaviour with a slot per handled type: three handlers fewer moved
/// it from jemalloc's 384-byte size class to the 256-byte one, a sixteenth of
/// what a resident idle inventory item costs (bench/RESULTS.md).
struct signal_msg {
  std::variant<tick_msg, continue_msg, passivate_msg> what;
};

/// The registry's own reminder to look for idle and due aggregates.
struct sweep_msg {};
/// An aggregate actor stopped (passivated or failed): its registry forgets it.
/// wake_at: the actor passivated with a timer still due then (an order's
/// payment deadline); the registry activates it again at that time.
struct gone_msg {
  std::string id;
  caf::actor_addr addr;
  timestamp_us wake_at = 0;
};
/// Stop the registry and every aggregate it holds.
struct shutdown_msg {};

// ---------------------------------------------------------------------------
// The interfaces.

/// One live aggregate of kind Kind: commands and state queries from its
/// registry; its own load, append answers and signals.
template <class Kind>
using aggregate_actor =
    caf::typed_actor<typename caf::replies_to<cmd_msg<Kind>>::template with<command_reply>,
                     typename caf::replies_to<state_query>::template with<state_reply>,
                     caf::reacts_to<loaded_msg<Kind>>, caf::reacts_to<appended_msg>, caf::reacts_to<signal_msg>>;

/// One registry shard of kind Kind: routes commands (answering a command_reply
/// when asked by an actor) and queries to the aggregates it owns, activates
/// woken ones, forgets stopped ones, sweeps and shuts down.
template <class Kind>
using registry_actor =
    caf::typed_actor<typename caf::replies_to<route_msg<Kind>>::template with<command_reply>,
                     caf::reacts_to<route_query<Kind>>, caf::reacts_to<wake_msg>, caf::reacts_to<gone_msg>,
                     caf::reacts_to<sweep_msg>, caf::reacts_to<shutdown_msg>>;

/// The promise of a command's answer (a request to an aggregate or registry).
using command_promise = caf::typed_response_promise<command_reply>;
/// The promise of a state query's answer.
using state_promise = caf::typed_response_promise<state_reply>;

}  // namespace agora::actors::detail

// Local-only message types so far: some hold callbacks, promises or results
// that have no wire form; the cluster adds serializable (inspectable) forms of
// the data-only ones above and registers them by name on every node.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::command_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::appended_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::sweep_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::wake_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::state_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::gone_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::shutdown_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::state_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(agora::actors::detail::signal_msg)

namespace caf {
template <class Kind>
struct allowed_unsafe_message_type<agora::actors::detail::route_msg<Kind>> : std::true_type {};
template <class Kind>
struct allowed_unsafe_message_type<agora::actors::detail::cmd_msg<Kind>> : std::true_type {};
template <class Kind>
struct allowed_unsafe_message_type<agora::actors::detail::loaded_msg<Kind>> : std::true_type {};
template <class Kind>
struct allowed_unsafe_message_type<agora::actors::detail::route_query<Kind>> : std::true_type {};
}  // namespace caf
