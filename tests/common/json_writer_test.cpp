#include "common/json_writer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace agora {
namespace {

const std::string k_fffd = "\xEF\xBF\xBD";

// Parses `json` with simdjson (an independent parser) and returns the string it
// holds, or nullopt when the document is not valid JSON or not a string.
std::optional<std::string> parse_string(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) return std::nullopt;
  std::string_view sv;
  if (doc.get_string().get(sv) != simdjson::SUCCESS) return std::nullopt;
  return std::string(sv);
}

bool parses(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(json).get(doc) == simdjson::SUCCESS;
}

// True when `json` has no raw control character or DEL: the writer escapes all
// of them, even DEL which JSON would allow raw.
bool no_raw_controls(std::string_view json) {
  for (char c : json) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  return true;
}

std::string write_string(std::string_view s) {
  json_writer w;
  w.value(s);
  return std::move(w).take();
}

// --- structure -------------------------------------------------------------

TEST(JsonWriter, ObjectsAndArraysGetCommasRight) {
  json_writer w;
  w.begin_object()
      .key("a").value(1)
      .key("b").begin_array().value(1).value(2).begin_object().key("c").null().end_object().end_array()
      .key("d").begin_object().end_object()
      .key("e").begin_array().end_array()
      .key("f").begin_array().begin_array().end_array().begin_array().value(true).end_array().end_array()
      .key("g").value(false)
      .end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[1,2,{"c":null}],"d":{},"e":[],"f":[[],[true]],"g":false})");
  EXPECT_TRUE(parses(w.str()));
}

TEST(JsonWriter, DeepNestingParses) {
  json_writer w;
  for (int i = 0; i < 50; ++i) w.begin_object().key("k").begin_array().value(i);
  for (int i = 0; i < 50; ++i) w.end_array().end_object();
  ASSERT_TRUE(parses(w.str())) << w.str();
  simdjson::dom::parser parser;
  simdjson::dom::element e = parser.parse(w.str()).value();
  // Walk down: {"k":[0,{"k":[1,...]}]}
  for (int i = 0; i < 50; ++i) {
    simdjson::dom::array arr = e["k"].get_array().value();
    EXPECT_EQ(arr.at(0).get_int64().value(), i);
    if (i < 49) e = arr.at(1).value();
  }
}

TEST(JsonWriter, TopLevelScalars) {
  EXPECT_EQ(write_string("x"), "\"x\"");
  json_writer w;
  w.value(42);
  EXPECT_EQ(w.str(), "42");
  json_writer n;
  n.null();
  EXPECT_EQ(n.str(), "null");
}

TEST(JsonWriter, KeysAreEscaped) {
  json_writer w;
  w.begin_object().key("a\"b\n\xFF").value(1).end_object();
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  ASSERT_EQ(parser.parse(w.str()).get(obj), simdjson::SUCCESS) << w.str();
  auto it = obj.begin();
  ASSERT_NE(it, obj.end());
  EXPECT_EQ(it.key(), "a\"b\n" + k_fffd);
}

// --- strings ---------------------------------------------------------------

TEST(JsonWriter, EscapesQuoteAndBackslash) {
  const std::string in = R"(say "hi" \ back\slash)";
  const std::string out = write_string(in);
  EXPECT_EQ(out, R"("say \"hi\" \\ back\\slash")");
  EXPECT_EQ(parse_string(out), in);
}

TEST(JsonWriter, EscapesEveryControlCharacterAndDel) {
  for (int c = 0; c <= 0x7F; ++c) {
    if (c >= 0x20 && c < 0x7F) continue;
    const std::string in(1, static_cast<char>(c));
    const std::string out = write_string(in);
    std::string expected;
    switch (c) {
      case '\b': expected = R"("\b")"; break;
      case '\f': expected = R"("\f")"; break;
      case '\n': expected = R"("\n")"; break;
      case '\r': expected = R"("\r")"; break;
      case '\t': expected = R"("\t")"; break;
      default: {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\"\\u%04x\"", c);
        expected = buf;
      }
    }
    EXPECT_EQ(out, expected) << "char " << c;
    EXPECT_EQ(parse_string(out), in) << "char " << c;
  }
}

TEST(JsonWriter, EmbeddedNulIsKept) {
  const std::string in("a\0b\0", 4);
  const std::string out = write_string(in);
  EXPECT_EQ(out, R"("a\u0000b\u0000")");
  const auto back = parse_string(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->size(), 4u);
  EXPECT_EQ(*back, in);
}

TEST(JsonWriter, ValidUtf8PassesThroughUnchanged) {
  for (const std::string in : {"é", "€", "😀", "naïve café — 50€ 😀!", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80",
                               "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80",
                               "\xF4\x8F\xBF\xBF"}) {
    const std::string out = write_string(in);
    EXPECT_EQ(out, "\"" + in + "\"");
    EXPECT_EQ(parse_string(out), in);
  }
}

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacter) {
  struct tc {
    std::string in;
    std::string want;
  };
  const std::string r = k_fffd;
  const std::vector<tc> cases = {
      {"\x80", r},                              // lone continuation byte
      {"a\xBFz", "a" + r + "z"},                // lone continuation inside text
      {"a\xC3", "a" + r},                       // 2-byte sequence cut at the end
      {"\xC3z", r + "z"},                       // 2-byte sequence cut by ASCII
      {"\xE2\x82", r},                          // 3-byte truncated: one U+FFFD (maximal subpart)
      {"\xE2\x82z", r + "z"},                   //
      {"\xF0\x9F\x98", r},                      // 4-byte truncated
      {"\xF0\x9F\x98" "abc", r + "abc"},        //
      {"\xC0\xAF", r + r},                      // overlong '/' (2 bytes)
      {"\xC1\xBF", r + r},                      //
      {"\xE0\x80\xAF", r + r + r},              // overlong (3 bytes)
      {"\xF0\x80\x80\xAF", r + r + r + r},      // overlong (4 bytes)
      {"\xED\xA0\x80", r + r + r},              // UTF-16 surrogate U+D800 encoded in UTF-8
      {"\xED\xBF\xBF", r + r + r},              // U+DFFF
      {"\xF4\x90\x80\x80", r + r + r + r},      // above U+10FFFF
      {"\xF5", r}, {"\xF8\x88\x80\x80\x80", r + r + r + r + r}, {"\xFE", r}, {"\xFF", r},
      {"\xFF\xFE\xFD", r + r + r},
      {"ok\xE2\x82\xAC\x80ok", "ok€" + r + "ok"},  // valid € then a stray continuation
  };
  for (const auto& c : cases) {
    const std::string out = write_string(c.in);
    const auto back = parse_string(out);
    ASSERT_TRUE(back) << "simdjson rejected " << out;
    EXPECT_EQ(*back, c.want) << "input bytes: " << testing::PrintToString(c.in);
    EXPECT_TRUE(simdjson::validate_utf8(out.data(), out.size()));
  }
}

// Special bytes at every offset around the 8-byte fast path boundaries.
TEST(JsonWriter, SpecialBytesAtEveryPosition) {
  const std::vector<std::string> specials = {"\"", "\\", "\n", std::string(1, '\0'), "\x1F", "\x7F", "é",
                                             "😀", "\x80", "\xE2\x82"};
  for (const auto& sp : specials) {
    for (std::size_t pos = 0; pos <= 40; ++pos) {
      std::string in(40, 'a');
      in.insert(pos, sp);
      const std::string out = write_string(in);
      EXPECT_TRUE(no_raw_controls(out)) << testing::PrintToString(out);
      const auto back = parse_string(out);
      ASSERT_TRUE(back) << "special " << testing::PrintToString(sp) << " at " << pos;
      const bool valid = simdjson::validate_utf8(sp.data(), sp.size());
      std::string want(40, 'a');
      want.insert(pos, valid ? sp : k_fffd);
      EXPECT_EQ(*back, want) << "special " << testing::PrintToString(sp) << " at " << pos;
    }
  }
}

// --- numbers ---------------------------------------------------------------

TEST(JsonWriter, IntegerExtremesAreExact) {
  const auto i_min = std::numeric_limits<std::int64_t>::min();
  const auto i_max = std::numeric_limits<std::int64_t>::max();
  const auto u_max = std::numeric_limits<std::uint64_t>::max();
  json_writer w;
  w.begin_array().value(i_min).value(i_max).value(u_max).value(0).value(-1).value(7u).end_array();
  EXPECT_EQ(w.str(), "[-9223372036854775808,9223372036854775807,18446744073709551615,0,-1,7]");
  simdjson::dom::parser parser;
  simdjson::dom::array arr;
  ASSERT_EQ(parser.parse(w.str()).get(arr), simdjson::SUCCESS);
  EXPECT_EQ(arr.at(0).get_int64().value(), i_min);
  EXPECT_EQ(arr.at(1).get_int64().value(), i_max);
  EXPECT_EQ(arr.at(2).get_uint64().value(), u_max);
}

TEST(JsonWriter, IntOverloadsPickTheRightType) {
  json_writer w;
  w.begin_array()
      .value(static_cast<long long>(-5))
      .value(static_cast<unsigned long long>(5))
      .value(std::int64_t{-6})
      .value(std::uint64_t{6})
      .end_array();
  EXPECT_EQ(w.str(), "[-5,5,-6,6]");
}

void expect_double_round_trips(double d) {
  json_writer w;
  w.value(d);
  simdjson::dom::parser parser;
  double back = 0;
  ASSERT_EQ(parser.parse(w.str()).get_double().get(back), simdjson::SUCCESS) << w.str();
  EXPECT_EQ(std::memcmp(&back, &d, sizeof d), 0) << "wrote " << w.str() << " for " << d;
}

TEST(JsonWriter, DoublesRoundTripExactly) {
  for (double d : {0.0, -0.0, 0.1, 1.0 / 3.0, 3.0, -2.5, 1e300, -1e-300, 5e-324, 2.2250738585072014e-308,
                   1.7976931348623157e308, 3.141592653589793, 123456789012345680000.0, 9007199254740993.0,
                   1e21, 1e22, 0.000001}) {
    expect_double_round_trips(d);
  }
  std::mt19937_64 rng(12345);
  int tested = 0;
  while (tested < 10000) {
    const std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    expect_double_round_trips(d);
    ++tested;
  }
}

TEST(JsonWriter, DoublesStayFloatingPoint) {
  json_writer w;
  w.begin_array().value(3.0).value(-0.0).value(1e300).end_array();
  EXPECT_EQ(w.str(), "[3.0,-0.0,1e+300]");
  simdjson::dom::parser parser;
  simdjson::dom::array arr = parser.parse(w.str()).get_array().value();
  EXPECT_TRUE(arr.at(0).is_double());
}

TEST(JsonWriter, NonFiniteDoublesBecomeNull) {
  json_writer w;
  w.begin_object()
      .key("nan").value(std::numeric_limits<double>::quiet_NaN())
      .key("inf").value(std::numeric_limits<double>::infinity())
      .key("ninf").value(-std::numeric_limits<double>::infinity())
      .key("x").value(1.5)
      .end_object();
  EXPECT_EQ(w.str(), R"({"nan":null,"inf":null,"ninf":null,"x":1.5})");
  EXPECT_TRUE(parses(w.str()));
}

// --- raw, clear, take --------------------------------------------------------

TEST(JsonWriter, RawInsertsVerbatimWithCommas) {
  json_writer w;
  w.begin_object()
      .key("data").raw(R"({"x":[1,2],"y":"z"})")
      .key("n").value(1)
      .key("list").begin_array().raw("1").raw(R"("two")").raw("[3]").end_array()
      .end_object();
  EXPECT_EQ(w.str(), R"({"data":{"x":[1,2],"y":"z"},"n":1,"list":[1,"two",[3]]})");
  EXPECT_TRUE(parses(w.str()));
}

TEST(JsonWriter, ClearStartsANewDocument) {
  json_writer w(128);
  w.begin_object().key("a").value(1).end_object();
  w.clear();
  EXPECT_EQ(w.str(), "");
  w.begin_array().value(1).value(2).end_array();
  EXPECT_EQ(w.str(), "[1,2]");
  // Clearing in the middle of an unfinished document resets the nesting too.
  w.clear();
  w.begin_object().key("open").begin_array().value(1);
  w.clear();
  w.begin_array().value("x").end_array();
  EXPECT_EQ(w.str(), R"(["x"])");
  EXPECT_TRUE(parses(w.str()));
}

TEST(JsonWriter, TakeLeavesAnEmptyUsableWriter) {
  json_writer w;
  w.begin_array().value(1).end_array();
  std::string doc = std::move(w).take();
  EXPECT_EQ(doc, "[1]");
  EXPECT_EQ(w.str(), "");  // NOLINT(bugprone-use-after-move): documented behaviour
  w.begin_array().value(2).end_array();
  EXPECT_EQ(w.str(), "[2]");
}

TEST(JsonWriter, AppendEscapedAppends) {
  std::string out = "prefix:";
  json_writer::append_escaped(out, "a\tb");
  EXPECT_EQ(out, "prefix:\"a\\tb\"");
}

// --- randomized --------------------------------------------------------------

void append_utf8(std::string& s, std::uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string ascii_only(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x80) r += c;
  }
  return r;
}

TEST(JsonWriter, RandomByteStringsAlwaysParseAndValidOnesRoundTrip) {
  std::mt19937_64 rng(20240601);
  auto below = [&](std::uint64_t n) { return rng() % n; };
  int valid_inputs = 0;
  int invalid_inputs = 0;
  for (int iter = 0; iter < 10000; ++iter) {
    std::string in;
    const std::size_t len = below(48);
    switch (iter % 3) {
      case 0:  // arbitrary bytes
        for (std::size_t i = 0; i < len; ++i) in += static_cast<char>(below(256));
        break;
      case 1:  // random code points of every length (no surrogates), incl. controls
        for (std::size_t i = 0; i < len; ++i) {
          std::uint32_t cp;
          switch (below(4)) {
            case 0: cp = static_cast<std::uint32_t>(below(0x80)); break;
            case 1: cp = static_cast<std::uint32_t>(0x80 + below(0x800 - 0x80)); break;
            case 2:
              cp = static_cast<std::uint32_t>(0x800 + below(0x10000 - 0x800));
              if (cp >= 0xD800 && cp <= 0xDFFF) cp -= 0x800;
              break;
            default: cp = static_cast<std::uint32_t>(0x10000 + below(0x110000 - 0x10000));
          }
          append_utf8(in, cp);
        }
        break;
      default:  // valid text with a few bytes flipped or cut
        for (std::size_t i = 0; i < len; ++i) append_utf8(in, static_cast<std::uint32_t>(below(0x3000)));
        if (!in.empty()) {
          for (int k = 0; k < 2; ++k) in[below(in.size())] = static_cast<char>(below(256));
          in.resize(below(in.size() + 1));
        }
    }
    const std::string out = write_string(in);
    ASSERT_TRUE(no_raw_controls(out)) << testing::PrintToString(out);
    const auto back = parse_string(out);
    ASSERT_TRUE(back) << "simdjson rejected output for input " << testing::PrintToString(in);
    ASSERT_TRUE(simdjson::validate_utf8(back->data(), back->size()));
    if (simdjson::validate_utf8(in.data(), in.size())) {
      ++valid_inputs;
      ASSERT_EQ(*back, in);
    } else {
      ++invalid_inputs;
      // Replacement never swallows ASCII (it is never part of a multi-byte
      // sequence) and never reorders anything.
      ASSERT_EQ(ascii_only(*back), ascii_only(in)) << testing::PrintToString(in);
      ASSERT_NE(back->find(k_fffd), std::string::npos);
    }
  }
  EXPECT_GT(valid_inputs, 3000);
  EXPECT_GT(invalid_inputs, 3000);
}

}  // namespace
}  // namespace agora
