#pragma once
// Private: each aggregate kind as the generic actor sees it: its domain module
// (domain::<module>::aggregate, actors/domain/aggregate_traits.hpp) plus what
// the actor needs (its id, timer, the command the timer sends, requests).

#include <optional>
#include <string>
#include <variant>

#include "actors/command_service.hpp"
#include "actors/domain/aggregate_traits.hpp"

namespace agora::actors::detail {

struct pay_request;

/// Stream id of aggregate `id` of kind `name`: "<kind>-<id>".
inline std::string stream_id(std::string_view name, const std::string& id) {
  std::string s;
  s.reserve(name.size() + 1 + id.size());
  s.append(name).push_back('-');
  s.append(id);
  return s;
}

/// Defaults: no timer.
struct no_timer {
  template <class S>
  static std::optional<timestamp_us> timer(const S&) {
    return std::nullopt;
  }
};

struct product_kind : domain::product::aggregate, no_timer {
  static constexpr aggregate_kind id = aggregate_kind::product;
  using request = std::variant<command>;
  static std::optional<command> tick_command(const state&, timestamp_us) { return std::nullopt; }
};

struct customer_kind : domain::customer::aggregate, no_timer {
  static constexpr aggregate_kind id = aggregate_kind::customer;
  using request = std::variant<command>;
  static std::optional<command> tick_command(const state&, timestamp_us) { return std::nullopt; }
};

struct claim_kind : domain::claim::aggregate, no_timer {
  static constexpr aggregate_kind id = aggregate_kind::claim;
  using request = std::variant<command>;
  static std::optional<command> tick_command(const state&, timestamp_us) { return std::nullopt; }
};

struct inventory_kind : domain::inventory::aggregate {
  static constexpr aggregate_kind id = aggregate_kind::inventory;
  using request = std::variant<command>;
  /// Holds expire by themselves: the earliest one is the timer.
  static std::optional<timestamp_us> timer(const state& s) { return s.next_hold_expiry(); }
  static std::optional<command> tick_command(const state&, timestamp_us now) {
    return command{domain::inventory::expire_holds{now}};
  }
};

struct cart_kind : domain::cart::aggregate {
  static constexpr aggregate_kind id = aggregate_kind::cart;
  using request = std::variant<command>;
  static std::optional<timestamp_us> timer(const state& s) {
    if (s.exists && s.current == domain::cart::status::open && !s.lines.empty()) return s.expires_at;
    return std::nullopt;
  }
  static std::optional<command> tick_command(const state&, timestamp_us now) {
    return command{domain::cart::expire{now}};
  }
};

struct order_kind : domain::order::aggregate {
  static constexpr aggregate_kind id = aggregate_kind::order;
  using request = std::variant<command, pay_request>;
  /// A confirmed order's payment deadline is the timer.
  static std::optional<timestamp_us> timer(const state& s) { return s.pending_payment_deadline(); }
  static std::optional<command> tick_command(const state&, timestamp_us now) {
    return command{domain::order::expire_payment{now}};
  }
};

}  // namespace agora::actors::detail
