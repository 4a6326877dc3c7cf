#include "bus/feed_event.hpp"

#include <simdjson.h>

#include <cstring>

namespace agora::bus {

namespace {

bool fail(std::string* why, const char* what) {
  if (why) *why = what;
  return false;
}

bool get_string(simdjson::dom::object& obj, const char* key, std::string& out, bool required, std::string* why) {
  std::string_view v;
  auto err = obj[key].get(v);
  if (err == simdjson::NO_SUCH_FIELD && !required) return true;
  if (err) {
    if (why) *why = std::string("envelope field '") + key + "' missing or not a string";
    return false;
  }
  out.assign(v.data(), v.size());
  return true;
}

bool get_uint(simdjson::dom::object& obj, const char* key, std::uint64_t& out, bool required, std::string* why) {
  auto err = obj[key].get(out);
  if (err == simdjson::NO_SUCH_FIELD && !required) return true;
  if (err) {
    if (why) *why = std::string("envelope field '") + key + "' missing or not an unsigned integer";
    return false;
  }
  return true;
}

}  // namespace

std::optional<feed_event> parse_feed_event(std::string_view json, std::string* why) {
  // One parser per thread: it keeps its buffers between calls.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (auto err = parser.parse(json.data(), json.size(), true).get(obj)) {
    if (why) *why = std::string("not a JSON object: ") + simdjson::error_message(err);
    return std::nullopt;
  }
  feed_event e;
  std::string id_text;
  std::uint64_t schema = 1;
  if (!get_string(obj, "id", id_text, true, why) || !get_string(obj, "stream", e.stream, true, why) ||
      !get_uint(obj, "version", e.version, true, why) || !get_uint(obj, "position", e.position, true, why) ||
      !get_string(obj, "type", e.type, true, why) || !get_uint(obj, "schema_version", schema, false, why) ||
      !get_string(obj, "timestamp", e.timestamp, false, why) ||
      !get_string(obj, "correlation_id", e.correlation_id, false, why) ||
      !get_string(obj, "causation_id", e.causation_id, false, why) ||
      !get_string(obj, "actor", e.actor, false, why)) {
    return std::nullopt;
  }
  auto id = uuid::parse(id_text);
  if (!id) {
    fail(why, "envelope field 'id' is not a UUID");
    return std::nullopt;
  }
  if (e.stream.empty() || e.version == 0 || e.position == 0 || schema > UINT32_MAX) {
    fail(why, "envelope has an empty stream, a zero version or position, or a bad schema_version");
    return std::nullopt;
  }
  e.id = *id;
  e.schema_version = static_cast<std::uint32_t>(schema);
  simdjson::dom::element data;
  if (obj["data"].get(data) == simdjson::SUCCESS) {
    e.data = simdjson::minify(data);
  } else {
    e.data = "null";
  }
  return e;
}

std::size_t event_deduper::uuid_hash::operator()(const uuid& u) const noexcept {
  // v7 ids start with a timestamp; the random tail spreads better.
  std::uint64_t a = 0, b = 0;
  std::memcpy(&a, u.bytes().data(), 8);
  std::memcpy(&b, u.bytes().data() + 8, 8);
  return static_cast<std::size_t>(b ^ (a * 0x9E3779B97F4A7C15ull));
}

event_deduper::event_deduper(std::size_t max_ids, std::size_t max_streams)
    : max_ids_(max_ids == 0 ? 1 : max_ids), max_streams_(max_streams == 0 ? 1 : max_streams) {}

bool event_deduper::is_duplicate(const uuid& id, std::string_view stream, eventstore::stream_version version) const {
  if (id_index_.count(id) != 0) return true;
  auto it = stream_index_.find(stream);
  return it != stream_index_.end() && version <= it->second->version;
}

void event_deduper::accept(const uuid& id, std::string_view stream, eventstore::stream_version version) {
  if (auto it = id_index_.find(id); it != id_index_.end()) {
    id_order_.splice(id_order_.begin(), id_order_, it->second);
  } else {
    id_order_.push_front(id);
    id_index_.emplace(id, id_order_.begin());
    if (id_index_.size() > max_ids_) {
      id_index_.erase(id_order_.back());
      id_order_.pop_back();
    }
  }
  if (auto it = stream_index_.find(stream); it != stream_index_.end()) {
    if (version > it->second->version) it->second->version = version;
    stream_order_.splice(stream_order_.begin(), stream_order_, it->second);
  } else {
    stream_order_.push_front(stream_entry{std::string(stream), version});
    // The key views the string in the list node, which never moves.
    stream_index_.emplace(std::string_view(stream_order_.front().stream), stream_order_.begin());
    if (stream_index_.size() > max_streams_) {
      stream_index_.erase(std::string_view(stream_order_.back().stream));
      stream_order_.pop_back();
    }
  }
}

}  // namespace agora::bus
