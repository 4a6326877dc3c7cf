#include "eventstore/event_json.hpp"

#include <charconv>
#include <cstring>

#include "common/clock.hpp"

namespace agora::eventstore {

namespace {

template <std::size_t N>
void append_literal(std::string& out, const char (&s)[N]) {
  out.append(s, N - 1);
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace

void append_event_json(std::string& out, const event_view& e) {
  // Everything but the escaped strings and `data` has a known bound; one
  // reserve keeps the appends below from reallocating in the common case.
  out.reserve(out.size() + 256 + e.stream.size() + e.type.size() + e.correlation_id.size() +
              e.causation_id.size() + e.actor.size() + e.data.size());
  char id[uuid::text_size];
  e.id.format_to(id);
  append_literal(out, "{\"id\":\"");
  out.append(id, sizeof id);
  append_literal(out, "\",\"stream\":");
  json_writer::append_escaped(out, e.stream);
  append_literal(out, ",\"version\":");
  append_uint(out, e.version);
  append_literal(out, ",\"position\":");
  append_uint(out, e.position);
  append_literal(out, ",\"type\":");
  json_writer::append_escaped(out, e.type);
  append_literal(out, ",\"schema_version\":");
  append_uint(out, e.schema_version);
  char ts[rfc3339_max_chars];
  const std::size_t ts_len = format_rfc3339_to(e.timestamp, ts);
  append_literal(out, ",\"timestamp\":\"");
  out.append(ts, ts_len);  // digits, '-', ':', '.', 'T', 'Z': nothing to escape
  append_literal(out, "\",\"correlation_id\":");
  json_writer::append_escaped(out, e.correlation_id);
  append_literal(out, ",\"causation_id\":");
  json_writer::append_escaped(out, e.causation_id);
  append_literal(out, ",\"actor\":");
  json_writer::append_escaped(out, e.actor);
  append_literal(out, ",\"data\":");
  if (e.data.empty()) {
    append_literal(out, "null");
  } else {
    out.append(e.data.data(), e.data.size());
  }
  out.push_back('}');
}

void write_event_json(json_writer& w, const event_view& e) {
  w.raw_with([&e](std::string& out) { append_event_json(out, e); });
}

std::string event_to_json(const event_view& e) {
  std::string out;
  append_event_json(out, e);
  return out;
}

}  // namespace agora::eventstore
