#pragma once
// Shared helpers for the domain tests: each aggregate's traits type
// (aggregate_traits.hpp), folding, and a table-driven decide runner.
// Events are compared through their encoded form: the codecs are complete (the
// round-trip tests check that), and a mismatch then prints readable JSON.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "actors/domain/aggregate_traits.hpp"

namespace agora::domain::testing {

inline constexpr timestamp_us t0 = 1'700'000'000'000'000;
inline constexpr timestamp_us sec = 1'000'000;

using inventory_agg = inventory::aggregate;
using order_agg = order::aggregate;
using cart_agg = cart::aggregate;
using product_agg = product::aggregate;
using claim_agg = claim::aggregate;
using customer_agg = customer::aggregate;

/// "Type {json}" per event, for readable comparisons.
template <class A>
std::vector<std::string> show(const std::vector<typename A::event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    auto enc = A::encode(e);
    out.push_back(enc.type + " " + enc.data);
  }
  return out;
}

template <class A>
typename A::state fold(const std::vector<typename A::event>& events) {
  typename A::state s;
  for (const auto& e : events) A::evolve(s, e);
  return s;
}

/// One row of a decide table: given events, a command, and either the expected
/// events or the expected error code (and field, when not empty).
template <class A>
struct decide_case {
  std::string name;
  std::vector<typename A::event> given;
  typename A::command cmd;
  std::vector<typename A::event> expect;
  std::optional<domain_errc> errc;
  std::string field;
  std::string message_contains;
};

template <class A>
decide_case<A> accepts(std::string name, std::vector<typename A::event> given,
                       typename A::command cmd, std::vector<typename A::event> expect) {
  return decide_case<A>{std::move(name), std::move(given), std::move(cmd), std::move(expect),
                        std::nullopt, {}, {}};
}

template <class A>
decide_case<A> rejects(std::string name, std::vector<typename A::event> given,
                       typename A::command cmd, domain_errc errc, std::string field = {},
                       std::string message_contains = {}) {
  return decide_case<A>{std::move(name), std::move(given), std::move(cmd), {}, errc,
                        std::move(field), std::move(message_contains)};
}

/// Runs every row; `check` (optional) is called with the state after evolving
/// an accepted decision.
template <class A, class Check>
void run_cases(const std::vector<decide_case<A>>& cases, Check&& check) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto s = fold<A>(c.given);
    const std::string before = A::encode_state(s);
    auto d = A::decide(s, c.cmd);
    EXPECT_EQ(A::encode_state(s), before) << "decide must not change the state";
    if (c.errc) {
      ASSERT_FALSE(d.has_value()) << "expected an error, got events: "
                                  << ::testing::PrintToString(show<A>(d.value()));
      EXPECT_EQ(to_string(d.error().code), std::string(to_string(*c.errc))) << d.error().message;
      EXPECT_FALSE(d.error().message.empty());
      if (!c.field.empty()) {
        EXPECT_EQ(d.error().field, c.field) << d.error().message;
      }
      if (!c.message_contains.empty()) {
        EXPECT_NE(d.error().message.find(c.message_contains), std::string::npos) << d.error().message;
      }
      continue;
    }
    ASSERT_TRUE(d.has_value()) << to_string(d.error().code) << ": " << d.error().message
                               << " [field " << d.error().field << "]";
    EXPECT_EQ(show<A>(d.value()), show<A>(c.expect));
    for (const auto& e : d.value()) A::evolve(s, e);
    check(s);
  }
}

template <class A>
void run_cases(const std::vector<decide_case<A>>& cases) {
  run_cases(cases, [](const typename A::state&) {});
}

/// encode -> decode -> encode is the identity, for each event.
template <class A>
void expect_event_round_trip(const std::vector<typename A::event>& events) {
  for (const auto& e : events) {
    const auto enc = A::encode(e);
    SCOPED_TRACE(enc.type);
    EXPECT_EQ(enc.schema_version, 1u);
    auto back = A::decode(enc.type, enc.schema_version, enc.data);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back.value().index(), e.index());
    const auto again = A::encode(back.value());
    EXPECT_EQ(again.type, enc.type);
    EXPECT_EQ(again.data, enc.data);
  }
}

/// encode_state -> decode_state -> encode_state is the identity.
template <class A>
void expect_state_round_trip(const typename A::state& s) {
  const auto json = A::encode_state(s);
  auto back = A::decode_state(json);
  ASSERT_TRUE(back.has_value()) << back.error().message << "\n" << json;
  EXPECT_EQ(A::encode_state(back.value()), json);
}

}  // namespace agora::domain::testing
