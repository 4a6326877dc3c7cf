#include "bus/src/envelope_reader.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "actors/domain/redaction.hpp"
#include "eventstore/event_json.hpp"
#include "eventstore/event_store.hpp"
#include "common/thread_name.hpp"

namespace agora::bus::detail {

envelope_reader::envelope_reader(eventstore::event_store& store, const topic_map& topics, options opts,
                                 error_sink on_error)
    : store_(store), topics_(topics), opts_(opts), on_error_(std::move(on_error)) {
  opts_.scan_batch = std::max<std::size_t>(opts_.scan_batch, 1);
  opts_.max_batches = std::max<std::size_t>(opts_.max_batches, 1);
  opts_.max_batch_bytes = std::clamp<std::size_t>(opts_.max_batch_bytes, 1, std::size_t{1} << 30);
}

envelope_reader::~envelope_reader() { stop(); }

void envelope_reader::start(eventstore::log_position from) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
    next_ = from == 0 ? 1 : from;
    ++generation_;
  }
  thread_ = std::thread([this] {
    set_current_thread_name("relay-reader");
    run();
  });
}

void envelope_reader::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  reader_cv_.notify_all();
  producer_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void envelope_reader::notify_commit() {
  // Taking the mutex orders this with the reader's check of last_position():
  // a commit between its check and its wait cannot be missed.
  { std::lock_guard<std::mutex> lock(mu_); }
  reader_cv_.notify_one();
}

std::unique_ptr<encoded_batch> envelope_reader::pop(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (ready_.empty() && wait.count() > 0) {
    producer_cv_.wait_for(lock, wait, [&] { return !ready_.empty() || stop_; });
  }
  if (ready_.empty()) return nullptr;
  auto batch = std::move(ready_.front());
  ready_.pop_front();
  lock.unlock();
  reader_cv_.notify_one();  // room for another batch
  return batch;
}

void envelope_reader::recycle(std::unique_ptr<encoded_batch> batch) {
  if (!batch) return;
  batch->clear();
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(batch));
}

std::size_t envelope_reader::read_ahead() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ready_.size();
}

void envelope_reader::restart(eventstore::log_position from) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
    next_ = from == 0 ? 1 : from;
    while (!ready_.empty()) {
      ready_.front()->clear();
      free_.push_back(std::move(ready_.front()));
      ready_.pop_front();
    }
  }
  reader_cv_.notify_one();
}

void envelope_reader::run() {
  std::int64_t backoff_ms = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    // Wait for room and for something to read. last_position() is read under
    // the mutex that notify_commit() takes, so no commit slips between.
    reader_cv_.wait_for(lock, std::chrono::milliseconds(100), [&] {
      return stop_ || (ready_.size() < opts_.max_batches && next_ <= store_.last_position());
    });
    if (stop_) break;
    if (ready_.size() >= opts_.max_batches || next_ > store_.last_position()) continue;
    const std::uint64_t generation = generation_;
    const eventstore::log_position from = next_;
    std::unique_ptr<encoded_batch> batch;
    if (free_.empty()) {
      batch = std::make_unique<encoded_batch>();
    } else {
      batch = std::move(free_.back());
      free_.pop_back();
    }
    lock.unlock();

    batch->clear();
    batch->generation = generation;
    const bool failed = !encode(*batch, from);

    lock.lock();
    if (failed) {
      free_.push_back(std::move(batch));
      backoff_ms = backoff_ms == 0 ? opts_.backoff_min_ms : std::min(backoff_ms * 2, opts_.backoff_max_ms);
      const std::uint64_t seen = generation_;
      reader_cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms),
                          [&] { return stop_ || generation_ != seen; });
      continue;
    }
    backoff_ms = 0;
    if (generation != generation_ || batch->events.empty()) {
      // Restarted while reading: what was read belongs to the old run.
      batch->clear();
      free_.push_back(std::move(batch));
      continue;
    }
    next_ = batch->events.back().position + 1;
    ready_.push_back(std::move(batch));
    producer_cv_.notify_one();
  }
}

bool envelope_reader::encode(encoded_batch& batch, eventstore::log_position from) {
  auto scanned = store_.scan_log(from, opts_.scan_batch, [&](const eventstore::event_view& e) {
    kafka_record out;
    out.position = e.position;
    const domain::redaction_policy policy{opts_.publish_personal_data};
    auto topic = topics_.topic_for(e.stream);
    if (topic && domain::stream_may_leave(e.stream, policy)) {
      // Usually nullopt (nothing to drop, decided without parsing).
      const std::optional<std::string> redacted = domain::redact_event_data(e.stream, e.type, e.data, policy);
      eventstore::event_view published = e;
      if (redacted) published.data = *redacted;
      std::string& bytes = batch.bytes;
      out.topic = *topic;
      out.key_offset = static_cast<std::uint32_t>(bytes.size());
      out.key_size = static_cast<std::uint32_t>(e.stream.size());
      bytes.append(e.stream.data(), e.stream.size());
      out.type_offset = static_cast<std::uint32_t>(bytes.size());
      out.type_size = static_cast<std::uint32_t>(e.type.size());
      bytes.append(e.type.data(), e.type.size());
      out.value_offset = static_cast<std::uint32_t>(bytes.size());
      eventstore::append_event_json(bytes, published);
      out.value_size = static_cast<std::uint32_t>(bytes.size() - out.value_offset);
      e.id.format_to(out.id_text);
      out.position_text_size = static_cast<std::uint8_t>(
          std::to_chars(out.position_text, out.position_text + sizeof out.position_text, e.position).ptr -
          out.position_text);
    }
    batch.events.push_back(out);
    // max_batch_bytes (at most 1 GiB) plus one event keeps 32-bit offsets valid.
    return batch.bytes.size() < opts_.max_batch_bytes;
  });
  if (!scanned) {
    batch.clear();
    if (on_error_) on_error_("reading the log at " + std::to_string(from) + ": " + scanned.error().message);
    return false;
  }
  return true;
}

}  // namespace agora::bus::detail
