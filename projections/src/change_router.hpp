#pragma once
// Internal to agora_projections: change routing. For each applied event, which
// cache tags it makes stale and which fan-out channels it goes to
// (change_tags.hpp spells both); and the change_batch that gathers them
// between two publications.
//
// Pure: no store, no thread. What routing needs of the read models (whose
// order is this, which product has this SKU, is the item low) it asks through
// routing_lookup, so tests answer with a table.

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "eventstore/event.hpp"
#include "projections/change_notice.hpp"
#include "projections/src/model.hpp"

namespace agora::projections::detail {

/// What routing asks the read models. The runner answers from its live models.
class routing_lookup {
 public:
  virtual ~routing_lookup() = default;
  /// The id of the product with `sku`, or null.
  virtual const std::string* product_id_for_sku(const std::string& sku) const = 0;
  /// Whether `sku`'s item is low on stock; nullopt when there is no item.
  virtual std::optional<bool> is_low(const std::string& sku) const = 0;
  /// The customer of order `order_id`, or null when the order is unknown.
  virtual const std::string* customer_of(const std::string& order_id) const = 0;
};

/// One routed event: its notice (with its channels, and its data where the
/// data may travel) and the tags it makes stale.
struct routed_event {
  event_notice notice;
  std::vector<std::string> tags;
};

/// Routes events. Keeps one piece of state of its own: the owner of each open
/// cart (the cart model does not exist, and cart events after the first do not
/// name their customer).
class change_router {
 public:
  /// What routing needs from the models as they were before the event.
  struct before_event {
    /// Inventory events: whether the item was low.
    std::optional<bool> was_low;
  };

  /// Reads what route() needs from before `e` is applied to the models.
  static before_event observe(const decoded_event& e, const routing_lookup& models);

  /// Routes `e`, which the models have now applied; `before` is observe()'s
  /// answer for it. Customer events carry no data (they hold the password
  /// hash); claim events and unknown streams go nowhere.
  routed_event route(const decoded_event& e, const before_event& before, const routing_lookup& models);

  /// The notice of an event that could not be decoded: no data, no channels.
  static event_notice undecodable(const eventstore::event_view& v);

  /// Carts whose owner is known (open carts seen since the router started).
  std::size_t open_carts() const noexcept { return cart_owner_.size(); }
  /// The owner of open cart `cart_id`, or null.
  const std::string* owner_of(const std::string& cart_id) const {
    auto it = cart_owner_.find(cart_id);
    return it == cart_owner_.end() ? nullptr : &it->second;
  }
  /// Remembers an open cart's owner (read back from disk at start).
  void restore_owner(std::string cart_id, std::string owner) { cart_owner_[std::move(cart_id)] = std::move(owner); }

 private:
  std::unordered_map<std::string, std::string> cart_owner_;
};

/// Gathers routed events into the next change_batch. Past `max_notices`
/// notices the batch is truncated: it will carry only the tag "all" and no
/// events, so listeners resynchronize instead of the runner holding an
/// unbounded batch.
class change_collector {
 public:
  explicit change_collector(std::size_t max_notices) noexcept : max_(max_notices) {}

  /// Adds one event's notice and tags.
  void add(routed_event r);
  /// Adds a notice without tags (an undecodable event).
  void add(event_notice n);
  /// Whether a batch is due even without listeners asking: something was
  /// gathered, or the batch was truncated.
  bool empty() const noexcept { return notices_.empty() && tags_.empty() && !truncated_; }
  /// The batch gathered so far, at `position`; starts the next one.
  change_batch take(eventstore::log_position position);

 private:
  /// False (and the batch truncated) once max_ notices are held.
  bool room();

  std::size_t max_;
  std::set<std::string> tags_;
  std::vector<event_notice> notices_;
  bool truncated_ = false;
};

}  // namespace agora::projections::detail
