#include "bus/embedded_broker.hpp"

// rdkafka_mock.h needs rdkafka.h first.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <set>

namespace agora::bus {

class embedded_broker::impl {
 public:
  ~impl() {
    // The cluster must go before the handle that runs it.
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
  embedded_broker_options options_;
};

expected<std::unique_ptr<embedded_broker>, std::string> embedded_broker::start(
    const embedded_broker_options& options) {
  if (options.brokers < 1 || options.partitions < 1) {
    return unexpected(std::string("embedded broker: brokers and partitions must be >= 1"));
  }
  auto p = std::make_unique<impl>();
  p->options_ = options;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The owning handle never talks to a broker itself; keep it quiet.
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return unexpected(std::string("embedded broker: rd_kafka_new: ") + err);
  }
  p->cluster_ = rd_kafka_mock_cluster_new(p->rk_, options.brokers);
  if (p->cluster_ == nullptr) return unexpected(std::string("embedded broker: rd_kafka_mock_cluster_new failed"));
  p->bootstrap_ = rd_kafka_mock_cluster_bootstraps(p->cluster_);
  std::unique_ptr<embedded_broker> broker(new embedded_broker(std::move(p)));
  // Several kinds may share a topic: create each once.
  const std::set<std::string> topics(options.topics.begin(), options.topics.end());
  for (const auto& t : topics) {
    auto r = broker->create_topic(t, options.partitions);
    if (!r) return unexpected(r.error());
  }
  return broker;
}

embedded_broker::embedded_broker(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
embedded_broker::~embedded_broker() = default;

const std::string& embedded_broker::bootstrap_servers() const noexcept { return impl_->bootstrap_; }
int embedded_broker::brokers() const noexcept { return impl_->options_.brokers; }

expected<void, std::string> embedded_broker::create_topic(std::string_view topic, int partitions) {
  if (partitions <= 0) partitions = impl_->options_.partitions;
  const int rf = impl_->options_.brokers < 3 ? impl_->options_.brokers : 3;
  const std::string name(topic);
  const rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(impl_->cluster_, name.c_str(), partitions, rf);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return unexpected("embedded broker: create topic " + name + ": " + rd_kafka_err2str(e));
  }
  return {};
}

void embedded_broker::set_down(std::int32_t id) { rd_kafka_mock_broker_set_down(impl_->cluster_, id); }
void embedded_broker::set_up(std::int32_t id) { rd_kafka_mock_broker_set_up(impl_->cluster_, id); }
void embedded_broker::set_all_down() {
  for (int id = 1; id <= impl_->options_.brokers; ++id) set_down(id);
}
void embedded_broker::set_all_up() {
  for (int id = 1; id <= impl_->options_.brokers; ++id) set_up(id);
}

void embedded_broker::push_request_errors(std::int16_t api_key, const std::vector<std::int32_t>& errors) {
  std::vector<rd_kafka_resp_err_t> errs;
  errs.reserve(errors.size());
  for (auto e : errors) errs.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(impl_->cluster_, api_key, errs.size(), errs.data());
}

void embedded_broker::set_rtt(std::int32_t id, int rtt_ms) {
  rd_kafka_mock_broker_set_rtt(impl_->cluster_, id, rtt_ms);
}

}  // namespace agora::bus
