#pragma once
// Change notices: what each applied batch changed, for the HTTP cache (tags)
// and the realtime fan-out (per-event channels).

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "eventstore/event.hpp"
#include "projections/change_tags.hpp"
#include "projections/dry_run.hpp"

namespace agora::projections {

/// An inventory event that moved its item across its low-stock threshold
/// (available <= low_stock_threshold), for the admins' alerts.
enum class stock_transition : std::uint8_t {
  none,
  /// The item was not low before the event and is now.
  became_low,
  /// The item was low before the event and is not now.
  recovered,
};

/// One applied event and where the fan-out sends it.
struct event_notice {
  std::string stream;
  std::string type;
  eventstore::log_position position = 0;
  eventstore::stream_version version = 0;
  timestamp_us timestamp = 0;
  /// The event's JSON data, except for customer and claim streams where it is
  /// empty: customer events carry the password hash.
  std::string data;
  /// Who is told (the names are in change_tags.hpp, namespace channels):
  /// the customer's own user channel, admin, a product's channel, broadcast.
  /// Empty: nobody is told.
  std::vector<std::string> channels;
  /// Inventory events: whether the event moved the item across its low-stock
  /// threshold; none for every other event.
  stock_transition stock = stock_transition::none;
};

/// What one published batch changed.
///
/// Tags (sorted, distinct), for cache invalidation; change_tags.hpp spells
/// them (namespace tags): a product, an SKU, an order, a customer's order list,
/// an account, the catalog, the low-stock list, all orders, the dashboard, and
/// "all" (everything: a read model was rebuilt and swapped in).
struct change_batch {
  /// Every event up to here is applied and visible in the snapshots.
  eventstore::log_position position = 0;
  std::vector<std::string> tags;
  /// The applied events, in log order (empty for a rebuild swap).
  std::vector<event_notice> events;
  /// Rebuilds and dry runs that moved since the last batch (at most one
  /// entry per model and kind, a few times a second), and those that ended.
  /// A batch that carries only progress has no tags and no events, at a
  /// position already delivered: what readers see has not changed.
  std::vector<rebuild_progress> progress;
};

}  // namespace agora::projections
