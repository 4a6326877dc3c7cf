#include "bus/feed_consumer.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bus/relay_options.hpp"
#include "bus/src/rdkafka_util.hpp"
#include "common/config.hpp"
#include "common/thread_name.hpp"

namespace agora::bus {

expected<feed_consumer_options, option_error> feed_consumer_options::from_config(config& cfg,
                                                                               const relay_options& relay) {
  feed_consumer_options o;
  o.bootstrap_servers = relay.bootstrap_servers;
  std::set<std::string> topics;
  for (const auto& [kind, topic] : relay.topics.topics) {
    if (!topic.empty()) topics.insert(topic);
  }
  if (!relay.topics.default_topic.empty()) topics.insert(relay.topics.default_topic);
  o.topics.assign(topics.begin(), topics.end());
  o.group_id = cfg.get_string("kafka.feed.group", o.group_id, "consumer group of this node's projections");
  o.client_id = cfg.get_string("kafka.feed.client_id", o.client_id, "feed consumer client.id");
  const auto max_batch =
      cfg.get_int("kafka.feed.max_batch", static_cast<std::int64_t>(o.max_batch), "events per batch at most");
  o.max_wait_ms = cfg.get_duration_ms("kafka.feed.max_wait", o.max_wait_ms, "wait to fill a batch");
  const auto dedupe_ids =
      cfg.get_int("kafka.feed.dedupe_ids", static_cast<std::int64_t>(o.dedupe_ids), "recent event ids remembered");
  const auto dedupe_streams = cfg.get_int("kafka.feed.dedupe_streams", static_cast<std::int64_t>(o.dedupe_streams),
                                          "recent stream versions remembered");
  o.backoff_min_ms = relay.backoff_min_ms;
  o.backoff_max_ms = relay.backoff_max_ms;
  o.consumer_properties = cfg.get_string("kafka.feed.consumer_properties", "", "extra librdkafka properties a=b,c=d",
                                         config_secrecy::properties);
  // Every key is read (and so declared for --print-config) before the first
  // refusal; a negative count would otherwise become a huge bound.
  if (o.group_id.empty()) return unexpected(make_option_error("kafka.feed.group", "must not be empty"));
  if (max_batch < 1) return unexpected(make_option_error("kafka.feed.max_batch", "must be >= 1"));
  if (dedupe_ids < 0) return unexpected(make_option_error("kafka.feed.dedupe_ids", "must be >= 0"));
  if (dedupe_streams < 0) return unexpected(make_option_error("kafka.feed.dedupe_streams", "must be >= 0"));
  o.max_batch = static_cast<std::size_t>(max_batch);
  o.dedupe_ids = static_cast<std::size_t>(dedupe_ids);
  o.dedupe_streams = static_cast<std::size_t>(dedupe_streams);
  return o;
}

class feed_consumer::impl {
 public:
  impl(feed_consumer_options o, feed_handler h)
      : opts_(std::move(o)), handler_(std::move(h)), dedupe_(opts_.dedupe_ids, opts_.dedupe_streams) {}
  ~impl() {
    stop();
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }

  expected<void, std::string> init() {
    if (opts_.bootstrap_servers.empty()) return unexpected(std::string("feed consumer: no bootstrap servers"));
    if (opts_.topics.empty()) return unexpected(std::string("feed consumer: no topics"));
    if (opts_.group_id.empty()) return unexpected(std::string("feed consumer: no group id"));
    if (!handler_) return unexpected(std::string("feed consumer: no handler"));
    opts_.max_batch = std::clamp<std::size_t>(opts_.max_batch, 1, 100000);
    std::string why;
    auto extra = parse_properties(opts_.consumer_properties, &why);
    if (!extra) return unexpected("feed consumer: " + why);
    std::map<std::string, std::string> props = {
        {"bootstrap.servers", opts_.bootstrap_servers},
        {"group.id", opts_.group_id},
        {"client.id", opts_.client_id},
        // Offsets move only after the handler applied a batch.
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        // A new group reads the feed from its beginning.
        {"auto.offset.reset", "earliest"},
        {"log.connection.close", "false"},
    };
    for (const auto& [k, v] : *extra) props[k] = v;
    auto conf = detail::make_conf(props);
    if (!conf) return unexpected("feed consumer: " + conf.error());
    rd_kafka_conf_set_log_cb(*conf, &detail::log_to_spdlog);
    char err[512];
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, *conf, err, sizeof err);
    if (rk_ == nullptr) {
      rd_kafka_conf_destroy(*conf);
      return unexpected(std::string("feed consumer: rd_kafka_new: ") + err);
    }
    rd_kafka_poll_set_consumer(rk_);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(opts_.topics.size()));
    for (const auto& t : opts_.topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    const auto e = rd_kafka_subscribe(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return unexpected(std::string("feed consumer: subscribe: ") + rd_kafka_err2str(e));
    thread_ = std::thread([this] {
      set_current_thread_name("feed-consumer");
      run();
    });
    return {};
  }

  void stop() {
    if (stopped_.exchange(true)) return;
    {
      std::lock_guard<std::mutex> lock(wake_mu_);
    }
    wake_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (rk_ != nullptr) rd_kafka_consumer_close(rk_);
  }

  feed_stats stats() const {
    std::lock_guard<std::mutex> lock(stats_mu_);
    return stats_;
  }

 private:
  template <class F>
  void count(F f) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    f(stats_);
  }

  // Adds one message to the batch being built.
  void take(rd_kafka_message_t* m, std::vector<feed_event>& batch,
            std::map<std::pair<std::string, std::int32_t>, std::int64_t>& offsets) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        count([](feed_stats& s) { ++s.errors; });
        spdlog::warn("feed consumer: {}", rd_kafka_message_errstr(m));
      }
      return;
    }
    const char* topic = rd_kafka_topic_name(m->rkt);
    offsets[{topic, m->partition}] = m->offset + 1;
    std::string why;
    auto e = parse_feed_event(std::string_view(static_cast<const char*>(m->payload), m->len), &why);
    if (!e) {
      // A message that is not an envelope can never be applied: skip it (and
      // commit past it) rather than stall the feed, but say so.
      count([](feed_stats& s) { ++s.messages; ++s.malformed; });
      spdlog::error("feed consumer: {} [{}] offset {}: {}", topic, m->partition, m->offset, why);
      return;
    }
    if (dedupe_.is_duplicate(e->id, e->stream, e->version)) {
      count([](feed_stats& s) { ++s.messages; ++s.duplicates; });
      return;
    }
    // Remembered now so a duplicate later in the same batch is dropped too; the
    // batch is retried as built until the handler takes it, so this holds.
    dedupe_.accept(e->id, e->stream, e->version);
    count([](feed_stats& s) { ++s.messages; });
    e->topic = topic;
    e->partition = m->partition;
    e->offset = m->offset;
    batch.push_back(std::move(*e));
  }

  void run() {
    std::vector<feed_event> batch;
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> offsets;
    while (!stopped_) {
      batch.clear();
      offsets.clear();
      rd_kafka_message_t* first = rd_kafka_consumer_poll(rk_, 100);
      if (first == nullptr) continue;
      take(first, batch, offsets);
      rd_kafka_message_destroy(first);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.max_wait_ms);
      while (batch.size() < opts_.max_batch && !stopped_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        if (m == nullptr) break;
        take(m, batch, offsets);
        rd_kafka_message_destroy(m);
      }
      if (!batch.empty() && !apply(batch)) return;  // stopped before the batch was applied
      if (!offsets.empty()) commit(offsets);
    }
  }

  // Calls the handler until it succeeds; false when stopped first.
  bool apply(const std::vector<feed_event>& batch) {
    std::int64_t backoff = 0;
    for (;;) {
      auto r = handler_(batch);
      if (r) {
        count([&](feed_stats& s) {
          ++s.batches;
          s.delivered += batch.size();
        });
        return true;
      }
      count([](feed_stats& s) { ++s.handler_failures; });
      spdlog::warn("feed consumer: handler failed, retrying the batch: {}", r.error());
      backoff = backoff == 0 ? opts_.backoff_min_ms : std::min(backoff * 2, opts_.backoff_max_ms);
      std::unique_lock<std::mutex> lock(wake_mu_);
      if (wake_cv_.wait_for(lock, std::chrono::milliseconds(backoff), [&] { return stopped_.load(); })) return false;
    }
  }

  void commit(const std::map<std::pair<std::string, std::int32_t>, std::int64_t>& offsets) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
    for (const auto& [tp, next] : offsets) {
      rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = next;
    }
    const auto e = rd_kafka_commit(rk_, list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // The events stay applied; after a restart they come again and are
      // dropped by version by a persistent projection.
      count([](feed_stats& s) { ++s.commit_errors; });
      spdlog::warn("feed consumer: commit failed: {}", rd_kafka_err2str(e));
    }
  }

  feed_consumer_options opts_;
  feed_handler handler_;
  event_deduper dedupe_;
  rd_kafka_t* rk_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  mutable std::mutex stats_mu_;
  feed_stats stats_;
};

expected<std::unique_ptr<feed_consumer>, std::string> feed_consumer::start(const feed_consumer_options& options,
                                                                         feed_handler handler) {
  auto p = std::make_unique<impl>(options, std::move(handler));
  if (auto r = p->init(); !r) return unexpected(r.error());
  return std::unique_ptr<feed_consumer>(new feed_consumer(std::move(p)));
}

feed_consumer::feed_consumer(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
feed_consumer::~feed_consumer() = default;
void feed_consumer::stop() { impl_->stop(); }
feed_stats feed_consumer::stats() const { return impl_->stats(); }

}  // namespace agora::bus
