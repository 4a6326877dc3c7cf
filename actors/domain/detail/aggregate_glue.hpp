#pragma once
// Private: the part of every aggregate's .cpp that is the same word for word.
// Each aggregate defines, in its own anonymous namespace, `decide_cmd(state,
// C)` for each command C, `evolve_one(state, E)`, `name_of(E)` and
// `write(json_writer&, E)` for each event E, and
// `decode_v1(type, detail::reader&)`; this macro then defines the public
// decide / evolve / type_name / encode / decode of the aggregate's header from
// them. A macro rather than a template because those names live in each
// file's anonymous namespace, where only the expansion site can see them.
// (This defines a module's functions; aggregate_traits.hpp shows each module
// to generic code as one type.)

#include "actors/domain/detail/json_codec.hpp"
#include "common/json_writer.hpp"

#define AGORA_DOMAIN_AGGREGATE_GLUE()                                                               \
  decision<event> decide(const state& s, const command& cmd) {                                      \
    return std::visit([&](const auto& c) { return decide_cmd(s, c); }, cmd);                         \
  }                                                                                                 \
                                                                                                    \
  void evolve(state& s, const event& e) {                                                           \
    std::visit(                                                                                     \
        [&](const auto& ev) {                                                                       \
          evolve_one(s, ev);                                                                        \
          s.updated_at = ev.at;                                                                     \
        },                                                                                          \
        e);                                                                                         \
  }                                                                                                 \
                                                                                                    \
  std::string_view type_name(const event& e) noexcept {                                             \
    return std::visit([](const auto& ev) { return name_of(ev); }, e);                               \
  }                                                                                                 \
                                                                                                    \
  encoded_event encode(const event& e) {                                                            \
    return std::visit(                                                                              \
        [](const auto& ev) {                                                                        \
          json_writer w;                                                                            \
          w.begin_object();                                                                         \
          write(w, ev);                                                                             \
          w.key("at").value(ev.at);                                                                 \
          w.end_object();                                                                           \
          return encoded_event{std::string(name_of(ev)), 1, std::move(w).take()};                  \
        },                                                                                          \
        e);                                                                                         \
  }                                                                                                 \
                                                                                                    \
  /* Upcasting point: when an event type gets schema version 2, decode it (or  */                   \
  /* decode_v1's output) into the current struct here. */                                           \
  agora::expected<event, domain_error> decode(std::string_view type, std::uint32_t schema_version,  \
                                              std::string_view json) {                              \
    auto root = detail::parse_object(json, type);                                                   \
    if (!root) return agora::unexpected{std::move(root).error()};                                   \
    detail::reader r(*root, std::string(type));                                                     \
    switch (schema_version) {                                                                       \
      case 1:                                                                                       \
        return decode_v1(type, r);                                                                  \
      default:                                                                                      \
        return agora::unexpected{detail::unsupported_version(type, schema_version)};               \
    }                                                                                               \
  }
