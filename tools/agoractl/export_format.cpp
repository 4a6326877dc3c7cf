#include "tools/agoractl/export_format.hpp"

#include <simdjson.h>
#include <sodium.h>

#include <cstring>

#include "common/json_writer.hpp"
#include "eventstore/event_json.hpp"

namespace agora::agoractl {

namespace es = agora::eventstore;

struct log_checksum::state {
  crypto_generichash_state h;
};

log_checksum::log_checksum() : s_(new state) {
  crypto_generichash_init(&s_->h, nullptr, 0, crypto_generichash_BYTES);
}

log_checksum::~log_checksum() { delete s_; }

void log_checksum::add(const es::event_view& e) {
  line_.clear();
  append_event_line(line_, e);
  add_line(line_);
}

void log_checksum::add_line(std::string_view line) {
  crypto_generichash_update(&s_->h, reinterpret_cast<const unsigned char*>(line.data()), line.size());
}

std::string log_checksum::hex() const {
  // Finishing consumes the state: finish a copy, so hex() can be asked twice.
  crypto_generichash_state copy = s_->h;
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash_final(&copy, out, sizeof out);
  char hex[2 * crypto_generichash_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return std::string("blake2b256:") + hex;
}

void append_event_line(std::string& out, const es::event_view& e) {
  const std::size_t start = out.size();
  es::append_event_json(out, e);
  // Splice timestamp_us in before "data". The first `,"data":` of the line is
  // the member's: inside the escaped strings before it a quote is always
  // preceded by a backslash.
  constexpr std::string_view data_key = ",\"data\":";
  const auto at = out.find(data_key, start);
  std::string ts = ",\"timestamp_us\":" + std::to_string(e.timestamp);
  out.insert(at, ts);
  out.push_back('\n');
}

std::string header_line(es::log_position last_position, timestamp_us now) {
  json_writer w;
  w.begin_object().key("agora_export").value(export_format_version).key("last_position").value(last_position);
  w.key("exported_at").value(format_rfc3339(now)).end_object();
  return w.str() + "\n";
}

std::string checkpoint_line(std::string_view name, es::log_position position) {
  json_writer w;
  w.begin_object().key("checkpoint").value(name).key("position").value(position).end_object();
  return w.str() + "\n";
}

std::string wakeup_line(std::string_view stream, timestamp_us due) {
  json_writer w;
  w.begin_object().key("wakeup").value(stream).key("due").value(static_cast<std::int64_t>(due)).end_object();
  return w.str() + "\n";
}

std::string trailer_line(std::uint64_t events, const std::string& checksum) {
  json_writer w;
  w.begin_object().key("end").value(true).key("events").value(events).key("checksum").value(checksum).end_object();
  return w.str() + "\n";
}

namespace {

using simdjson::ondemand::json_type;

std::string err_text(simdjson::error_code e) { return simdjson::error_message(e); }

// The raw text of any JSON value (data is copied byte for byte).
simdjson::simdjson_result<std::string_view> raw_value(simdjson::ondemand::value v) {
  json_type t;
  if (auto e = v.type().get(t)) return e;
  if (t == json_type::object) {
    simdjson::ondemand::object o;
    if (auto e = v.get_object().get(o)) return e;
    return o.raw_json();
  }
  if (t == json_type::array) {
    simdjson::ondemand::array a;
    if (auto e = v.get_array().get(a)) return e;
    return a.raw_json();
  }
  std::string_view tok = v.raw_json_token();
  while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t' || tok.back() == '\r' || tok.back() == '\n')) {
    tok.remove_suffix(1);
  }
  return tok;
}

}  // namespace

expected<export_record, std::string> parse_export_line(std::string_view line) {
  thread_local simdjson::ondemand::parser parser;
  thread_local std::string padded;
  padded.assign(line.data(), line.size());
  padded.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (auto e = parser.iterate(padded.data(), padded.size(), padded.capacity()).get(doc)) {
    return unexpected{"not JSON: " + err_text(e)};
  }
  simdjson::ondemand::object obj;
  if (auto e = doc.get_object().get(obj)) {
    return unexpected{"not JSON (each line is one JSON object): " + err_text(e)};
  }

  export_record r;
  bool has_id = false, has_stream = false, has_version = false, has_position = false, has_type = false,
       has_ts = false, has_data = false, has_header = false, has_cp = false, has_wakeup = false,
       has_end = false, has_number = false;
  std::string bad;
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return unexpected{"bad member name: " + err_text(e)};
    simdjson::ondemand::value v;
    if (auto e = field.value().get(v)) return unexpected{std::string(key) + ": " + err_text(e)};
    auto str = [&](std::string& out) {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) {
        bad = std::string(key) + " must be a string";
        return;
      }
      out.assign(s);
    };
    auto u64 = [&](std::uint64_t& out) {
      if (v.get_uint64().get(out)) bad = std::string(key) + " must be an unsigned integer";
    };
    if (key == "id") {
      std::string s;
      str(s);
      auto id = uuid::parse(s);
      if (!id && bad.empty()) bad = "id is not a UUID";
      if (id) r.event.id = *id;
      has_id = true;
    } else if (key == "stream") {
      str(r.stream);
      has_stream = true;
    } else if (key == "version") {
      u64(r.version);
      has_version = true;
    } else if (key == "position") {
      u64(r.position);
      has_position = true;
    } else if (key == "type") {
      str(r.event.type);
      has_type = true;
    } else if (key == "schema_version") {
      std::uint64_t sv = 0;
      u64(sv);
      if (sv > 0xFFFFFFFFu) bad = "schema_version out of range";
      r.event.schema_version = static_cast<std::uint32_t>(sv);
    } else if (key == "timestamp_us") {
      std::int64_t t = 0;
      if (v.get_int64().get(t)) bad = "timestamp_us must be an integer";
      r.event.timestamp = t;
      has_ts = true;
    } else if (key == "correlation_id") {
      str(r.event.correlation_id);
    } else if (key == "causation_id") {
      str(r.event.causation_id);
    } else if (key == "actor") {
      str(r.event.actor);
    } else if (key == "data") {
      std::string_view raw;
      if (auto e = raw_value(v).get(raw)) {
        bad = "data: " + err_text(e);
      } else {
        r.event.data.assign(raw);
      }
      has_data = true;
    } else if (key == "agora_export") {
      u64(r.number);
      has_header = true;
    } else if (key == "checkpoint") {
      str(r.name);
      has_cp = true;
    } else if (key == "wakeup") {
      str(r.name);
      has_wakeup = true;
    } else if (key == "due") {
      std::int64_t t = 0;
      if (v.get_int64().get(t)) bad = "due must be an integer";
      r.number = static_cast<std::uint64_t>(t);
      has_number = true;
    } else if (key == "end") {
      has_end = true;
    } else if (key == "events") {
      u64(r.number);
      has_number = true;
    } else if (key == "checksum") {
      str(r.checksum);
    }
    // Other members ("timestamp", "last_position", "exported_at") are for people.
    if (!bad.empty()) return unexpected{std::move(bad)};
  }
  // Past the object, the document's location is out of bounds unless
  // something follows it.
  const char* after = nullptr;
  if (doc.current_location().get(after) == simdjson::SUCCESS) {
    return unexpected{"trailing content after the JSON object"};
  }
  if (has_header) {
    r.k = export_record::kind::header;
    return r;
  }
  if (has_end) {
    if (!has_number || r.checksum.empty()) return unexpected{"the trailer needs events and checksum"};
    r.k = export_record::kind::end;
    return r;
  }
  if (has_cp) {
    if (!has_position) return unexpected{"a checkpoint needs its position"};
    r.k = export_record::kind::checkpoint;
    r.number = r.position;
    return r;
  }
  if (has_wakeup) {
    if (!has_number) return unexpected{"a wake-up needs its due time"};
    r.k = export_record::kind::wakeup;
    return r;
  }
  const char* missing = !has_id         ? "id"
                        : !has_stream   ? "stream"
                        : !has_version  ? "version"
                        : !has_position ? "position"
                        : !has_type     ? "type"
                        : !has_ts       ? "timestamp_us"
                        : !has_data     ? "data"
                                        : nullptr;
  if (missing != nullptr) return unexpected{std::string("an event needs its ") + missing};
  r.k = export_record::kind::event;
  return r;
}

}  // namespace agora::agoractl
