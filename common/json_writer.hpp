#pragma once
// A small, fast JSON writer. Agora parses JSON with simdjson; this is the other
// half. Output is always valid JSON (RFC 8259): strings are escaped, and bytes
// that are not valid UTF-8 are replaced by U+FFFD so a client never receives a
// document it cannot parse.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agora {

/// Writes one JSON value into a std::string.
///
/// Usage:
///   json_writer w;
///   w.begin_object().key("id").value("p-1").key("price").value(1299).end_object();
///   std::string body = std::move(w).take();
///
/// The writer inserts commas itself. Misuse (a value where a key is due, an
/// unbalanced end_*) is a programming error caught by assert in debug builds.
class json_writer {
 public:
  json_writer() = default;
  /// Starts with `reserve` bytes of capacity.
  explicit json_writer(std::size_t reserve) { out_.reserve(reserve); }

  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  /// The next member's name, inside an object.
  json_writer& key(std::string_view k);

  json_writer& value(std::string_view s);
  json_writer& value(const char* s) { return value(std::string_view(s)); }
  json_writer& value(const std::string& s) { return value(std::string_view(s)); }
  json_writer& value(bool b);
  json_writer& value(std::int64_t n);
  json_writer& value(std::uint64_t n);
  json_writer& value(int n) { return value(static_cast<std::int64_t>(n)); }
  json_writer& value(unsigned n) { return value(static_cast<std::uint64_t>(n)); }
  json_writer& value(long long n) { return value(static_cast<std::int64_t>(n)); }
  json_writer& value(unsigned long long n) { return value(static_cast<std::uint64_t>(n)); }
  /// Non-finite doubles (NaN, inf) are written as null: JSON has no such numbers.
  json_writer& value(double d);
  json_writer& null();
  /// Inserts `json` verbatim as the next value. The caller guarantees it is one
  /// valid JSON value (e.g. event data that was validated when it was stored).
  json_writer& raw(std::string_view json);
  /// Calls `append(std::string&)` to append one valid JSON value verbatim as the
  /// next value, straight into the document (no intermediate string).
  template <class Append>
  json_writer& raw_with(Append&& append) {
    before_value();
    append(out_);
    return *this;
  }

  /// The document so far.
  const std::string& str() const& noexcept { return out_; }
  /// Moves the document out; the writer is empty afterwards.
  std::string take() && {
    std::string s = std::move(out_);
    clear();  // a moved-from string is only "valid but unspecified"; reset all state
    return s;
  }
  /// Empties the writer, keeping its capacity.
  void clear() noexcept;

  /// Appends `s` to `out` as a quoted, escaped JSON string: `"`, `\` and control
  /// characters (U+0000..U+001F, U+007F) are escaped; valid UTF-8 passes through;
  /// invalid UTF-8 sequences become U+FFFD.
  static void append_escaped(std::string& out, std::string_view s);

 private:
  void before_value();

  std::string out_;
  // One entry per open container: true when it is an object. `first_` says
  // whether the current container is still empty; `after_key_` that a key was
  // just written and its value is due.
  std::vector<bool> stack_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace agora
