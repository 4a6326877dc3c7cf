// The stored envelope format: round trip and rejection of damaged bytes.

#include "eventstore/src/envelope_codec.hpp"

#include <gtest/gtest.h>

namespace agora::eventstore::detail {
namespace {

TEST(EnvelopeCodec, RoundTripsEveryField) {
  new_event e;
  e.id = uuid::random_v4();
  e.type = "StockReserved";
  e.schema_version = 7;
  e.data = R"({"sku":"A-1","qty":2})";
  e.correlation_id = "corr";
  e.causation_id = "cause";
  e.actor = "admin";
  e.timestamp = -5;  // before 1970: signed on purpose
  std::string bytes = encode_envelope("inventory-A-1", e);
  EXPECT_EQ(bytes.size(), kEnvelopeHeaderBytes + 13 + 13 + 4 + 5 + 5 + e.data.size());
  patch_stream_version(bytes, 0x0102030405060708ull);
  auto v = decode_envelope(bytes, 99);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(v->id, e.id);
  EXPECT_EQ(v->stream, "inventory-A-1");
  EXPECT_EQ(v->version, 0x0102030405060708ull);
  EXPECT_EQ(v->position, 99u);
  EXPECT_EQ(v->type, e.type);
  EXPECT_EQ(v->schema_version, 7u);
  EXPECT_EQ(v->timestamp, -5);
  EXPECT_EQ(v->correlation_id, "corr");
  EXPECT_EQ(v->causation_id, "cause");
  EXPECT_EQ(v->actor, "admin");
  EXPECT_EQ(v->data, e.data);
}

TEST(EnvelopeCodec, RejectsDamagedBytes) {
  new_event e;
  e.type = "T";
  e.data = "{}";
  const std::string good = encode_envelope("s", e);
  ASSERT_TRUE(decode_envelope(good, 1));
  EXPECT_FALSE(decode_envelope(good.substr(0, 10), 1)) << "shorter than the header";
  EXPECT_FALSE(decode_envelope(good.substr(0, good.size() - 1), 1)) << "truncated data";
  EXPECT_FALSE(decode_envelope(good + "x", 1)) << "trailing bytes";
  std::string wrong_format = good;
  wrong_format[0] = 0x01;
  EXPECT_FALSE(decode_envelope(wrong_format, 1));
}

}  // namespace
}  // namespace agora::eventstore::detail
