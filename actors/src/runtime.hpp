#pragma once
// Private: what every actor of the service shares (the messages between them
// are protocol.hpp's). Only actors/src includes this (it pulls in CAF).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "actors/command_service.hpp"
#include "actors/src/kinds.hpp"
#include "actors/src/protocol.hpp"
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
  /// Registry shards per kind, set once before the first command (and
  /// cleared at stop).
  std::tuple<std::vector<registry_actor<product_kind>>, std::vector<registry_actor<inventory_kind>>,
             std::vector<registry_actor<cart_kind>>, std::vector<registry_actor<order_kind>>,
             std::vector<registry_actor<customer_kind>>, std::vector<registry_actor<claim_kind>>>
      registries;

  std::atomic<std::uint64_t> commands{0}, activations{0}, passivations{0}, live{0}, retries{0},
      snapshot_loads{0}, events_replayed{0}, fresh_activations{0};
  /// Appends sent to the store and not yet answered (shutdown waits for them:
  /// their answers are addressed to actors).
  std::atomic<std::int64_t> appends_in_flight{0};

  /// The registry shards of kind Kind.
  template <class Kind>
  std::vector<registry_actor<Kind>>& shards() {
    return std::get<std::vector<registry_actor<Kind>>>(registries);
  }
  template <class Kind>
  const std::vector<registry_actor<Kind>>& shards() const {
    return std::get<std::vector<registry_actor<Kind>>>(registries);
  }
  timestamp_us now() const noexcept { return clk->now(); }
};

/// `d` in microseconds, the unit of timestamp_us (an option's duration added to
/// now()).
inline timestamp_us micros(std::chrono::milliseconds d) noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

/// The registry shard that owns aggregate `id` of kind Kind.
template <class Kind>
const registry_actor<Kind>& registry_of(const runtime& rt, const std::string& id) {
  const auto& shards = rt.shards<Kind>();
  return shards[std::hash<std::string>{}(id) % shards.size()];
}

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
