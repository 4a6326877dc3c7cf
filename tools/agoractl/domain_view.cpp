#include "tools/agoractl/domain_view.hpp"

#include <tuple>

#include "actors/domain/aggregate_traits.hpp"
#include "actors/domain/notification.hpp"
#include "actors/domain/redaction.hpp"

namespace agora::agoractl {

namespace {

namespace d = agora::domain;
using aggregates = std::tuple<d::product::aggregate, d::customer::aggregate, d::claim::aggregate,
                              d::inventory::aggregate, d::cart::aggregate, d::order::aggregate>;

// Calls f.template operator()<A>() for the aggregate A whose kind is `kind`;
// answers false when no aggregate has that kind.
template <class F, std::size_t I = 0>
bool with_aggregate(std::string_view kind, F&& f) {
  if constexpr (I == std::tuple_size_v<aggregates>) {
    return false;
  } else {
    using A = std::tuple_element_t<I, aggregates>;
    if (kind == A::name) {
      f(static_cast<A*>(nullptr));
      return true;
    }
    return with_aggregate<F, I + 1>(kind, std::forward<F>(f));
  }
}

std::string unknown_kind(std::string_view stream) {
  return "stream '" + std::string(stream) + "' is of no known kind (" + std::string(d::stream_kind(stream)) + ")";
}

// Folds `events` into `s` with A's decode and evolve; the error names the
// version that does not decode.
template <class A>
std::string fold_into(typename A::state& s, const std::vector<eventstore::recorded_event>& events) {
  for (const auto& e : events) {
    auto ev = A::decode(e.type, e.schema_version, e.data);
    if (!ev) return "version " + std::to_string(e.version) + " (" + e.type + ") does not decode: " + ev.error().message;
    A::evolve(s, *ev);
  }
  return {};
}

}  // namespace

bool is_event_only(std::string_view stream) { return d::stream_kind(stream) == d::notification::kind; }

expected<void, std::string> check_decodes(std::string_view stream, std::string_view type,
                                          std::uint32_t schema_version, std::string_view data) {
  if (is_event_only(stream)) {
    if (type != d::notification::broadcast_type) return unexpected{"unknown notification event type " + std::string(type)};
    auto b = d::notification::decode(data);
    if (!b) return unexpected{std::string(type) + " does not decode: " + b.error()};
    return {};
  }
  std::string error;
  const bool known = with_aggregate(d::stream_kind(stream), [&](auto* tag) {
    using A = std::remove_pointer_t<decltype(tag)>;
    auto e = A::decode(type, schema_version, data);
    if (!e) error = std::string(type) + " does not decode: " + e.error().message;
  });
  if (!known) return unexpected{unknown_kind(stream)};
  if (!error.empty()) return unexpected{std::move(error)};
  return {};
}

expected<eventstore::snapshot, std::string> fold_snapshot(std::string_view stream,
                                                          const std::vector<eventstore::recorded_event>& events) {
  std::string error;
  eventstore::snapshot out;
  const bool known = with_aggregate(d::stream_kind(stream), [&](auto* tag) {
    using A = std::remove_pointer_t<decltype(tag)>;
    typename A::state s{};
    error = fold_into<A>(s, events);
    if (!error.empty()) return;
    out.version = events.empty() ? 0 : events.back().version;
    out.schema_version = A::state_schema;
    out.state = A::encode_state(s);
  });
  if (!known) return unexpected{unknown_kind(stream)};
  if (!error.empty()) return unexpected{std::move(error)};
  return out;
}

expected<std::string, std::string> fold_state(std::string_view stream,
                                              const std::vector<eventstore::recorded_event>& events) {
  auto snap = fold_snapshot(stream, events);
  if (!snap) return unexpected{std::move(snap).error()};
  return std::move(snap->state);
}

expected<snapshot_check, std::string> check_snapshot(std::string_view stream, const eventstore::snapshot& snap,
                                                     const std::vector<eventstore::recorded_event>& events) {
  std::string error;
  snapshot_check result = snapshot_check::matches;
  const bool known = with_aggregate(d::stream_kind(stream), [&](auto* tag) {
    using A = std::remove_pointer_t<decltype(tag)>;
    // The actors' own rule (aggregate_actor): another schema is ignored.
    if (snap.schema_version != A::state_schema) {
      result = snapshot_check::other_schema;
      return;
    }
    auto stored = A::decode_state(snap.state);
    if (!stored) {
      error = "snapshot at version " + std::to_string(snap.version) + " does not decode: " + stored.error().message;
      return;
    }
    typename A::state folded{};
    error = fold_into<A>(folded, events);
    if (!error.empty()) return;
    // Compared in one encoding, so that formatting cannot differ.
    if (A::encode_state(*stored) != A::encode_state(folded)) {
      error = "snapshot at version " + std::to_string(snap.version) + " differs from the fold of its events";
    }
  });
  if (!known) return unexpected{unknown_kind(stream)};
  if (!error.empty()) return unexpected{std::move(error)};
  return result;
}

}  // namespace agora::agoractl
