#pragma once
// The write model's front door: send a command to an aggregate (product,
// inventory item, cart, order, customer, uniqueness claim) and be called back
// with the outcome. Behind it, each live aggregate is a CAF actor that handles
// one command at a time, appends the resulting events to the event store, and
// is activated on first use and passivated when idle.
//
// Nothing here blocks: callbacks run on a CAF worker thread and must only post
// their result onward (e.g. to an HTTP session's strand). No CAF header is
// included: callers (the HTTP layer) stay light to compile.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/actor_options.hpp"
#include "actors/domain/cart.hpp"
#include "actors/domain/claim.hpp"
#include "actors/domain/customer.hpp"
#include "actors/domain/domain_error.hpp"
#include "actors/domain/encoded_event.hpp"
#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/product.hpp"
#include "actors/payment_port.hpp"
#include "common/clock.hpp"
#include "common/expected.hpp"
#include "eventstore/event.hpp"

namespace agora::eventstore {
class event_store;
}

namespace agora::actors {

/// The kinds of aggregate, as they appear in stream ids ("<kind>-<id>").
enum class aggregate_kind : std::uint8_t { product, inventory, cart, order, customer, claim };
const char* to_string(aggregate_kind k) noexcept;

/// Who asks, and on behalf of which request: recorded in the events' metadata.
struct command_context {
  /// The request id (X-Request-Id), recorded as each event's correlation id.
  std::string correlation_id;
  /// The user on whose behalf the command runs, recorded as each event's actor.
  std::string user_id;
  /// Ask for the aggregate's state (JSON) in the answer.
  bool with_state = false;
  /// Run the command only if the aggregate is at this version (HTTP If-Match);
  /// otherwise answer precondition_failed and record nothing.
  std::optional<eventstore::stream_version> expected_version;
  /// The caller minted the aggregate's id just now (a fresh time-ordered
  /// UUID), so it cannot exist yet: activating it skips reading the store.
  /// Should it exist after all, its first append fails (the expected version
  /// is "no stream"), nothing is recorded, and the actor reloads. Applies to
  /// the addressed aggregate only; commands it sends on do not inherit it.
  bool new_aggregate = false;
};

/// A command's successful outcome.
struct command_ack {
  std::string stream;
  /// The aggregate's version after the command.
  eventstore::stream_version version = 0;
  /// Log positions of what the command recorded; 0 when it recorded nothing
  /// (an idempotent repeat). Read models have caught up with the command once
  /// they pass last_position.
  eventstore::log_position first_position = 0;
  eventstore::log_position last_position = 0;
  /// The events the command recorded. For placing an order (and checking out a
  /// cart), everything the order recorded until its saga concluded.
  std::vector<domain::encoded_event> events;
  /// With command_context::with_state: the aggregate's state after the command.
  std::string state_json;
};

enum class command_errc : std::uint8_t {
  /// The domain refused the command; command_error::domain says why.
  rejected = 1,
  /// Too much queued (in the aggregate or the store); retry later (HTTP 503).
  overloaded,
  /// No answer within the timeout. The command may or may not have happened.
  timeout,
  /// The store failed; nothing was acknowledged.
  storage,
  /// The service is stopping.
  unavailable,
  /// command_context::expected_version did not match; command_error::message
  /// names the current version.
  precondition_failed,
};
const char* to_string(command_errc c) noexcept;

struct command_error {
  command_errc code = command_errc::rejected;
  /// Set when code == rejected.
  domain::domain_error domain;
  std::string message;
};

using command_result = agora::expected<command_ack, command_error>;
using command_callback = std::function<void(command_result)>;
using state_callback = std::function<void(agora::expected<std::string, command_error>)>;

/// Counters for /metrics and benchmarks.
struct service_stats {
  std::uint64_t commands = 0;          ///< commands answered
  std::uint64_t activations = 0;       ///< aggregates activated
  std::uint64_t passivations = 0;      ///< aggregates passivated
  std::uint64_t live_aggregates = 0;   ///< gauge
  std::uint64_t retries = 0;           ///< commands re-sent after a passivation race
  std::uint64_t snapshot_loads = 0;    ///< activations that started from a snapshot
  std::uint64_t events_replayed = 0;   ///< events folded during activations
  std::uint64_t fresh_activations = 0; ///< activations of new ids that read nothing (new_aggregate)
};

/// The actor system holding the aggregates.
class command_service {
 public:
  /// Starts the actor system over `store` (which must outlive the service),
  /// then activates every aggregate with a pending wake-up (holds to expire,
  /// sagas to finish) so their timers and sagas resume after a restart.
  [[nodiscard]] static agora::expected<std::unique_ptr<command_service>, std::string> start(
      eventstore::event_store& store, const actor_options& options, const clock& clk,
      std::shared_ptr<payment_port> payments);

  /// Stops every actor and waits (bounded) for the store to answer the appends
  /// in flight. Stop the callers first: commands still being routed when the
  /// service stops may go unanswered.
  ~command_service();
  command_service(const command_service&) = delete;
  command_service& operator=(const command_service&) = delete;

  /// Sends `cmd` to the aggregate `id` of the command's kind; `done` is called
  /// exactly once. Commands to one aggregate take effect one at a time, in
  /// order: each is decided against the state the previous one left (commands
  /// waiting together share one append, and are answered once it is durable).
  void send(std::string id, domain::product::command cmd, command_context ctx, command_callback done);
  void send(std::string id, domain::inventory::command cmd, command_context ctx, command_callback done);
  /// Setting a line first holds the stock at the inventory item (an
  /// insufficient_stock refusal comes back as the cart command's answer);
  /// checking out places the order and answers when its saga concludes.
  void send(std::string id, domain::cart::command cmd, command_context ctx, command_callback done);
  /// Placing an order answers once the order is confirmed or rejected.
  void send(std::string id, domain::order::command cmd, command_context ctx, command_callback done);
  void send(std::string id, domain::customer::command cmd, command_context ctx, command_callback done);
  /// `key` is the claimed key itself, e.g. "sku:ABC-1" or "email:a@b.c".
  void send(std::string key, domain::claim::command cmd, command_context ctx, command_callback done);

  /// Charges a confirmed order through the payment port and records the
  /// outcome (OrderPaid or PaymentDeclined). One payment at a time per order.
  void pay(std::string order_id, std::string method, command_context ctx, command_callback done);

  /// The aggregate's current state as JSON (activating it if needed); a
  /// never-created aggregate answers its initial state.
  void get_state(aggregate_kind kind, std::string id, state_callback done);

  /// Activates `stream`'s aggregate (e.g. after a restart). Unknown kinds are ignored.
  void wake(const std::string& stream);

  service_stats stats() const;
  const actor_options& options() const noexcept;

  class impl;

 private:
  explicit command_service(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::actors
