// The write path: validation on the caller's thread, then one writer thread that
// turns whatever is queued into one atomic, synced RocksDB write.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <simdjson.h>

#include "common/guarded.hpp"
#include "eventstore/src/byte_order.hpp"
#include "eventstore/src/envelope_codec.hpp"
#include "eventstore/src/store_impl.hpp"

namespace agora::eventstore {

namespace {

constexpr std::size_t kMaxTypeBytes = 128;
constexpr std::size_t kMaxMetaBytes = 256;

store_error make_error(errc code, std::string message) {
  return store_error{code, std::move(message), 0};
}

// Calls `done` and keeps an exception in a caller's callback from killing the
// writer thread: errors are values, but a callback is foreign code.
void deliver(const append_callback& done, store_result<append_result> r) noexcept {
  if (!done) return;
  call_guarded("eventstore: append callback", [&] { done(std::move(r)); });
}

bool is_valid_json(std::string_view data) {
  // One parser per thread: it keeps its buffers between calls.
  thread_local simdjson::dom::parser parser;
  auto doc = parser.parse(data.data(), data.size(), /*realloc_if_needed=*/true);
  return doc.error() == simdjson::SUCCESS;
}

}  // namespace

std::optional<store_error> event_store::validate_stream_id(std::string_view stream,
                                                           std::size_t max_bytes) {
  if (stream.empty()) return make_error(errc::invalid_stream_id, "stream id is empty");
  if (stream.size() > max_bytes) {
    return make_error(errc::invalid_stream_id,
                      "stream id is " + std::to_string(stream.size()) + " bytes; the limit is " +
                          std::to_string(max_bytes));
  }
  for (unsigned char c : stream) {
    if (c < 0x20 || c == 0x7f) {
      return make_error(errc::invalid_stream_id,
                        c == 0 ? "stream id contains NUL" : "stream id contains a control character");
    }
  }
  return std::nullopt;
}

std::optional<store_error> event_store::impl::validate_event(const new_event& e) const {
  if (e.type.empty() || e.type.size() > kMaxTypeBytes) {
    return make_error(errc::invalid_event, "event type must be 1.." + std::to_string(kMaxTypeBytes) +
                                               " bytes, got " + std::to_string(e.type.size()));
  }
  for (unsigned char c : e.type) {
    if (c < 0x21 || c > 0x7e) {
      return make_error(errc::invalid_event, "event type must be printable ASCII without spaces");
    }
  }
  if (e.correlation_id.size() > kMaxMetaBytes || e.causation_id.size() > kMaxMetaBytes ||
      e.actor.size() > kMaxMetaBytes) {
    return make_error(errc::invalid_event, "correlation id, causation id and actor are limited to " +
                                               std::to_string(kMaxMetaBytes) + " bytes each");
  }
  if (e.data.size() > opts_.max_event_bytes) {
    return make_error(errc::too_large, "event data is " + std::to_string(e.data.size()) +
                                           " bytes; the limit is " +
                                           std::to_string(opts_.max_event_bytes));
  }
  if (e.data.empty()) return make_error(errc::invalid_event, "event data is empty (use {} for none)");
  if (opts_.validate_json && !is_valid_json(e.data)) {
    return make_error(errc::invalid_event, "event data of type " + e.type + " is not valid JSON");
  }
  return std::nullopt;
}

void event_store::impl::async_append(std::string stream, expected_version expected,
                                     std::vector<new_event> events, append_callback done,
                                     append_options options) {
  // Answers on this thread: the append was never queued.
  auto reject = [this](append_callback& cb, store_error err) {
    append_errors_.fetch_add(1, std::memory_order_relaxed);
    deliver(cb, agora::unexpected{std::move(err)});
  };
  if (opts_.mode != open_mode::read_write) {
    return reject(done, make_error(errc::invalid_argument, "the store was opened read-only"));
  }
  if (auto err = validate_stream_id(stream, opts_.max_stream_id_bytes)) return reject(done, std::move(*err));
  if (events.size() > opts_.max_events_per_append) {
    return reject(done, make_error(errc::too_large, std::to_string(events.size()) +
                                                  " events in one append; the limit is " +
                                                  std::to_string(opts_.max_events_per_append)));
  }
  pending_append p;
  p.envelopes.reserve(events.size());
  timestamp_us now = 0;
  for (auto& e : events) {
    if (auto err = validate_event(e)) return reject(done, std::move(*err));
    if (e.timestamp == 0 || e.id.is_nil()) {
      if (now == 0) now = clock_->now();
      if (e.timestamp == 0) e.timestamp = now;
      if (e.id.is_nil()) e.id = uuid::time_ordered_v7(now);
    }
    p.envelopes.push_back(detail::encode_envelope(stream, e));
    p.bytes += p.envelopes.back().size() + stream.size() + 32;
  }
  if (p.bytes > opts_.max_batch_bytes) {
    return reject(done, make_error(errc::too_large, "append is " + std::to_string(p.bytes) +
                                                  " bytes encoded; the limit is " +
                                                  std::to_string(opts_.max_batch_bytes)));
  }
  p.stream = std::move(stream);
  p.expected = expected;
  p.done = std::move(done);
  p.options = options;
  std::optional<store_error> refused;
  {
    std::lock_guard<std::mutex> lk(queue_mu_);
    if (stopping_) {
      refused = make_error(errc::shutting_down, "the store is closing");
    } else if (queue_.size() >= opts_.max_queued_appends) {
      refused = make_error(errc::overloaded, "append queue is full (" +
                                                 std::to_string(opts_.max_queued_appends) +
                                                 " appends waiting); retry later");
    } else {
      queue_.push_back(std::move(p));
      queued_.store(queue_.size(), std::memory_order_relaxed);
    }
  }
  if (refused) return reject(p.done, std::move(*refused));
  queue_cv_.notify_one();
}

void event_store::impl::run_writer() {
  std::vector<pending_append> batch;
  batch.reserve(opts_.max_batch_appends);
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(queue_mu_);
      queue_cv_.wait(lk, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) break;  // stopping, and everything accepted is written
      std::size_t bytes = 0;
      while (!queue_.empty() && batch.size() < opts_.max_batch_appends) {
        auto& front = queue_.front();
        if (!batch.empty() && bytes + front.bytes > opts_.max_batch_bytes) break;
        bytes += front.bytes;
        batch.push_back(std::move(front));
        queue_.pop_front();
      }
      queued_.store(queue_.size(), std::memory_order_relaxed);
    }
    written_batch wb = write_batch(batch);
    batch = std::vector<pending_append>();
    batch.reserve(opts_.max_batch_appends);
    if (!opts_.sync) {
      complete(wb, wb.last_position);  // as durable as configured: answer now
      continue;
    }
    // Even a batch that wrote nothing (all conflicts) waits its turn, so
    // answers keep the order of the log: a caller told "wrong version, it is
    // at v" can then read version v.
    std::unique_lock<std::mutex> lk(sync_mu_);
    sync_space_cv_.wait(lk, [this] { return unsynced_.size() < kMaxUnsyncedBatches; });
    unsynced_.push_back(std::move(wb));
    sync_cv_.notify_one();
  }
  std::lock_guard<std::mutex> lk(sync_mu_);
  writer_done_ = true;
  sync_cv_.notify_one();
}

void event_store::impl::run_syncer() {
  std::deque<written_batch> work;
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(sync_mu_);
      sync_cv_.wait(lk, [this] { return !unsynced_.empty() || writer_done_; });
      if (unsynced_.empty()) return;
      work.swap(unsynced_);
    }
    sync_space_cv_.notify_all();
    log_position last = 0;
    for (const auto& wb : work) last = std::max(last, wb.last_position);
    rocksdb::Status s;
    if (last != 0) {
      // One fsync makes every batch written so far durable: the WAL is
      // sequential, so syncing it covers all earlier writes.
      const auto t0 = std::chrono::steady_clock::now();
      s = db_->SyncWAL();
      write_micros_.fetch_add(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                            std::chrono::steady_clock::now() - t0)
                                                            .count()),
                              std::memory_order_relaxed);
      sync_writes_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!s.ok()) {
      // Written but not known to be durable. RocksDB stops accepting writes
      // after a failed sync; these appends' outcome is unknown to us, and we
      // say so rather than claim either way.
      spdlog::error("eventstore: WAL sync failed: {}", s.ToString());
      for (auto& wb : work) {
        for (auto& r : wb.results) {
          if (r.has_value() && r->first_position != 0) {
            r = agora::unexpected{store_error{
                errc::io_error, "WAL sync failed, the append may or may not be stored: " + s.ToString(), 0}};
          }
        }
        complete(wb, 0);
      }
    } else {
      for (auto& wb : work) complete(wb, last);
    }
    work.clear();
  }
}

void event_store::impl::complete(written_batch& wb, log_position durable) {
  if (durable > last_position_.load(std::memory_order_relaxed)) publish_commit(durable);
  std::uint64_t ok = 0;
  for (const auto& r : wb.results) ok += r.has_value() ? 1 : 0;
  appends_.fetch_add(ok, std::memory_order_relaxed);
  append_errors_.fetch_add(wb.results.size() - ok, std::memory_order_relaxed);
  for (std::size_t i = 0; i < wb.appends.size(); ++i) deliver(wb.appends[i].done, std::move(wb.results[i]));
}

store_result<stream_version> event_store::impl::writer_version_of(const std::string& stream) {
  if (auto it = versions_.find(stream); it != versions_.end()) return it->second;
  auto v = read_version(stream);
  if (!v) return v;
  // A simple bound: when full, forget everything; versions are re-read on demand.
  if (versions_.size() >= opts_.version_cache_entries) versions_.clear();
  versions_.emplace(stream, *v);
  return v;
}

written_batch event_store::impl::write_batch(std::vector<pending_append>& batch) {
  batch_.Clear();
  std::vector<store_result<append_result>> results;
  results.reserve(batch.size());
  // Versions as this batch leaves them; applied to versions_ only once written.
  std::unordered_map<std::string_view, stream_version> touched;
  touched.reserve(batch.size());
  log_position pos = next_position_;
  std::uint64_t events = 0;

  for (auto& req : batch) {
    stream_version current = 0;
    if (auto it = touched.find(req.stream); it != touched.end()) {
      current = it->second;
    } else {
      auto v = writer_version_of(req.stream);
      if (!v) {
        results.emplace_back(agora::unexpected{v.error()});
        continue;
      }
      current = *v;
    }
    if (!req.expected.matches(current)) {
      results.emplace_back(agora::unexpected{store_error{
          errc::wrong_expected_version,
          "stream '" + req.stream + "' is at version " + std::to_string(current) + ", expected " +
              req.expected.to_string(),
          current}});
      continue;
    }
    if (req.envelopes.empty()) {
      results.emplace_back(append_result{current, 0, 0});
      continue;
    }
    const log_position first = pos + 1;
    for (auto& env : req.envelopes) {
      ++current;
      ++pos;
      detail::patch_stream_version(env, current);
      const detail::position_key pk(pos);
      // Log keys rise with every put (the memtable's sequential-insert path);
      // index keys rise per stream (the per-stream insert hint, see open()).
      batch_.Put(log_cf_, rocksdb::Slice(pk.bytes, 8), env);
      batch_.Put(streams_cf_, detail::stream_version_key(req.stream, current), rocksdb::Slice(pk.bytes, 8));
    }
    if (req.options.wakeup == append_options::wakeup_change::set) {
      char due[8];
      detail::put_be64(due, static_cast<std::uint64_t>(req.options.wakeup_at));
      batch_.Put(wakeups_cf_, req.stream, rocksdb::Slice(due, 8));
    } else if (req.options.wakeup == append_options::wakeup_change::clear) {
      batch_.Delete(wakeups_cf_, req.stream);
    }
    touched[req.stream] = current;
    events += req.envelopes.size();
    results.emplace_back(append_result{current, first, pos});
  }

  written_batch out;
  if (events > 0) {
    rocksdb::WriteOptions wo;
    // With sync on, the syncer thread fsyncs the WAL for this and any later
    // batches while this thread writes the next one: fsync and memtable work
    // overlap instead of adding up.
    wo.sync = false;
    const auto t0 = std::chrono::steady_clock::now();
    const rocksdb::Status s = db_->Write(wo, &batch_);
    write_micros_.fetch_add(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                          std::chrono::steady_clock::now() - t0)
                                                          .count()),
                            std::memory_order_relaxed);
    batches_.fetch_add(1, std::memory_order_relaxed);
    if (!s.ok()) {
      // Nothing of this batch is acknowledged. RocksDB keeps a failed batch out
      // entirely, so positions and versions stay as they were.
      spdlog::error("eventstore: write of {} events failed: {}", events, s.ToString());
      for (auto& r : results) {
        if (r.has_value() && r->first_position != 0) {
          r = agora::unexpected{store_error{errc::io_error, "write failed: " + s.ToString(), 0}};
        }
      }
    } else {
      next_position_ = pos;
      out.last_position = pos;
      for (const auto& [stream, v] : touched) {
        if (auto it = versions_.find(std::string(stream)); it != versions_.end()) {
          it->second = v;
        } else {
          if (versions_.size() >= opts_.version_cache_entries) versions_.clear();
          versions_.emplace(std::string(stream), v);
        }
      }
      events_.fetch_add(events, std::memory_order_relaxed);
    }
  }
  if (batch.size() > batch_appends_max_.load(std::memory_order_relaxed)) {
    batch_appends_max_.store(batch.size(), std::memory_order_relaxed);
  }
  out.appends = std::move(batch);
  out.results = std::move(results);
  return out;
}

void event_store::impl::publish_commit(log_position pos) {
  {
    std::lock_guard<std::mutex> lk(position_mu_);
    last_position_.store(pos, std::memory_order_release);
  }
  position_cv_.notify_all();
  std::lock_guard<std::mutex> lk(listeners_->mu);
  for (auto& [id, listener] : listeners_->listeners) {
    call_guarded([&] { listener(pos); },
                 [&](std::string_view what) { spdlog::error("eventstore: commit listener {} threw: {}", id, what); });
  }
}

}  // namespace agora::eventstore
