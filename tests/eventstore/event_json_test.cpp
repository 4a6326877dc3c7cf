// The event envelope as JSON: the hand-written encoder the relay uses must
// produce byte for byte what the general json_writer would, for any field
// contents, and the result must parse back.

#include "eventstore/event_json.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <string>

#include "common/clock.hpp"
#include "common/json_writer.hpp"

namespace agora::eventstore {
namespace {

// The definition the envelope had before it was hand-written: the reference.
std::string reference_json(const event_view& e) {
  json_writer w;
  w.begin_object();
  w.key("id").value(e.id.to_string());
  w.key("stream").value(e.stream);
  w.key("version").value(static_cast<std::uint64_t>(e.version));
  w.key("position").value(static_cast<std::uint64_t>(e.position));
  w.key("type").value(e.type);
  w.key("schema_version").value(static_cast<std::uint64_t>(e.schema_version));
  w.key("timestamp").value(format_rfc3339(e.timestamp));
  w.key("correlation_id").value(e.correlation_id);
  w.key("causation_id").value(e.causation_id);
  w.key("actor").value(e.actor);
  w.key("data").raw(e.data.empty() ? std::string_view("null") : e.data);
  w.end_object();
  return std::move(w).take();
}

event_view sample(const uuid& id) {
  event_view e;
  e.id = id;
  e.stream = "order-o-1";
  e.version = 3;
  e.position = 18446744073709551615ull;
  e.type = "OrderPlaced";
  e.schema_version = 2;
  e.timestamp = 1'790'000'000'123'456;
  e.correlation_id = "req-1";
  e.causation_id = "cmd-\"1\"\\";
  e.actor = "u-1";
  e.data = R"({"total":1299})";
  return e;
}

TEST(EventJson, MatchesTheGeneralWriterForPlainFields) {
  const event_view e = sample(uuid::random_v4());
  EXPECT_EQ(event_to_json(e), reference_json(e));
}

TEST(EventJson, MatchesTheGeneralWriterForAnyBytesInTheFreeTextFields) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 40);
  auto random_text = [&] {
    std::string s(static_cast<std::size_t>(len(rng)), '\0');
    for (auto& c : s) c = static_cast<char>(byte(rng));
    return s;
  };
  for (int i = 0; i < 2000; ++i) {
    const std::string stream = random_text(), type = random_text(), corr = random_text(), cause = random_text(),
                      actor = random_text();
    event_view e = sample(uuid::random_v4());
    e.stream = stream;
    e.type = type;
    e.correlation_id = corr;
    e.causation_id = cause;
    e.actor = actor;
    e.data = i % 3 == 0 ? std::string_view() : std::string_view(R"([1,"x",{"a":null}])");
    e.timestamp = static_cast<timestamp_us>(rng() % 4'000'000'000'000'000ull);
    const std::string json = event_to_json(e);
    ASSERT_EQ(json, reference_json(e)) << "case " << i;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  }
}

TEST(EventJson, WritesIntoALargerDocumentAsOneValue) {
  const event_view e = sample(uuid::random_v4());
  json_writer w;
  w.begin_array();
  write_event_json(w, e);
  write_event_json(w, e);
  w.end_array();
  const std::string one = event_to_json(e);
  EXPECT_EQ(w.str(), "[" + one + "," + one + "]");
}

TEST(EventJson, AppendsWithoutTouchingWhatIsAlreadyThere) {
  const event_view e = sample(uuid::random_v4());
  std::string out = "prefix:";
  append_event_json(out, e);
  EXPECT_EQ(out, "prefix:" + event_to_json(e));
}

}  // namespace
}  // namespace agora::eventstore
