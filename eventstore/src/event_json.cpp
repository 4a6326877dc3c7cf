#include "eventstore/event_json.hpp"

namespace agora::eventstore {

void write_event_json(json_writer& w, const event_view& e) {
  char id[uuid::text_size];
  e.id.format_to(id);
  w.begin_object();
  w.key("id").value(std::string_view(id, sizeof id));
  w.key("stream").value(e.stream);
  w.key("version").value(static_cast<std::uint64_t>(e.version));
  w.key("position").value(static_cast<std::uint64_t>(e.position));
  w.key("type").value(e.type);
  w.key("schema_version").value(static_cast<std::uint64_t>(e.schema_version));
  char ts[rfc3339_max_chars];
  w.key("timestamp").value(std::string_view(ts, format_rfc3339_to(e.timestamp, ts)));
  w.key("correlation_id").value(e.correlation_id);
  w.key("causation_id").value(e.causation_id);
  w.key("actor").value(e.actor);
  w.key("data").raw(e.data.empty() ? std::string_view("null") : e.data);
  w.end_object();
}

std::string event_to_json(const event_view& e) {
  json_writer w(256 + e.data.size());
  write_event_json(w, e);
  return std::move(w).take();
}

}  // namespace agora::eventstore
