#pragma once
// Private: each aggregate kind as the generic actor sees it: its domain module
// plus what the actor needs (timer, the command the timer sends, requests).

#include <optional>
#include <string>
#include <variant>

#include "actors/command_service.hpp"
#include "actors/domain/cart.hpp"
#include "actors/domain/customer.hpp"
#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/product.hpp"
#include "actors/domain/claim.hpp"

namespace agora::actors::detail {

struct pay_request;

// The domain functions of namespace `ns`, as static members of a kind.
#define AGORA_KIND_FORWARDS(ns, kind_enum)                                                         \
  using state = domain::ns::state;                                                                 \
  using command = domain::ns::command;                                                             \
  using event = domain::ns::event;                                                                 \
  static constexpr aggregate_kind id = aggregate_kind::kind_enum;                                  \
  static constexpr std::string_view name = domain::ns::kind;                                       \
  static constexpr std::uint32_t state_schema = domain::ns::state_schema_version;                  \
  static domain::decision<event> decide(const state& s, const command& c) {                        \
    return domain::ns::decide(s, c);                                                               \
  }                                                                                                \
  static void evolve(state& s, const event& e) { domain::ns::evolve(s, e); }                       \
  static domain::encoded_event encode(const event& e) { return domain::ns::encode(e); }            \
  static agora::expected<event, domain::domain_error> decode(std::string_view type,                \
                                                             std::uint32_t v,                      \
                                                             std::string_view json) {              \
    return domain::ns::decode(type, v, json);                                                      \
  }                                                                                                \
  static std::string encode_state(const state& s) { return domain::ns::encode_state(s); }          \
  static agora::expected<state, domain::domain_error> decode_state(std::string_view json) {        \
    return domain::ns::decode_state(json);                                                         \
  }

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

struct product_kind : no_timer {
  AGORA_KIND_FORWARDS(product, product)
  using request = std::variant<command>;
  static std::optional<command> tick_command(const state&, timestamp_us) { return std::nullopt; }
};

struct customer_kind : no_timer {
  AGORA_KIND_FORWARDS(customer, customer)
  using request = std::variant<command>;
  static std::optional<command> tick_command(const state&, timestamp_us) { return std::nullopt; }
};

struct claim_kind : no_timer {
  AGORA_KIND_FORWARDS(claim, claim)
  using request = std::variant<command>;
  static std::optional<command> tick_command(const state&, timestamp_us) { return std::nullopt; }
};

struct inventory_kind {
  AGORA_KIND_FORWARDS(inventory, inventory)
  using request = std::variant<command>;
  /// Holds expire by themselves: the earliest one is the timer.
  static std::optional<timestamp_us> timer(const state& s) { return s.next_hold_expiry(); }
  static std::optional<command> tick_command(const state&, timestamp_us now) {
    return command{domain::inventory::expire_holds{now}};
  }
};

struct cart_kind {
  AGORA_KIND_FORWARDS(cart, cart)
  using request = std::variant<command>;
  static std::optional<timestamp_us> timer(const state& s) {
    if (s.exists && s.current == domain::cart::status::open && !s.lines.empty()) return s.expires_at;
    return std::nullopt;
  }
  static std::optional<command> tick_command(const state&, timestamp_us now) {
    return command{domain::cart::expire{now}};
  }
};

struct order_kind {
  AGORA_KIND_FORWARDS(order, order)
  using request = std::variant<command, pay_request>;
  /// A confirmed order's payment deadline is the timer.
  static std::optional<timestamp_us> timer(const state& s) { return s.pending_payment_deadline(); }
  static std::optional<command> tick_command(const state&, timestamp_us now) {
    return command{domain::order::expire_payment{now}};
  }
};

#undef AGORA_KIND_FORWARDS

}  // namespace agora::actors::detail
