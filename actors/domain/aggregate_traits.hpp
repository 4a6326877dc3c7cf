#pragma once
// Every aggregate module as one type, for code that is generic over aggregates
// (the actors' kinds in actors/src/kinds.hpp, the domain tests): its types, kind
// name and snapshot schema version, and its decide / evolve / codec functions
// as static members. `domain::order::aggregate` is the order module.
//
// A module is a namespace and a namespace cannot be a template argument, hence
// one macro, used only in this file. (Each module's .cpp defines those
// functions from its per-command and per-event parts with
// detail/aggregate_glue.hpp; this file only names them.)

#include <cstdint>
#include <string>
#include <string_view>

#include "actors/domain/cart.hpp"
#include "actors/domain/claim.hpp"
#include "actors/domain/customer.hpp"
#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/product.hpp"

#define AGORA_DOMAIN_AGGREGATE_TRAITS(ns)                                                             \
  namespace agora::domain::ns {                                                                       \
  /* This module as one type. Names are qualified from the top: a module may */                       \
  /* have a member named like itself (claim::claim). */                                               \
  struct aggregate {                                                                                  \
    using state = ::agora::domain::ns::state;                                                         \
    using command = ::agora::domain::ns::command;                                                     \
    using event = ::agora::domain::ns::event;                                                         \
    /* The stream id prefix: `<name>-<id>`. */                                                        \
    static constexpr std::string_view name = ::agora::domain::ns::kind;                               \
    static constexpr std::uint32_t state_schema = ::agora::domain::ns::state_schema_version;          \
    static decision<event> decide(const state& s, const command& c) {                                 \
      return ::agora::domain::ns::decide(s, c);                                                       \
    }                                                                                                 \
    static void evolve(state& s, const event& e) { ::agora::domain::ns::evolve(s, e); }               \
    static encoded_event encode(const event& e) { return ::agora::domain::ns::encode(e); }            \
    static agora::expected<event, domain_error> decode(std::string_view type, std::uint32_t version,  \
                                                       std::string_view json) {                       \
      return ::agora::domain::ns::decode(type, version, json);                                        \
    }                                                                                                 \
    static std::string_view type_name(const event& e) noexcept {                                      \
      return ::agora::domain::ns::type_name(e);                                                       \
    }                                                                                                 \
    static std::string encode_state(const state& s) { return ::agora::domain::ns::encode_state(s); }  \
    static agora::expected<state, domain_error> decode_state(std::string_view json) {                 \
      return ::agora::domain::ns::decode_state(json);                                                 \
    }                                                                                                 \
  };                                                                                                  \
  }

AGORA_DOMAIN_AGGREGATE_TRAITS(product)
AGORA_DOMAIN_AGGREGATE_TRAITS(customer)
AGORA_DOMAIN_AGGREGATE_TRAITS(claim)
AGORA_DOMAIN_AGGREGATE_TRAITS(inventory)
AGORA_DOMAIN_AGGREGATE_TRAITS(cart)
AGORA_DOMAIN_AGGREGATE_TRAITS(order)

#undef AGORA_DOMAIN_AGGREGATE_TRAITS
