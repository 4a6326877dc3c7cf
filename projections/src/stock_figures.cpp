#include "projections/src/stock_figures.hpp"

#include <type_traits>
#include <variant>

namespace agora::projections::detail {

void stock_figures::apply(const domain::inventory::event& e) {
  namespace inv = domain::inventory;
  // Settled orders forgotten: no quantity moves, and the figures did not change.
  if (std::holds_alternative<inv::reservations_forgotten>(e)) return;
  const std::string* cart = inv::hold_cart_of(e);
  auto hold = cart != nullptr ? holds.find(*cart) : holds.end();
  inv::fold_figures(*this, e, hold != holds.end() ? hold->second : 0);
  std::visit(
      [&](const auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, inv::item_registered>) {
          registered = true;
          created_at = ev.at;
        } else if constexpr (std::is_same_v<T, inv::stock_held>) {
          holds[ev.cart_id] = ev.quantity;
        } else if constexpr (std::is_same_v<T, inv::hold_released> || std::is_same_v<T, inv::hold_expired>) {
          if (hold != holds.end()) holds.erase(hold);
        }
        updated_at = ev.at;
      },
      e);
}

}  // namespace agora::projections::detail
