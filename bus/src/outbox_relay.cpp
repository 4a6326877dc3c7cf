#include "bus/outbox_relay.hpp"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "bus/src/checkpoint_tracker.hpp"
#include "bus/src/envelope_reader.hpp"
#include "bus/src/rdkafka_util.hpp"
#include "eventstore/event_store.hpp"
#include "common/thread_name.hpp"

namespace agora::bus {

const char* to_string(relay_state s) noexcept {
  switch (s) {
    case relay_state::stopped: return "stopped";
    case relay_state::running: return "running";
    case relay_state::backing_off: return "backing_off";
    case relay_state::broker_down: return "broker_down";
  }
  return "?";
}

using eventstore::log_position;
using steady = std::chrono::steady_clock;

class outbox_relay::impl {
 public:
  impl(eventstore::event_store& store, relay_options options) : store_(store), opts_(std::move(options)) {}
  ~impl() { stop(); }

  expected<void, std::string> start();
  void stop();
  relay_stats stats() const {
    std::lock_guard<std::mutex> lock(stats_mu_);
    relay_stats s = shared_;
    const log_position last = store_.last_position();
    s.lag = last > s.last_delivered_position ? last - s.last_delivered_position : 0;
    return s;
  }
  bool wait_for_delivered(log_position position, std::int64_t timeout_ms) const {
    std::unique_lock<std::mutex> lock(stats_mu_);
    return delivered_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                  [&] { return shared_.last_delivered_position >= position; });
  }

 private:
  // Relay thread.
  void run();
  expected<void, std::string> create_producer();
  void destroy_producer();
  void restart_from_checkpoint();
  void produce_batch();
  void maybe_checkpoint(bool force);
  void publish_stats();
  void note_error(std::string what);
  void sleep_backoff();
  rd_kafka_topic_t* topic_handle(std::string_view name);

  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  eventstore::event_store& store_;
  const relay_options opts_;
  std::map<std::string, std::string> extra_props_;

  std::thread thread_;
  bool started_ = false;
  std::atomic<bool> stop_{false};
  eventstore::subscription sub_;
  // Wakes the relay thread from a backoff pause when stopping.
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  // First stage: reads and encodes the log ahead of the producer.
  std::unique_ptr<detail::envelope_reader> reader_;

  // Owned by the relay thread (and by start() before the thread exists).
  rd_kafka_t* rk_ = nullptr;
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics_;
  std::string_view last_topic_;  // topic_handle()'s one-entry cache
  rd_kafka_topic_t* last_rkt_ = nullptr;
  std::unique_ptr<detail::encoded_batch> batch_;  // being produced
  detail::checkpoint_tracker tracker_;
  log_position persisted_ = 0;  // checkpoint as written
  steady::time_point persisted_at_;
  bool failed_ = false;         // a delivery failed or the producer hit a fatal error
  bool broker_down_ = false;
  bool backing_off_ = false;
  bool queue_full_ = false;
  std::int64_t backoff_ms_ = 0;
  std::uint64_t published_ = 0, skipped_ = 0, retries_ = 0, queue_fulls_ = 0;

  mutable std::mutex stats_mu_;
  mutable std::condition_variable delivered_cv_;
  relay_stats shared_;  // errors and last_error are written here directly (both threads report errors)
};

expected<void, std::string> outbox_relay::impl::start() {
  if (started_) return unexpected(std::string("outbox relay: already started"));
  if (auto valid = opts_.validate(); !valid) return unexpected("outbox relay: " + valid.error().message);
  if (opts_.mode == broker_mode::off) return unexpected(std::string("outbox relay: kafka.brokers is off"));
  if (opts_.bootstrap_servers.empty()) return unexpected(std::string("outbox relay: no bootstrap servers"));
  std::string why;
  auto props = parse_properties(opts_.producer_properties, &why);
  if (!props) return unexpected("outbox relay: kafka.producer_properties: " + why);
  extra_props_ = std::move(*props);

  auto cp = store_.get_checkpoint(opts_.checkpoint_name);
  if (!cp) return unexpected("outbox relay: reading checkpoint: " + cp.error().message);
  persisted_ = cp->value_or(0);
  persisted_at_ = steady::now();
  tracker_.reset(persisted_);
  // A bad property shows here, to the caller, rather than in the thread.
  if (auto made = create_producer(); !made) return unexpected("outbox relay: " + made.error());

  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    shared_ = relay_stats{};
    shared_.state = relay_state::running;
    shared_.last_delivered_position = persisted_;
    shared_.checkpoint = persisted_;
  }
  detail::envelope_reader::options ro;
  ro.scan_batch = opts_.scan_batch;
  ro.backoff_min_ms = opts_.backoff_min_ms;
  ro.backoff_max_ms = opts_.backoff_max_ms;
  ro.publish_personal_data = opts_.publish_personal_data;
  reader_ = std::make_unique<detail::envelope_reader>(store_, opts_.topics, ro,
                                                      [this](std::string what) { note_error(std::move(what)); });
  reader_->start(persisted_ + 1);
  // Store commit thread: a notify, nothing that can wait long.
  sub_ = store_.subscribe([reader = reader_.get()](log_position) { reader->notify_commit(); });
  stop_ = false;
  started_ = true;
  spdlog::info("outbox relay: publishing from position {} to {} ({})", persisted_ + 1, opts_.bootstrap_servers,
               to_string(opts_.mode));
  thread_ = std::thread([this] {
    set_current_thread_name("relay-producer");
    run();
  });
  return {};
}

void outbox_relay::impl::stop() {
  if (!started_) return;
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stop_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  sub_.reset();
  reader_->stop();
  reader_.reset();
  started_ = false;
  std::lock_guard<std::mutex> lock(stats_mu_);
  shared_.state = relay_state::stopped;
}

expected<void, std::string> outbox_relay::impl::create_producer() {
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", opts_.bootstrap_servers},
      {"client.id", opts_.client_id},
      // Idempotence: librdkafka retries inside with sequence numbers, so a
      // partition never sees a gap, a duplicate from its own retries, or a
      // reordering. It implies acks=all; say so anyway.
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"max.in.flight.requests.per.connection", "5"},
      {"linger.ms", std::to_string(opts_.linger_ms)},
      {"batch.size", std::to_string(std::min<std::uint64_t>(opts_.batch_bytes, 2147483647u))},
      {"message.max.bytes", std::to_string(std::min<std::uint64_t>(opts_.message_max_bytes, 1000000000u))},
      {"message.timeout.ms", std::to_string(opts_.message_timeout_ms)},
      {"queue.buffering.max.messages",
       std::to_string(std::clamp<std::size_t>(opts_.max_in_flight_events, 1, 10000000))},
      // Reconnect attempts are logged as errors by default; an outage is
      // already in the relay's state and counters.
      {"log.connection.close", "false"},
  };
  for (const auto& [k, v] : extra_props_) props[k] = v;
  auto conf = detail::make_conf(props);
  if (!conf) return unexpected(conf.error());
  rd_kafka_conf_set_opaque(*conf, this);
  rd_kafka_conf_set_dr_msg_cb(*conf, &impl::on_delivery);
  rd_kafka_conf_set_error_cb(*conf, &impl::on_error);
  rd_kafka_conf_set_log_cb(*conf, &detail::log_to_spdlog);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err, sizeof err);
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return unexpected(std::string("rd_kafka_new: ") + err);
  }
  failed_ = false;
  broker_down_ = false;
  return {};
}

void outbox_relay::impl::destroy_producer() {
  if (rk_ == nullptr) return;
  // Whatever is still queued or in flight is given up: it is republished from
  // the checkpoint. Purged messages come back as delivery failures, which are
  // expected here; confirmations that still arrive are counted.
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  const auto deadline = steady::now() + std::chrono::seconds(2);
  while (rd_kafka_outq_len(rk_) > 0 && steady::now() < deadline) rd_kafka_poll(rk_, 10);
  for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  topics_.clear();
  last_topic_ = {};
  last_rkt_ = nullptr;
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
}

void outbox_relay::impl::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<impl*>(opaque);
  const auto position = static_cast<log_position>(reinterpret_cast<std::uintptr_t>(m->_private));
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (self->tracker_.confirm(position)) ++self->published_;
    self->broker_down_ = false;
    self->backoff_ms_ = 0;
    return;
  }
  if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) return;
  // librdkafka has retried already. Never skip: publish again from the checkpoint.
  if (!self->failed_) {
    self->note_error("delivery of position " + std::to_string(position) + " failed: " + rd_kafka_err2str(m->err));
  }
  self->failed_ = true;
}

void outbox_relay::impl::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<impl*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    const auto orig = rd_kafka_fatal_error(rk, buf, sizeof buf);
    self->note_error(std::string("fatal producer error: ") + rd_kafka_err2name(orig) + ": " + buf);
    self->failed_ = true;
    return;
  }
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    if (!self->broker_down_) self->note_error(std::string("all brokers down: ") + reason);
    self->broker_down_ = true;
    return;
  }
  // Transient (transport, resolve, timeouts): librdkafka retries by itself.
  spdlog::debug("outbox relay: kafka: {}: {}", rd_kafka_err2name(code), reason);
}

void outbox_relay::impl::note_error(std::string what) {
  spdlog::warn("outbox relay: {}", what);
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++shared_.errors;
  shared_.last_error = std::move(what);
}

rd_kafka_topic_t* outbox_relay::impl::topic_handle(std::string_view name) {
  // Consecutive events mostly share a topic; views into the same topic map
  // entry compare equal by pointer.
  if (last_rkt_ != nullptr && name.data() == last_topic_.data() && name.size() == last_topic_.size()) {
    return last_rkt_;
  }
  auto it = topics_.find(name);
  rd_kafka_topic_t* rkt = nullptr;
  if (it != topics_.end()) {
    rkt = it->second;
  } else {
    rkt = rd_kafka_topic_new(rk_, std::string(name).c_str(), nullptr);
    if (rkt == nullptr) return nullptr;
    topics_.emplace(std::string(name), rkt);
  }
  last_topic_ = name;
  last_rkt_ = rkt;
  return rkt;
}

void outbox_relay::impl::produce_batch() {
  detail::encoded_batch& b = *batch_;
  while (b.produced < b.events.size()) {
    if (tracker_.in_flight() >= opts_.max_in_flight_events) return;  // wait for confirmations
    const detail::kafka_record& e = b.events[b.produced];
    if (e.position != tracker_.next()) {
      // The reader hands over consecutive positions; anything else would skip
      // or repeat events, so start over from the checkpoint instead.
      note_error("log reader handed over position " + std::to_string(e.position) + ", expected " +
                 std::to_string(tracker_.next()));
      failed_ = true;
      return;
    }
    if (e.topic.empty()) {
      tracker_.push(e.position, true);
      ++skipped_;
      ++b.produced;
      continue;
    }
    rd_kafka_topic_t* rkt = topic_handle(e.topic);
    if (rkt == nullptr) {
      note_error("cannot create topic handle " + std::string(e.topic) + ": " +
                 rd_kafka_err2str(rd_kafka_last_error()));
      failed_ = true;
      return;
    }
    const std::string_view key = b.slice(e.key_offset, e.key_size);
    const std::string_view value = b.slice(e.value_offset, e.value_size);
    const std::string_view type = b.slice(e.type_offset, e.type_size);

    rd_kafka_vu_t vus[8];
    vus[0].vtype = RD_KAFKA_VTYPE_RKT;
    vus[0].u.rkt = rkt;
    vus[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vus[1].u.i = RD_KAFKA_MSG_F_COPY;  // the batch is reused; librdkafka keeps its own copy
    vus[2].vtype = RD_KAFKA_VTYPE_KEY;
    vus[2].u.mem.ptr = const_cast<char*>(key.data());
    vus[2].u.mem.size = key.size();
    vus[3].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[3].u.mem.ptr = const_cast<char*>(value.data());
    vus[3].u.mem.size = value.size();
    vus[4].vtype = RD_KAFKA_VTYPE_HEADER;
    vus[4].u.header = {"event_id", e.id_text, static_cast<ssize_t>(sizeof e.id_text)};
    vus[5].vtype = RD_KAFKA_VTYPE_HEADER;
    vus[5].u.header = {"event_type", type.data(), static_cast<ssize_t>(type.size())};
    vus[6].vtype = RD_KAFKA_VTYPE_HEADER;
    vus[6].u.header = {"position", e.position_text, static_cast<ssize_t>(e.position_text_size)};
    vus[7].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vus[7].u.ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(e.position));

    rd_kafka_error_t* err = rd_kafka_produceva(rk_, vus, 8);
    if (err != nullptr) {
      const auto code = rd_kafka_error_code(err);
      if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // Not an error: wait for deliveries to make room, then go on from here.
        ++queue_fulls_;
        queue_full_ = true;
      } else {
        note_error("produce of position " + std::to_string(e.position) + " failed: " + rd_kafka_error_string(err));
        failed_ = true;
      }
      rd_kafka_error_destroy(err);
      return;
    }
    tracker_.push(e.position);
    ++b.produced;
  }
  reader_->recycle(std::move(batch_));
}

void outbox_relay::impl::restart_from_checkpoint() {
  destroy_producer();
  ++retries_;
  // Everything unconfirmed is published again, in log order, by a new
  // producer (new producer id, fresh sequence numbers).
  tracker_.reset(tracker_.confirmed());
  reader_->recycle(std::move(batch_));
  reader_->restart(tracker_.confirmed() + 1);
  maybe_checkpoint(true);
  sleep_backoff();
}

void outbox_relay::impl::sleep_backoff() {
  backoff_ms_ = backoff_ms_ == 0 ? opts_.backoff_min_ms : std::min(backoff_ms_ * 2, opts_.backoff_max_ms);
  backing_off_ = true;
  publish_stats();
  std::unique_lock<std::mutex> lock(wake_mu_);
  wake_cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms_), [&] { return stop_.load(); });
  backing_off_ = false;
}

void outbox_relay::impl::maybe_checkpoint(bool force) {
  const log_position confirmed = tracker_.confirmed();
  if (confirmed <= persisted_) return;
  const auto now = steady::now();
  if (!force && confirmed - persisted_ < opts_.checkpoint_events &&
      now - persisted_at_ < std::chrono::milliseconds(opts_.checkpoint_interval_ms)) {
    return;
  }
  auto r = store_.put_checkpoint(opts_.checkpoint_name, confirmed);
  if (!r) {
    note_error("writing checkpoint " + std::to_string(confirmed) + ": " + r.error().message);
    return;  // tried again next time; a stale checkpoint only costs duplicates
  }
  persisted_ = confirmed;
  persisted_at_ = now;
}

void outbox_relay::impl::publish_stats() {
  bool moved = false;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    moved = shared_.last_delivered_position != tracker_.confirmed();
    shared_.state = backing_off_ ? relay_state::backing_off
                    : broker_down_ ? relay_state::broker_down
                                   : relay_state::running;
    shared_.published = published_;
    shared_.skipped = skipped_;
    shared_.last_delivered_position = tracker_.confirmed();
    shared_.checkpoint = persisted_;
    shared_.in_flight = tracker_.in_flight();
    shared_.retries = retries_;
    shared_.queue_full = queue_fulls_;
  }
  if (moved) delivered_cv_.notify_all();
}

void outbox_relay::impl::run() {
  while (!stop_) {
    if (rk_ == nullptr) {
      if (auto made = create_producer(); !made) {
        note_error("creating the producer: " + made.error());
        sleep_backoff();
        continue;
      }
    }
    rd_kafka_poll(rk_, 0);
    if (failed_) {
      restart_from_checkpoint();
      continue;
    }
    queue_full_ = false;
    if (!batch_) batch_ = reader_->pop(std::chrono::milliseconds(0));
    if (batch_) produce_batch();
    maybe_checkpoint(false);
    publish_stats();
    if (failed_) continue;
    if (queue_full_ || tracker_.in_flight() >= opts_.max_in_flight_events) {
      rd_kafka_poll(rk_, 10);  // wait for deliveries to make room
    } else if (!batch_) {
      // Nothing read ahead: wait for the reader, serving deliveries often
      // enough while some are due.
      batch_ = reader_->pop(std::chrono::milliseconds(tracker_.in_flight() > 0 ? 1 : 100));
    }
  }
  // Stopping: give what is in flight a bounded chance to be confirmed, so the
  // checkpoint moves past it, then give up the rest.
  if (rk_ != nullptr) {
    const auto deadline = steady::now() + std::chrono::milliseconds(opts_.stop_timeout_ms);
    while (tracker_.in_flight() > 0 && !failed_ && steady::now() < deadline) rd_kafka_poll(rk_, 10);
    destroy_producer();
  }
  maybe_checkpoint(true);
  publish_stats();
  batch_.reset();
  spdlog::info("outbox relay: stopped at position {} ({} published)", tracker_.confirmed(), published_);
}

outbox_relay::outbox_relay(eventstore::event_store& store, relay_options options)
    : impl_(std::make_unique<impl>(store, std::move(options))) {}
outbox_relay::~outbox_relay() = default;
expected<void, std::string> outbox_relay::start() { return impl_->start(); }
void outbox_relay::stop() { impl_->stop(); }
relay_stats outbox_relay::stats() const { return impl_->stats(); }
bool outbox_relay::wait_for_delivered(eventstore::log_position position, std::int64_t timeout_ms) const {
  return impl_->wait_for_delivered(position, timeout_ms);
}

}  // namespace agora::bus
