// No secret leaves the store through Kafka: accounts are registered and
// passwords changed with recognisable hashes, the relay publishes the whole
// log to a real (embedded) broker, and every message of every topic the
// broker has is read back and searched for the hash and its field name.

#include <librdkafka/rdkafka.h>

#include <gtest/gtest.h>

#include <set>

#include "actors/domain/customer.hpp"
#include "actors/domain/claim.hpp"
#include "bus/embedded_broker.hpp"
#include "bus/outbox_relay.hpp"
#include "eventstore/event_store.hpp"
#include "tests/bus/kafka_test_util.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora::bus {
namespace {

namespace cd = domain::customer;
using namespace std::chrono_literals;

const std::string k_hash_1 = "$argon2id$v=19$m=65536,t=3,p=1$U0FMVFNBTFQ$FIRSTHASHrecognisable0000000000000000000";
const std::string k_hash_2 = "$argon2id$v=19$m=65536,t=3,p=1$U0FMVFNBTFQ$SECONDHASHrecognisable000000000000000000";
const std::string k_admin_hash = "$argon2id$v=19$m=65536,t=3,p=1$U0FMVFNBTFQ$ADMINHASHrecognisable0000000000000000000";

struct fixture {
  agora::testing::temp_dir dir{"agora-bus-secrets"};
  std::unique_ptr<eventstore::event_store> store;
  std::unique_ptr<embedded_broker> broker;

  fixture() {
    eventstore::store_options so;
    so.path = dir.sub("store");
    so.sync = false;
    auto s = eventstore::event_store::open(so);
    if (!s) std::abort();
    store = std::move(*s);
    embedded_broker_options bo;
    bo.brokers = 1;
    bo.partitions = 2;
    const relay_options defaults;
    for (const auto& [kind, topic] : defaults.topics.topics) bo.topics.push_back(topic);
    bo.topics.push_back(defaults.topics.default_topic);
    auto b = embedded_broker::start(bo);
    if (!b) std::abort();
    broker = std::move(*b);
  }

  void append(const std::string& stream, const domain::encoded_event& enc) {
    eventstore::new_event n;
    n.type = enc.type;
    n.schema_version = enc.schema_version;
    n.data = enc.data;
    n.actor = "test";
    std::vector<eventstore::new_event> batch;
    batch.push_back(std::move(n));
    auto r = store->append(stream, eventstore::expected_version::any(), std::move(batch));
    ASSERT_TRUE(r) << r.error().message;
  }

  // What the node writes for a registration: the e-mail claim, the account,
  // then a password change; and an order, so not everything is a customer.
  void register_accounts() {
    append("claim-email:ann@example.com", domain::claim::encode(domain::claim::event{domain::claim::key_claimed{"c1", 1}}));
    append("customer-c1", cd::encode(cd::event{cd::customer_registered{"c1", "ann@example.com", k_hash_1, "Ann Example",
                                                                       cd::role::customer, 1}}));
    append("customer-c1", cd::encode(cd::event{cd::password_changed{k_hash_2, 2}}));
    append("customer-admin", cd::encode(cd::event{cd::customer_registered{"admin", "root@example.com", k_admin_hash,
                                                                          "Administrator", cd::role::admin, 3}}));
    eventstore::new_event order;
    order.type = "OrderPlaced";
    order.data = "{\"order_id\":\"o1\",\"customer_id\":\"c1\"}";
    std::vector<eventstore::new_event> batch{order};
    ASSERT_TRUE(store->append("order-o1", eventstore::expected_version::any(), std::move(batch)));
  }

  relay_options options() const { return testing::test_relay_options(*broker); }

  // Every topic the broker knows, whoever created it.
  std::vector<std::string> all_topics() const {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", broker->bootstrap_servers().c_str(), err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    std::vector<std::string> out;
    if (rk == nullptr) return out;
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 1, nullptr, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < md->topic_cnt; ++i) out.emplace_back(md->topics[i].topic);
      rd_kafka_metadata_destroy(md);
    }
    rd_kafka_destroy(rk);
    return out;
  }

  // Publishes the whole log and reads back every message of every topic.
  std::vector<testing::consumed> publish_and_read(const relay_options& o, std::uint64_t expected_published) {
    outbox_relay relay(*store, o);
    EXPECT_TRUE(relay.start());
    EXPECT_TRUE(relay.wait_for_delivered(store->last_position(), 20000)) << relay.stats().last_error;
    EXPECT_EQ(relay.stats().published, expected_published);
    relay.stop();
    const auto topics = all_topics();
    EXPECT_GE(topics.size(), 6u);
    return testing::read_all(broker->bootstrap_servers(), topics, expected_published, 500ms, 20s);
  }
};

bool anywhere(const testing::consumed& m, const std::string& needle) {
  if (m.key.find(needle) != std::string::npos || m.value.find(needle) != std::string::npos) return true;
  for (const auto& [name, value] : m.headers) {
    if (name.find(needle) != std::string::npos || value.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(RelaySecrets, NoMessageOnAnyTopicHoldsAPasswordHashOrPersonalData) {
  fixture f;
  f.register_accounts();
  // The store keeps the hashes: login needs them.
  auto log = f.store->read_log(1, 100);
  ASSERT_TRUE(log);
  ASSERT_NE(log->at(1).data.find(k_hash_1), std::string::npos);

  // Five events; the e-mail claim is not published by default.
  const auto messages = f.publish_and_read(f.options(), 4);
  ASSERT_EQ(messages.size(), 4u);
  std::set<std::string> types;
  for (const auto& m : messages) {
    types.insert(m.headers.at("event_type"));
    for (const auto& secret : {k_hash_1, k_hash_2, k_admin_hash, std::string("$argon2id$"),
                               std::string("password_hash"), std::string("ann@example.com"),
                               std::string("root@example.com"), std::string("Ann Example")}) {
      EXPECT_FALSE(anywhere(m, secret)) << m.topic << " carries " << secret << ": " << m.value;
    }
  }
  EXPECT_EQ(types, (std::set<std::string>{"CustomerRegistered", "PasswordChanged", "OrderPlaced"}));
  for (const auto& m : messages) {
    if (m.headers.at("event_type") == "CustomerRegistered" && m.key == "customer-c1") {
      EXPECT_NE(m.value.find("\"data\":{\"customer_id\":\"c1\",\"role\":\"customer\",\"at\":1}"), std::string::npos)
          << m.value;
    }
  }
}

TEST(RelaySecrets, PublishingPersonalDataStillNeverPublishesAHash) {
  fixture f;
  f.register_accounts();
  auto o = f.options();
  o.publish_personal_data = true;
  const auto messages = f.publish_and_read(o, 5);
  ASSERT_EQ(messages.size(), 5u);
  bool saw_email = false, saw_claim = false;
  for (const auto& m : messages) {
    for (const auto& secret : {k_hash_1, k_hash_2, k_admin_hash, std::string("$argon2id$"),
                               std::string("password_hash")}) {
      EXPECT_FALSE(anywhere(m, secret)) << m.topic << " carries " << secret << ": " << m.value;
    }
    saw_email = saw_email || m.value.find("\"email\":\"ann@example.com\"") != std::string::npos;
    saw_claim = saw_claim || m.key == "claim-email:ann@example.com";
  }
  EXPECT_TRUE(saw_email);
  EXPECT_TRUE(saw_claim);
}

}  // namespace
}  // namespace agora::bus
