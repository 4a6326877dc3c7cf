// Unit tests of the pure parts of bus/: topic mapping, options from config,
// the checkpoint tracker, envelope decoding and the de-duplicator.

#include <gtest/gtest.h>

#include <utility>

#include "bus/feed_consumer.hpp"
#include "bus/feed_event.hpp"
#include "bus/relay_options.hpp"
#include "bus/src/checkpoint_tracker.hpp"
#include "common/config.hpp"
#include "eventstore/event_json.hpp"
#include "tests/support/option_checks.hpp"

namespace agora::bus {
namespace {

TEST(TopicMap, KindIsThePartBeforeTheFirstDash) {
  EXPECT_EQ(topic_map::kind_of("order-o-1"), "order");
  EXPECT_EQ(topic_map::kind_of("inventory-SKU-1"), "inventory");
  EXPECT_EQ(topic_map::kind_of("claim-sku:X"), "claim");
  EXPECT_EQ(topic_map::kind_of("nodash"), "nodash");
  EXPECT_EQ(topic_map::kind_of("-x"), "");
}

TEST(TopicMap, KnownKindsHaveTheirTopicOthersTheDefault) {
  topic_map m;
  EXPECT_EQ(m.topic_for("order-o-1").value(), "agora.order");
  EXPECT_EQ(m.topic_for("inventory-SKU-1").value(), "agora.inventory");
  EXPECT_EQ(m.topic_for("product-p-1").value(), "agora.product");
  EXPECT_EQ(m.topic_for("cart-c").value(), "agora.cart");
  EXPECT_EQ(m.topic_for("customer-u-9").value(), "agora.customer");
  EXPECT_EQ(m.topic_for("claim-sku:X").value(), "agora.other");
  // "orders-1" is kind "orders", not "order".
  EXPECT_EQ(m.topic_for("orders-1").value(), "agora.other");
  m.default_topic.clear();
  EXPECT_FALSE(m.topic_for("claim-sku:X").has_value());
  EXPECT_EQ(m.topic_for("order-o-1").value(), "agora.order");
}

TEST(RelayOptions, DefaultsAndOverridesFromConfig) {
  config cfg;
  auto parsed = relay_options::from_config(cfg);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const auto& d = *parsed;
  EXPECT_EQ(d.mode, broker_mode::embedded);
  EXPECT_EQ(d.checkpoint_name, "outbox.kafka");
  EXPECT_EQ(d.message_timeout_ms, 30000);
  EXPECT_EQ(d.max_in_flight_events, 100000u);

  config c2;
  c2.set("kafka.brokers", "k1:9092,k2:9092");
  c2.set("kafka.topic.order", "shop.orders");
  c2.set("kafka.topic.default", "");
  c2.set("kafka.message_timeout", "10s");
  c2.set("kafka.producer_properties", "security.protocol=ssl, ssl.ca.location=/etc/ca.pem");
  auto parsed2 = relay_options::from_config(c2);
  ASSERT_TRUE(parsed2) << parsed2.error().message;
  const auto& o = *parsed2;
  EXPECT_EQ(o.mode, broker_mode::external);
  EXPECT_EQ(o.bootstrap_servers, "k1:9092,k2:9092");
  EXPECT_EQ(o.topics.topic_for("order-1").value(), "shop.orders");
  EXPECT_FALSE(o.topics.topic_for("claim-1").has_value());
  EXPECT_EQ(o.message_timeout_ms, 10000);
  EXPECT_TRUE(c2.unknown_keys().empty());

  config c3;
  c3.set("kafka.brokers", "off");
  c3.set("kafka.producer_properties", "novalue");
  auto off = relay_options::from_config(c3);
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().key, "kafka.producer_properties");
  EXPECT_NE(off.error().message.find("producer_properties"), std::string::npos);
}

// Out-of-range kafka.* values are refused, naming the key; the relay's start
// refuses options built by hand the same way.
TEST(RelayOptions, FromConfigRefusesOutOfRangeValuesNamingTheKey) {
  testing::expect_each_refused_naming_the_key(
      {{"kafka.embedded.brokers", "0"}, {"kafka.embedded.partitions", "2000"}, {"kafka.message_timeout", "10ms"}, {"kafka.max_in_flight_events", "0"}, {"kafka.scan_batch", "-1"}, {"kafka.checkpoint_name", ""}},
      [](config& cfg) { return relay_options::from_config(cfg); });
  relay_options by_hand;
  by_hand.scan_batch = 0;
  ASSERT_FALSE(by_hand.validate());
  EXPECT_EQ(by_hand.validate().error().key, "kafka.scan_batch");
}

TEST(FeedConsumerOptions, FromConfigRefusesOutOfRangeValuesNamingTheKey) {
  testing::expect_each_refused_naming_the_key(
      {{"kafka.feed.max_batch", "0"}, {"kafka.feed.dedupe_ids", "-1"}, {"kafka.feed.group", ""}},
      [](config& cfg) { return feed_consumer_options::from_config(cfg, relay_options{}); });
  config defaults;
  const auto o = feed_consumer_options::from_config(defaults, relay_options{});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->max_batch, feed_consumer_options{}.max_batch);
}

TEST(ParseProperties, PairsTrimmedAndErrors) {
  std::string why;
  auto p = parse_properties(" a=1 ,b = x=y,,", &why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->at("a"), "1");
  EXPECT_EQ(p->at("b"), "x=y");
  EXPECT_FALSE(parse_properties("=1", &why));
  EXPECT_FALSE(parse_properties("k", &why));
}

using detail::checkpoint_tracker;

TEST(CheckpointTracker, MovesOnlyOverTheConfirmedPrefix) {
  checkpoint_tracker t;
  t.reset(10);
  EXPECT_EQ(t.next(), 11u);
  for (eventstore::log_position p = 11; p <= 15; ++p) ASSERT_TRUE(t.push(p));
  EXPECT_FALSE(t.push(17)) << "gaps are refused";
  EXPECT_EQ(t.in_flight(), 5u);
  EXPECT_TRUE(t.confirm(13));
  EXPECT_TRUE(t.confirm(12));
  EXPECT_EQ(t.confirmed(), 10u) << "11 is still in flight";
  EXPECT_TRUE(t.confirm(11));
  EXPECT_EQ(t.confirmed(), 13u);
  EXPECT_FALSE(t.confirm(12)) << "already covered";
  EXPECT_FALSE(t.confirm(16)) << "never pushed";
  EXPECT_TRUE(t.confirm(15));
  EXPECT_FALSE(t.confirm(15)) << "twice";
  EXPECT_EQ(t.confirmed(), 13u);
  EXPECT_TRUE(t.confirm(14));
  EXPECT_EQ(t.confirmed(), 15u);
  EXPECT_EQ(t.in_flight(), 0u);
}

TEST(CheckpointTracker, SkippedEventsCountAsDone) {
  checkpoint_tracker t;
  t.reset(0);
  ASSERT_TRUE(t.push(1, true));
  EXPECT_EQ(t.confirmed(), 1u);
  ASSERT_TRUE(t.push(2));
  ASSERT_TRUE(t.push(3, true));
  EXPECT_EQ(t.confirmed(), 1u);
  EXPECT_TRUE(t.confirm(2));
  EXPECT_EQ(t.confirmed(), 3u);
  // A restart from the checkpoint forgets what was in flight.
  ASSERT_TRUE(t.push(4));
  t.reset(t.confirmed());
  EXPECT_EQ(t.next(), 4u);
  EXPECT_FALSE(t.confirm(4));
}

eventstore::event_view sample_view(const uuid& id, std::string_view stream, eventstore::stream_version v,
                                   eventstore::log_position pos) {
  eventstore::event_view e;
  e.id = id;
  e.stream = stream;
  e.version = v;
  e.position = pos;
  e.type = "OrderPlaced";
  e.schema_version = 2;
  e.timestamp = 1700000000123456;
  e.correlation_id = "req-1";
  e.causation_id = "cmd-\"1\"";
  e.actor = "u-1";
  e.data = R"({"total":1299,"lines":[{"sku":"SKU-1","qty":2}],"note":"a\"b"})";
  return e;
}

TEST(FeedEvent, DecodesWhatTheRelayPublishes) {
  const uuid id = uuid::random_v4();
  const std::string json = eventstore::event_to_json(sample_view(id, "order-o-1", 3, 42));
  std::string why;
  auto e = parse_feed_event(json, &why);
  ASSERT_TRUE(e) << why;
  EXPECT_EQ(e->id, id);
  EXPECT_EQ(e->stream, "order-o-1");
  EXPECT_EQ(e->version, 3u);
  EXPECT_EQ(e->position, 42u);
  EXPECT_EQ(e->type, "OrderPlaced");
  EXPECT_EQ(e->schema_version, 2u);
  EXPECT_EQ(e->correlation_id, "req-1");
  EXPECT_EQ(e->causation_id, "cmd-\"1\"");
  EXPECT_EQ(e->actor, "u-1");
  EXPECT_FALSE(e->timestamp.empty());
  EXPECT_EQ(e->data, R"({"total":1299,"lines":[{"sku":"SKU-1","qty":2}],"note":"a\"b"})");
}

TEST(FeedEvent, RejectsWhatIsNotAnEnvelope) {
  std::string why;
  EXPECT_FALSE(parse_feed_event("not json", &why));
  EXPECT_FALSE(parse_feed_event("[1]", &why));
  EXPECT_FALSE(parse_feed_event(R"({"id":"x","stream":"s","version":1,"position":1,"type":"T"})", &why));
  EXPECT_NE(why.find("UUID"), std::string::npos);
  const std::string id = uuid::random_v4().to_string();
  EXPECT_FALSE(parse_feed_event(R"({"id":")" + id + R"(","stream":"s","position":1,"type":"T"})", &why));
  EXPECT_NE(why.find("version"), std::string::npos);
  EXPECT_FALSE(parse_feed_event(R"({"id":")" + id + R"(","stream":"s","version":-1,"position":1,"type":"T"})", &why));
  auto ok = parse_feed_event(R"({"id":")" + id + R"(","stream":"s","version":1,"position":1,"type":"T"})", &why);
  ASSERT_TRUE(ok) << why;
  EXPECT_EQ(ok->data, "null");
}

TEST(EventDeduper, DropsRepeatedIdsAndOldStreamVersions) {
  event_deduper d(100, 100);
  const uuid a = uuid::random_v4(), b = uuid::random_v4(), c = uuid::random_v4();
  EXPECT_FALSE(d.is_duplicate(a, "order-1", 1));
  d.accept(a, "order-1", 1);
  EXPECT_TRUE(d.is_duplicate(a, "order-1", 1));
  EXPECT_FALSE(d.is_duplicate(b, "order-1", 2));
  d.accept(b, "order-1", 2);
  // A republished run: version 1 again under any id is a duplicate.
  EXPECT_TRUE(d.is_duplicate(c, "order-1", 1));
  EXPECT_TRUE(d.is_duplicate(c, "order-1", 2));
  EXPECT_FALSE(d.is_duplicate(c, "order-1", 3));
  EXPECT_FALSE(d.is_duplicate(c, "order-2", 1));
}

TEST(EventDeduper, IsBoundedAndForgetsTheOldestFirst) {
  event_deduper d(3, 2);
  std::vector<uuid> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(uuid::random_v4());
  d.accept(ids[0], "s-0", 1);
  d.accept(ids[1], "s-1", 1);
  d.accept(ids[0], "s-0", 2);  // refreshes ids[0] and s-0
  d.accept(ids[2], "s-2", 1);  // evicts stream s-1
  d.accept(ids[3], "s-0", 3);  // evicts id 1
  EXPECT_EQ(d.ids(), 3u);
  EXPECT_EQ(d.streams(), 2u);
  EXPECT_TRUE(d.is_duplicate(ids[0], "x-0", 1));
  EXPECT_FALSE(d.is_duplicate(ids[1], "s-1", 1)) << "id and stream both forgotten";
  EXPECT_TRUE(d.is_duplicate(ids[4], "s-0", 3));
  EXPECT_FALSE(d.is_duplicate(ids[4], "s-0", 4));
}

}  // namespace
}  // namespace agora::bus
