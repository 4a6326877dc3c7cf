#pragma once
// Private: what every actor of the service shares, and the messages between
// them. Only actors/src includes this (it pulls in CAF).

#include <caf/all.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "actors/command_service.hpp"
#include "common/work_pool.hpp"
#include "eventstore/event_store.hpp"

namespace agora::actors::detail {

/// Shared by all actors; lives as long as the longest-lived actor.
struct runtime {
  eventstore::event_store* store = nullptr;
  actor_options opts;
  const clock* clk = nullptr;
  std::shared_ptr<payment_port> payments;
  /// Store reads on activation and snapshot writes (actors-io threads).
  std::unique_ptr<work_pool> io;
  /// Registry shards per kind, set once before the first command.
  std::array<std::vector<caf::actor>, 6> registries;

  std::atomic<std::uint64_t> commands{0}, activations{0}, passivations{0}, live{0}, retries{0},
      snapshot_loads{0}, events_replayed{0}, fresh_activations{0};
  /// Appends sent to the store and not yet answered (shutdown waits for them:
  /// their answers are addressed to actors).
  std::atomic<std::int64_t> appends_in_flight{0};

  /// The registry shard that owns `id` of `kind`.
  const caf::actor& registry(aggregate_kind kind, const std::string& id) const {
    const auto& shards = registries[static_cast<std::size_t>(kind)];
    return shards[std::hash<std::string>{}(id) % shards.size()];
  }
  timestamp_us now() const noexcept { return clk->now(); }
};

/// `d` in microseconds, the unit of timestamp_us (an option's duration added to
/// now()).
inline timestamp_us micros(std::chrono::milliseconds d) noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

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
  /// Set by the facade; empty when an actor asks (it gets a reply instead).
  command_callback done;
  int attempt = 0;
};

/// A command or request, as the aggregate actor receives it.
template <class Kind>
struct cmd_msg {
  typename Kind::request req;
  command_context ctx;
};

/// What an activation read from the store (made on an io thread).
template <class Kind>
struct load_result {
  typename Kind::state state;
  eventstore::stream_version version = 0;
  std::uint32_t events_replayed = 0;
  bool from_snapshot = false;
  std::optional<std::string> error;
};
template <class Kind>
struct loaded_msg {
  std::shared_ptr<load_result<Kind>> r;
};

/// The store's answer to the aggregate's append.
struct appended_msg {
  eventstore::store_result<eventstore::append_result> r;
};

struct tick_msg {
  std::uint64_t gen = 0;
};
struct passivate_msg {};
struct sweep_msg {};
/// Activate `id` (e.g. it has a wake-up in the store); not before `due` when
/// that is later than the registry's next sweep (0: now).
struct wake_msg {
  std::string id;
  timestamp_us due = 0;
};
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
struct state_query {};
struct state_reply {
  agora::expected<std::string, command_error> json;
};
template <class Kind>
struct route_query {
  std::string id;
  state_callback done;
};
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

inline command_error make_command_error(command_errc code, std::string message) {
  command_error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}
inline command_error rejected(domain::domain_error d) {
  command_error e;
  e.code = command_errc::rejected;
  e.message = d.message;
  e.domain = std::move(d);
  return e;
}

}  // namespace agora::actors::detail

// Local-only message types: they hold callbacks and promises and are never
// sent to another node (the cluster issue adds serializable forms).
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
