#pragma once
// Internal to agora_domain (not installed, not included by public headers): the
// JSON plumbing shared by the aggregates' codecs. Stored documents are parsed once
// with simdjson's on-demand API into a small tree, because codecs look fields up by
// name, in any order, and report precisely which field is missing or mistyped;
// documents are small (one event), so the tree costs little.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/domain/domain_error.hpp"
#include "actors/domain/money.hpp"
#include "common/json_writer.hpp"

namespace agora::domain::detail {

/// One parsed JSON value.
struct jnode {
  enum class kind { null, boolean, integer, number, string, array, object };
  kind type = kind::null;
  bool b = false;
  std::int64_t i = 0;  // kind::integer (fits in int64)
  double d = 0;        // kind::number (non-integer or out of int64 range)
  std::string s;
  std::vector<jnode> items;       // array elements, or object member values
  std::vector<std::string> keys;  // object member names, parallel to items

  /// The member named `key` of an object, or nullptr.
  const jnode* find(std::string_view key) const noexcept;
};

/// A JSON type name for messages ("string", "object", ...).
const char* kind_name(jnode::kind k) noexcept;

/// Parses `json`, which must be exactly one JSON object. Errors are malformed,
/// with `what` (an event type or "state") in the message.
agora::expected<jnode, domain_error> parse_object(std::string_view json, std::string_view what);

/// Reads typed fields out of an object node. The first failure is kept (later
/// reads return defaults), so a codec reads every field and checks once at the end.
class reader {
 public:
  /// Reads `obj` (must be an object node); messages are prefixed with `what`.
  reader(const jnode& obj, std::string what);
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;

  std::string str(std::string_view key);
  /// Missing or null -> nullopt.
  std::optional<std::string> opt_str(std::string_view key);
  std::int64_t i64(std::string_view key);
  std::optional<std::int64_t> opt_i64(std::string_view key);
  std::uint64_t u64(std::string_view key);
  bool boolean(std::string_view key);
  money money_of(std::string_view key);
  std::optional<money> opt_money(std::string_view key);
  std::vector<std::string> str_array(std::string_view key);
  std::optional<std::vector<std::string>> opt_str_array(std::string_view key);

  /// Calls fn(reader&) for each element of the array of objects at `key`.
  template <class F>
  void objects(std::string_view key, F&& fn) {
    const jnode* a = get(key, jnode::kind::array, false);
    if (a == nullptr) return;
    for (std::size_t n = 0; n < a->items.size() && ok(); ++n) {
      std::string p = path(key) + "[" + std::to_string(n) + "]";
      if (a->items[n].type != jnode::kind::object) {
        fail("field '" + p + "' must be an object");
        return;
      }
      reader sub(a->items[n], *this, std::move(p));
      fn(sub);
    }
  }

  /// Calls fn(key, reader&) for each member of the object at `key`, whose values
  /// must be objects (a JSON map keyed by id).
  template <class F>
  void members(std::string_view key, F&& fn) {
    const jnode* o = get(key, jnode::kind::object, false);
    if (o == nullptr) return;
    for (std::size_t n = 0; n < o->items.size() && ok(); ++n) {
      std::string p = path(key) + "." + o->keys[n];
      if (o->items[n].type != jnode::kind::object) {
        fail("field '" + p + "' must be an object");
        return;
      }
      reader sub(o->items[n], *this, std::move(p));
      fn(o->keys[n], sub);
    }
  }

  /// True when the object at `key` exists (and is not null).
  bool has(std::string_view key) const noexcept;

  /// Records a failure (the first one wins).
  void fail(std::string message);
  bool ok() const noexcept { return !err_->has_value(); }
  /// The first failure; only when !ok().
  const domain_error& error() const { return **err_; }

  /// Returns `v` when every read succeeded, else the first failure.
  template <class T, class V>
  agora::expected<T, domain_error> finish(V&& v) const {
    if (!ok()) return agora::unexpected{error()};
    return T(std::forward<V>(v));
  }

 private:
  reader(const jnode& obj, reader& parent, std::string prefix);
  const jnode* get(std::string_view key, jnode::kind want, bool optional);
  std::string path(std::string_view key) const;

  const jnode& obj_;
  std::string what_;
  std::string prefix_;  // "lines[2]" for nested readers
  std::optional<domain_error> own_err_;
  std::optional<domain_error>* err_;  // the root reader's slot, shared with children
};

/// Writes `"key": {"minor": .., "currency": ..}`.
void write_money(json_writer& w, std::string_view key, const money& m);
/// Writes `"key": ["a", "b"]`.
void write_strings(json_writer& w, std::string_view key, const std::vector<std::string>& v);

/// A malformed error for an unknown event type / unsupported schema version.
domain_error unknown_event_type(std::string_view aggregate, std::string_view type);
domain_error unsupported_version(std::string_view type, std::uint32_t version);

}  // namespace agora::domain::detail
