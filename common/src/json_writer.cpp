#include "common/json_writer.hpp"

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>

namespace agora {

namespace {

// 1 for bytes that go into a JSON string as they are: printable ASCII except
// `"` and `\`. Everything else takes the slow path (escape or UTF-8 check).
constexpr std::array<std::uint8_t, 256> make_safe_table() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0x20; c < 0x7F; ++c) t[static_cast<std::size_t>(c)] = 1;
  t['"'] = 0;
  t['\\'] = 0;
  return t;
}
constexpr std::array<std::uint8_t, 256> k_safe = make_safe_table();

// True when one of the 8 bytes of `w` is not safe (see k_safe). Classic SWAR
// tests: a byte < 0x20, >= 0x7F, equal to '"' or equal to '\\'.
inline bool word_needs_care(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const std::uint64_t lt_space = (w - ones * 0x20) & ~w & highs;        // byte < 0x20
  const std::uint64_t ge_del = ((w + ones * 0x01) | w) & highs;         // byte >= 0x7F
  const std::uint64_t q = w ^ (ones * '"');
  const std::uint64_t eq_quote = (q - ones) & ~q & highs;               // byte == '"'
  const std::uint64_t b = w ^ (ones * '\\');
  const std::uint64_t eq_backslash = (b - ones) & ~b & highs;           // byte == '\\'
  return (lt_space | ge_del | eq_quote | eq_backslash) != 0;
}

constexpr char k_replacement[] = "\xEF\xBF\xBD";  // U+FFFD in UTF-8
constexpr char k_hex[] = "0123456789abcdef";

inline bool is_cont(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

// Length of the valid UTF-8 sequence starting at p[0] (a byte >= 0x80), or, when
// it is not valid, minus the length of its maximal ill-formed prefix (at least
// 1): the bytes replaced by a single U+FFFD, as Unicode (ch. 3, "U+FFFD
// substitution of maximal subparts") and the WHATWG decoder recommend.
inline std::ptrdiff_t utf8_sequence(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned char c = p[0];
  int need;
  unsigned char lo = 0x80;  // allowed range of the second byte; it excludes
  unsigned char hi = 0xBF;  // overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4)
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return -1;  // continuation byte without a lead, C0/C1 (overlong), F5..FF
  }
  const std::ptrdiff_t avail = end - p - 1;
  if (avail < 1 || p[1] < lo || p[1] > hi) return -1;
  for (int i = 2; i <= need; ++i) {
    if (i > avail || !is_cont(p[i])) return -i;
  }
  return need + 1;
}

}  // namespace

void json_writer::append_escaped(std::string& out, std::string_view s) {
  // Worst case is 6 output bytes per input byte (\u00XX); reserve for the common
  // case instead and let append grow the rest.
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* const end = p + s.size();
  // Bytes from `run` to `p` go out unchanged (safe ASCII and valid UTF-8); they
  // are copied in one append when something must be rewritten, or at the end.
  const unsigned char* run = p;
  auto flush = [&out, &run](const unsigned char* upto) {
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(upto - run));
  };
  while (p < end) {
    // Fast path: skip safe ASCII 8 bytes at a time, then byte by byte.
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if (word_needs_care(w)) break;
      p += 8;
    }
    while (p < end && k_safe[*p]) ++p;
    if (p == end) break;

    const unsigned char c = *p;
    if (c >= 0x80) {
      const std::ptrdiff_t n = utf8_sequence(p, end);
      if (n > 0) {  // valid: stays part of the run
        p += n;
        continue;
      }
      flush(p);
      out.append(k_replacement, 3);
      p += -n;
      run = p;
      continue;
    }
    flush(p);
    switch (c) {
      case '"': out.append("\\\"", 2); break;
      case '\\': out.append("\\\\", 2); break;
      case '\b': out.append("\\b", 2); break;
      case '\f': out.append("\\f", 2); break;
      case '\n': out.append("\\n", 2); break;
      case '\r': out.append("\\r", 2); break;
      case '\t': out.append("\\t", 2); break;
      default: {
        // Other control characters and DEL (allowed raw by JSON, but escaped so
        // logs and terminals stay clean).
        const char esc[6] = {'\\', 'u', '0', '0', k_hex[c >> 4], k_hex[c & 0x0F]};
        out.append(esc, 6);
        break;
      }
    }
    ++p;
    run = p;
  }
  flush(p);
  out.push_back('"');
}

void json_writer::before_value() {
  if (stack_.empty()) {
    assert(first_ && "json_writer: only one top-level value per document");
    first_ = false;
    return;
  }
  if (stack_.back()) {
    assert(after_key_ && "json_writer: value inside an object without key()");
    after_key_ = false;
    return;
  }
  if (!first_) out_.push_back(',');
  first_ = false;
}

json_writer& json_writer::begin_object() {
  before_value();
  out_.push_back('{');
  stack_.push_back(true);
  first_ = true;
  return *this;
}

json_writer& json_writer::end_object() {
  assert(!stack_.empty() && stack_.back() && "json_writer: end_object() without begin_object()");
  assert(!after_key_ && "json_writer: key() without a value");
  out_.push_back('}');
  stack_.pop_back();
  first_ = false;  // the parent (if any) now holds this object
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  out_.push_back('[');
  stack_.push_back(false);
  first_ = true;
  return *this;
}

json_writer& json_writer::end_array() {
  assert(!stack_.empty() && !stack_.back() && "json_writer: end_array() without begin_array()");
  out_.push_back(']');
  stack_.pop_back();
  first_ = false;
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  assert(!stack_.empty() && stack_.back() && "json_writer: key() outside an object");
  assert(!after_key_ && "json_writer: two keys in a row");
  if (!first_) out_.push_back(',');
  first_ = false;
  append_escaped(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view s) {
  before_value();
  append_escaped(out_, s);
  return *this;
}

json_writer& json_writer::value(bool b) {
  before_value();
  if (b) {
    out_.append("true", 4);
  } else {
    out_.append("false", 5);
  }
  return *this;
}

json_writer& json_writer::value(std::int64_t n) {
  before_value();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
  return *this;
}

json_writer& json_writer::value(std::uint64_t n) {
  before_value();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
  return *this;
}

json_writer& json_writer::value(double d) {
  if (!std::isfinite(d)) return null();
  before_value();
  // Shortest representation that reads back as the same double.
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  out_.append(buf, r.ptr);
  // "3" or "123456789012345680000" would read back as an integer (or overflow
  // the parser's integer types): keep doubles recognisably floating point.
  if (std::memchr(buf, '.', static_cast<std::size_t>(r.ptr - buf)) == nullptr &&
      std::memchr(buf, 'e', static_cast<std::size_t>(r.ptr - buf)) == nullptr) {
    out_.append(".0", 2);
  }
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  out_.append("null", 4);
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  before_value();
  out_.append(json.data(), json.size());
  return *this;
}

void json_writer::clear() noexcept {
  out_.clear();
  stack_.clear();
  first_ = true;
  after_key_ = false;
}

}  // namespace agora
