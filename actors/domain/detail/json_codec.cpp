#include "actors/domain/detail/json_codec.hpp"

#include <optional>

#include <simdjson.h>

namespace agora::domain::detail {

namespace od = simdjson::ondemand;

namespace {

// Stored documents are flat-ish; deeper nesting means corruption, and bounding
// the depth keeps the recursion below safe.
constexpr int max_depth = 32;

domain_error malformed(std::string message) {
  return make_error(domain_errc::malformed, std::move(message));
}

simdjson::error_code convert(od::value v, jnode& out, int depth);

simdjson::error_code convert_object(od::object o, jnode& out, int depth) {
  out.type = jnode::kind::object;
  for (auto field : o) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    for (const auto& k : out.keys) {
      if (k == key) return simdjson::TAPE_ERROR;  // duplicate member: ambiguous, refuse
    }
    out.keys.emplace_back(key);
    out.items.emplace_back();
    od::value child;
    if (auto e = field.value().get(child)) return e;
    if (auto e = convert(child, out.items.back(), depth + 1)) return e;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code convert(od::value v, jnode& out, int depth) {
  if (depth > max_depth) return simdjson::DEPTH_ERROR;
  od::json_type t;
  if (auto e = v.type().get(t)) return e;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (auto e = v.get_object().get(o)) return e;
      return convert_object(o, out, depth);
    }
    case od::json_type::array: {
      out.type = jnode::kind::array;
      od::array a;
      if (auto e = v.get_array().get(a)) return e;
      for (auto el : a) {
        od::value child;
        if (auto e = el.get(child)) return e;
        out.items.emplace_back();
        if (auto e = convert(child, out.items.back(), depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      od::number_type nt;
      if (auto e = v.get_number_type().get(nt)) return e;
      if (nt == od::number_type::signed_integer) {
        out.type = jnode::kind::integer;
        return v.get_int64().get(out.i);
      }
      out.type = jnode::kind::number;
      return v.get_double().get(out.d);
    }
    case od::json_type::string: {
      out.type = jnode::kind::string;
      std::string_view s;
      if (auto e = v.get_string().get(s)) return e;
      out.s.assign(s);
      return simdjson::SUCCESS;
    }
    case od::json_type::boolean:
      out.type = jnode::kind::boolean;
      return v.get_bool().get(out.b);
    case od::json_type::null: {
      out.type = jnode::kind::null;
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

}  // namespace

const jnode* jnode::find(std::string_view key) const noexcept {
  if (type != kind::object) return nullptr;
  for (std::size_t n = 0; n < keys.size(); ++n) {
    if (keys[n] == key) return &items[n];
  }
  return nullptr;
}

const char* kind_name(jnode::kind k) noexcept {
  switch (k) {
    case jnode::kind::null: return "null";
    case jnode::kind::boolean: return "boolean";
    case jnode::kind::integer: return "integer";
    case jnode::kind::number: return "number";
    case jnode::kind::string: return "string";
    case jnode::kind::array: return "array";
    case jnode::kind::object: return "object";
  }
  return "unknown";
}

agora::expected<jnode, domain_error> parse_object(std::string_view json, std::string_view what) {
  // One parser and one padded input buffer per thread, reused: every event a
  // projection applies or an activation replays comes through here, and a
  // parser per call cost two allocations and a copy each time. The document
  // is converted into `jnode`s before returning, so nothing refers to the
  // parser or the buffer afterwards (and parse_object never nests).
  // Large inputs (a big aggregate's snapshot) get their own, so the
  // thread-local ones stay small.
  constexpr std::size_t kReuseBelow = 64 * 1024;
  thread_local od::parser shared_parser;
  thread_local std::string shared_input;
  std::optional<od::parser> own_parser;
  std::string own_input;
  const bool small = json.size() < kReuseBelow;
  od::parser& parser = small ? shared_parser : own_parser.emplace();
  std::string& input = small ? shared_input : own_input;
  input.assign(json.data(), json.size());
  input.append(simdjson::SIMDJSON_PADDING, '\0');
  od::document doc;
  const auto prefix = [&] { return std::string(what) + ": "; };
  if (auto e = parser.iterate(input.data(), json.size(), input.size()).get(doc)) {
    return agora::unexpected{malformed(prefix() + "malformed JSON (" + simdjson::error_message(e) + ")")};
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    if (e == simdjson::INCORRECT_TYPE) {
      return agora::unexpected{malformed(prefix() + "expected a JSON object")};
    }
    return agora::unexpected{malformed(prefix() + "malformed JSON (" + simdjson::error_message(e) + ")")};
  }
  jnode root;
  if (auto e = convert_object(obj, root, 0)) {
    return agora::unexpected{malformed(prefix() + "malformed JSON (" + simdjson::error_message(e) + ")")};
  }
  // simdjson 3.0 documents have no public at_end(); current_location() reports
  // OUT_OF_BOUNDS exactly when the whole input was consumed.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
    return agora::unexpected{malformed(prefix() + "malformed JSON (trailing content)")};
  }
  return root;
}

reader::reader(const jnode& obj, std::string what)
    : obj_(obj), what_(std::move(what)), err_(&own_err_) {
  if (obj_.type != jnode::kind::object) fail("expected a JSON object");
}

reader::reader(const jnode& obj, reader& parent, std::string prefix)
    : obj_(obj), what_(parent.what_), prefix_(std::move(prefix)), err_(parent.err_) {}

std::string reader::path(std::string_view key) const {
  if (prefix_.empty()) return std::string(key);
  return prefix_ + "." + std::string(key);
}

void reader::fail(std::string message) {
  if (!err_->has_value()) *err_ = malformed(what_ + ": " + std::move(message));
}

bool reader::has(std::string_view key) const noexcept {
  const jnode* n = obj_.find(key);
  return n != nullptr && n->type != jnode::kind::null;
}

const jnode* reader::get(std::string_view key, jnode::kind want, bool optional) {
  if (!ok()) return nullptr;
  const jnode* n = obj_.find(key);
  if (n == nullptr || n->type == jnode::kind::null) {
    if (!optional) fail("missing field '" + path(key) + "'");
    return nullptr;
  }
  if (n->type != want) {
    fail("field '" + path(key) + "' must be " + (want == jnode::kind::integer || want == jnode::kind::array || want == jnode::kind::object ? "an " : "a ") +
         kind_name(want) + ", got " + kind_name(n->type));
    return nullptr;
  }
  return n;
}

std::string reader::str(std::string_view key) {
  const jnode* n = get(key, jnode::kind::string, false);
  return n != nullptr ? n->s : std::string();
}

std::optional<std::string> reader::opt_str(std::string_view key) {
  const jnode* n = get(key, jnode::kind::string, true);
  if (n == nullptr) return std::nullopt;
  return n->s;
}

std::int64_t reader::i64(std::string_view key) {
  const jnode* n = get(key, jnode::kind::integer, false);
  return n != nullptr ? n->i : 0;
}

std::optional<std::int64_t> reader::opt_i64(std::string_view key) {
  const jnode* n = get(key, jnode::kind::integer, true);
  if (n == nullptr) return std::nullopt;
  return n->i;
}

std::uint64_t reader::u64(std::string_view key) {
  const jnode* n = get(key, jnode::kind::integer, false);
  if (n == nullptr) return 0;
  if (n->i < 0) {
    fail("field '" + path(key) + "' must not be negative");
    return 0;
  }
  return static_cast<std::uint64_t>(n->i);
}

bool reader::boolean(std::string_view key) {
  const jnode* n = get(key, jnode::kind::boolean, false);
  return n != nullptr && n->b;
}

money reader::money_of(std::string_view key) {
  const jnode* n = get(key, jnode::kind::object, false);
  if (n == nullptr) return {};
  reader sub(*n, *this, path(key));
  money m;
  m.minor = sub.i64("minor");
  m.currency = sub.str("currency");
  return m;
}

std::optional<money> reader::opt_money(std::string_view key) {
  if (!has(key)) return std::nullopt;
  return money_of(key);
}

std::vector<std::string> reader::str_array(std::string_view key) {
  std::vector<std::string> out;
  const jnode* a = get(key, jnode::kind::array, false);
  if (a == nullptr) return out;
  for (std::size_t n = 0; n < a->items.size(); ++n) {
    if (a->items[n].type != jnode::kind::string) {
      fail("field '" + path(key) + "[" + std::to_string(n) + "]' must be a string, got " +
           kind_name(a->items[n].type));
      return {};
    }
    out.push_back(a->items[n].s);
  }
  return out;
}

std::optional<std::vector<std::string>> reader::opt_str_array(std::string_view key) {
  if (!has(key)) return std::nullopt;
  return str_array(key);
}

void write_money(json_writer& w, std::string_view key, const money& m) {
  w.key(key).begin_object();
  w.key("minor").value(m.minor);
  w.key("currency").value(m.currency);
  w.end_object();
}

void write_strings(json_writer& w, std::string_view key, const std::vector<std::string>& v) {
  w.key(key).begin_array();
  for (const auto& s : v) w.value(s);
  w.end_array();
}

domain_error unknown_event_type(std::string_view aggregate, std::string_view type) {
  return malformed("unknown " + std::string(aggregate) + " event type '" + std::string(type) + "'");
}

domain_error unsupported_version(std::string_view type, std::uint32_t version) {
  return malformed(std::string(type) + ": unsupported schema version " + std::to_string(version));
}

}  // namespace agora::domain::detail
