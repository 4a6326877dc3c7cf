#pragma once
// Internal to agora_projections: an inventory item's figures as read models
// need them (on hand, reserved, held, threshold), folded from its events.
//
// Not domain::inventory::state: that one remembers every order an item ever
// reserved for (the aggregate needs it to reserve at most once per order),
// so folding it here kept a map of all orders per SKU in each read model and
// made every reservation a search in it. The events carry the quantities the
// aggregate decided (a release or commit names the reserved quantity), so the
// totals follow from them alone; only live cart holds are remembered, because
// a new hold of a cart replaces its previous one.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "actors/domain/inventory_item.hpp"
#include "common/clock.hpp"

namespace agora::projections::detail {

struct stock_figures {
  bool registered = false;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t held = 0;
  std::int64_t low_stock_threshold = 0;
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;
  std::unordered_map<std::string, std::int64_t> holds;  // cart id -> held quantity

  /// on_hand - reserved - held, as domain::inventory::state::available().
  std::int64_t available() const noexcept { return on_hand - reserved - held; }

  /// Folds one event; the figures match domain::inventory::evolve's.
  void apply(const domain::inventory::event& e);
};

}  // namespace agora::projections::detail
