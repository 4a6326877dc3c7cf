#pragma once
// Options of the actor layer (aggregate actors, registries, the order saga).

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "common/expected.hpp"
#include "common/option_error.hpp"

namespace agora {
class config;
}

namespace agora::actors {

struct actor_options {
  /// CAF scheduler worker threads. Small on purpose: they share the machine
  /// with the store's threads, RocksDB's and the HTTP io threads.
  int scheduler_threads = 2;
  /// How many times an idle CAF worker polls its queue, sleeping 50 us between
  /// polls, before it waits on its condition variable. CAF's default (500)
  /// suits a machine with cores to spare; here each sleep is a context switch
  /// taken from the store and HTTP threads (measured: 0 gives about 10% more
  /// orders/s on 2 cores, bench/RESULTS.md). The trade: work sent from outside
  /// CAF (io threads, store callbacks) wakes a waiting worker at once, but a
  /// message between actors goes on the sending worker's own queue, which a
  /// waiting worker steals from only when its wait times out (CAF's 10 ms
  /// relaxed sleep); so actor-to-actor work spreads less over the workers.
  /// Order latency measured no worse (p99 at 16 connections, alternating).
  std::int64_t scheduler_sleep_polls = 0;
  /// Threads that read the store for activations (so CAF workers never wait
  /// on disk).
  int io_threads = 1;
  /// Jobs waiting for an io thread at most; beyond it activations fail fast.
  /// At least 1.
  std::size_t io_queue_limit = 100000;
  /// An aggregate with no command for this long is passivated (its actor
  /// stops; the next command activates it again from snapshot + events).
  std::chrono::milliseconds idle_timeout{120'000};
  /// Live aggregates of one kind at most (split evenly over its registry
  /// shards). Beyond it the least recently used ones are passivated, idle or
  /// not: memory stays bounded however fast new aggregates (orders) come.
  /// At least registry_shards (each shard keeps a share of at least one).
  std::size_t max_resident = 100000;
  /// How often registries look for idle aggregates (at least 10 ms).
  std::chrono::milliseconds passivation_sweep{10'000};
  /// A snapshot is written after this many events since the last one.
  std::uint32_t snapshot_every = 100;
  /// Commands waiting inside one aggregate at most (beyond it: overloaded).
  std::size_t max_queued_commands = 1000;
  /// How long a caller waits for a command's answer.
  std::chrono::milliseconds command_timeout{10'000};
  /// How long the order saga waits for one inventory answer before it counts
  /// the line as failed (and compensates, in case the reservation happened).
  std::chrono::milliseconds saga_step_timeout{5'000};
  /// Cart holds last this long after the cart's last change.
  std::chrono::milliseconds cart_hold_ttl = std::chrono::minutes(15);
  /// Registries per aggregate kind (ids are spread over them by hash).
  int registry_shards = 2;
  /// An inventory item remembers an order whose reservation has settled
  /// (committed, released, restored) this long, to recognise late repeats
  /// (they come within command timeouts); then it forgets it, so the item's
  /// state does not grow with every order ever placed. 0: remember forever.
  std::chrono::milliseconds reservation_retention = std::chrono::hours(1);

  // ---- anti-hoarding limits (docs/OPERATIONS.md, "Stock hoarding") ----------
  /// Units of one SKU one customer may have held by its carts plus reserved by
  /// its orders not yet shipped, cancelled or rejected (actors.
  /// max_units_held_per_customer). Checked by the inventory item itself, so
  /// concurrent carts and orders cannot get past it. 0: no limit.
  std::int64_t max_units_held_per_customer = 20;
  /// Open carts one customer may have at once (actors.max_open_carts_per_customer).
  /// Each open cart claims one of the customer's slots
  /// (`claim-cart-slot:<customer>:<n>`, n < this), so concurrent creates
  /// cannot exceed it; a cart gives its slot back when checked out or
  /// expired. 0: no limit.
  std::int64_t max_open_carts_per_customer = 5;
  /// A confirmed order not paid within this is cancelled (reason
  /// "payment_deadline") and its stock released (orders.payment_deadline).
  /// 0: orders wait for payment for ever.
  std::chrono::milliseconds payment_deadline = std::chrono::minutes(30);

  /// Reads actors.* keys (and orders.payment_deadline) and checks them
  /// (validate()); a value out of range is refused, naming its key.
  static expected<actor_options, option_error> from_config(config& cfg);
  /// Checks the ranges command_service::start needs; the message names the
  /// key ("actors.max_resident out of range: must be >= 1"). start() runs it
  /// too, for options built by hand.
  [[nodiscard]] expected<void, option_error> validate() const;
};

}  // namespace agora::actors
