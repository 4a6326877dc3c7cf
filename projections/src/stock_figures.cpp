#include "projections/src/stock_figures.hpp"

#include <type_traits>
#include <variant>

namespace agora::projections::detail {

void stock_figures::apply(const domain::inventory::event& e) {
  namespace inv = domain::inventory;
  std::visit(
      [this](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, inv::item_registered>) {
          registered = true;
          on_hand = ev.on_hand;
          low_stock_threshold = ev.low_stock_threshold;
          created_at = ev.at;
        } else if constexpr (std::is_same_v<T, inv::stock_received>) {
          on_hand += ev.quantity;
        } else if constexpr (std::is_same_v<T, inv::stock_adjusted>) {
          on_hand += ev.delta;
        } else if constexpr (std::is_same_v<T, inv::low_stock_threshold_set>) {
          low_stock_threshold = ev.threshold;
        } else if constexpr (std::is_same_v<T, inv::stock_reserved>) {
          reserved += ev.quantity;
        } else if constexpr (std::is_same_v<T, inv::stock_held>) {
          auto& h = holds[ev.cart_id];
          held += ev.quantity - h;
          h = ev.quantity;
        } else if constexpr (std::is_same_v<T, inv::hold_released> || std::is_same_v<T, inv::hold_expired>) {
          if (auto it = holds.find(ev.cart_id); it != holds.end()) {
            held -= it->second;
            holds.erase(it);
          }
        } else if constexpr (std::is_same_v<T, inv::reservation_released>) {
          // The reserved quantity when a reservation is given up; 0 for the
          // tombstone of an order never reserved for.
          reserved -= ev.quantity;
        } else if constexpr (std::is_same_v<T, inv::reservation_committed>) {
          reserved -= ev.quantity;
          on_hand -= ev.quantity;
        } else if constexpr (std::is_same_v<T, inv::stock_restored>) {
          on_hand += ev.quantity;
        } else if constexpr (std::is_same_v<T, inv::reservations_forgotten>) {
          // Settled orders only: no quantity moves, and the figures did not change.
          return;
        } else {
          static_assert(std::is_same_v<T, inv::low_stock_reached> || std::is_same_v<T, inv::back_in_stock>,
                        "a new inventory event: say what it does to the figures");
        }
        updated_at = ev.at;
      },
      e);
}

}  // namespace agora::projections::detail
