#pragma once
// Cart: a customer's basket before checkout. Stream `cart-<cart_id>`.
//
//   (none) --create--> open --checkout--> checked_out   (terminal)
//                      open --expire (now >= expires_at)--> expired (terminal)
//
// Every line change refreshes expires_at: the actor computes it from the hold TTL
// in config and passes it in, because the domain reads no clock. The actor keeps
// inventory holds in step with the lines (hold_for_cart per changed line) and
// releases them when the cart expires or is cleared; checkout hands the lines to
// the new order, whose reservations convert the holds.
//
// An empty cart lapses too: create carries an expiry (the actor sets it to now +
// the hold TTL), so a cart nobody touches closes by itself and cannot occupy one
// of its customer's open-cart slots for ever. The slot (the actor's per-customer
// limit of open carts, kept in uniqueness claims `cart-slot:<customer>:<n>`) is
// recorded in CartCreated so the actor can give it back when the cart closes.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain/domain_error.hpp"
#include "actors/domain/encoded_event.hpp"
#include "actors/domain/money.hpp"
#include "common/clock.hpp"

namespace agora::domain::cart {

/// Stream ids are `cart-<cart_id>`.
inline constexpr std::string_view kind = "cart";
inline constexpr std::uint32_t state_schema_version = 1;
inline constexpr std::size_t max_lines = 100;
inline constexpr std::int64_t max_line_quantity = 999;
inline constexpr std::int64_t max_unit_price = 1'000'000'000'000;

enum class status { open, checked_out, expired };
/// "open", "checked_out", "expired".
const char* to_string(status s) noexcept;

/// One cart line as handed to checkout.
struct cart_line {
  std::string sku;
  std::int64_t quantity = 0;
  money unit_price;
};

// ---- commands ---------------------------------------------------------------

/// Creates the cart for `customer_id` (fixed for the cart's life). expires_at
/// (> now, or 0 for none) is when the cart lapses unless a line change moves it;
/// slot is the open-cart slot the actor claimed for it (nullopt: none).
struct create {
  std::string cart_id;
  std::string customer_id;
  timestamp_us now = 0;
  timestamp_us expires_at = 0;
  std::optional<std::int64_t> slot{};
};
/// Sets the quantity of `sku` (0 removes the line); refreshes expires_at.
struct set_line_quantity {
  std::string sku;
  std::int64_t quantity = 0;
  money unit_price;
  timestamp_us expires_at = 0;
  timestamp_us now = 0;
};
/// Removes every line.
struct clear {
  timestamp_us now = 0;
};
/// Turns the cart into order `order_id`. Errors: empty_cart, illegal_transition
/// (not open), expired (now >= expires_at).
struct checkout {
  std::string order_id;
  timestamp_us now = 0;
};
/// Expires the cart if it is open and now >= expires_at (else records nothing).
struct expire {
  timestamp_us now = 0;
};

using command = std::variant<create, set_line_quantity, clear, checkout, expire>;

// ---- events -----------------------------------------------------------------

/// "CartCreated" (expires_at 0 and no slot in events recorded before they existed)
struct cart_created {
  std::string cart_id;
  std::string customer_id;
  timestamp_us at = 0;
  timestamp_us expires_at = 0;
  std::optional<std::int64_t> slot{};
};
/// "LineQuantitySet"
struct line_quantity_set {
  std::string sku;
  std::int64_t quantity = 0;
  money unit_price;
  timestamp_us expires_at = 0;
  timestamp_us at = 0;
};
/// "LineRemoved"
struct line_removed {
  std::string sku;
  timestamp_us expires_at = 0;
  timestamp_us at = 0;
};
/// "CartCleared"
struct cart_cleared {
  timestamp_us at = 0;
};
/// "CartCheckedOut": the lines as they were at checkout.
struct cart_checked_out {
  std::string order_id;
  std::vector<cart_line> lines;
  timestamp_us at = 0;
};
/// "CartExpired"
struct cart_expired {
  timestamp_us at = 0;
};

using event = std::variant<cart_created, line_quantity_set, line_removed, cart_cleared,
                           cart_checked_out, cart_expired>;

// ---- state ------------------------------------------------------------------

/// A line in the cart.
struct line {
  std::int64_t quantity = 0;
  money unit_price;
};

struct state {
  bool exists = false;
  std::string cart_id;
  std::string customer_id;
  status current = status::open;
  std::map<std::string, line> lines;  ///< by sku
  /// When the cart (and its holds) lapse; set at creation (nullopt for carts
  /// created before that, until their first line is set).
  std::optional<timestamp_us> expires_at;
  /// The open-cart slot this cart occupies while open (nullopt: none).
  std::optional<std::int64_t> slot{};
  std::optional<std::string> order_id;  ///< after checkout
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;

  /// True when open, with a deadline, and now >= expires_at.
  bool is_expired_at(timestamp_us now) const noexcept;
  /// True when the cart is open and its deadline has not passed at `now`.
  bool is_open_at(timestamp_us now) const noexcept;
  /// The lines as a list (sorted by sku), e.g. for checkout.
  std::vector<cart_line> line_list() const;
};

/// Decides what `cmd` records given `s`. Pure.
decision<event> decide(const state& s, const command& cmd);
/// Folds one event into `s`.
void evolve(state& s, const event& e);

/// The stored form of `e` (schema version 1).
encoded_event encode(const event& e);
/// Reads a stored event (errors: malformed).
agora::expected<event, domain_error> decode(std::string_view type, std::uint32_t schema_version,
                                            std::string_view json);
/// The stored type name of `e` ("CartCreated").
std::string_view type_name(const event& e) noexcept;

/// A snapshot of `s` as JSON.
std::string encode_state(const state& s);
/// Reads a snapshot written by encode_state.
agora::expected<state, domain_error> decode_state(std::string_view json);

}  // namespace agora::domain::cart
