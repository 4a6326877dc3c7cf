#pragma once
// Internal to agora_projections: an inventory item's figures as read models
// need them (on hand, reserved, held, threshold), folded from its events.
//
// Not domain::inventory::state: that one remembers every order an item ever
// reserved for (the aggregate needs it to reserve at most once per order),
// so folding it here kept a map of all orders per SKU in each read model and
// made every reservation a search in it. The figures follow from the events
// alone (domain::inventory::fold_figures, the aggregate's own arithmetic);
// only live cart holds are remembered, because a new hold of a cart replaces
// its previous one.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "actors/domain/inventory.hpp"
#include "common/clock.hpp"

namespace agora::projections::detail {

/// The figures (on_hand, reserved, held, low_stock_threshold, available())
/// plus what a read model shows beside them.
struct stock_figures : domain::inventory::figures {
  bool registered = false;
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;
  std::unordered_map<std::string, std::int64_t> holds;  // cart id -> held quantity

  /// Folds one event; the figures match domain::inventory::evolve's.
  void apply(const domain::inventory::event& e);
};

}  // namespace agora::projections::detail
