#pragma once
// The outbox relay's first stage: reads the log from a position and encodes
// each event into what the producer hands to Kafka (key, JSON envelope, header
// values, topic), a batch at a time, on a thread of its own. The producer
// thread then only calls into librdkafka; on 2 cores the two stages overlap
// and the relay is no longer bound by one thread doing everything.
//
// Batches are handed over through a bounded queue (`max_batches`), so the
// reader never runs further ahead than max_batches * scan_batch events, and
// reused, so steady state allocates nothing. restart() drops whatever was read
// ahead and makes the reader go on from a new position: the producer calls it
// when it publishes again from its checkpoint. A generation number makes sure
// a batch that was being read during a restart is thrown away, not delivered.
//
// Secrets never leave the store: each event's data goes through
// domain::redact_event_data() before it is encoded (password hashes dropped,
// personal data unless the options keep it), and streams that must not leave
// at all (domain::stream_may_leave) are encoded as skipped, so the checkpoint
// still moves past them. The domain declares what is sensitive, per event
// type; the relay only applies it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bus/relay_options.hpp"
#include "eventstore/event.hpp"

namespace agora::eventstore {
class event_store;
}

namespace agora::bus::detail {

/// One log event as a Kafka record, ready to produce (not domain::encoded_event,
/// an event's stored form). Offsets point into the batch's `bytes`.
struct kafka_record {
  eventstore::log_position position = 0;
  /// Topic name (a view into the relay's topic map); empty when the event is
  /// not published and only moves the checkpoint.
  std::string_view topic;
  std::uint32_t key_offset = 0, key_size = 0;
  std::uint32_t value_offset = 0, value_size = 0;
  std::uint32_t type_offset = 0, type_size = 0;
  std::uint8_t position_text_size = 0;
  char id_text[36];
  char position_text[20];
};

/// Consecutive log events, encoded.
struct encoded_batch {
  std::uint64_t generation = 0;
  std::string bytes;
  std::vector<kafka_record> events;
  /// How many of `events` the producer has handed to Kafka so far.
  std::size_t produced = 0;

  std::string_view slice(std::uint32_t offset, std::uint32_t size) const noexcept {
    return std::string_view(bytes.data() + offset, size);
  }
  void clear() noexcept {
    bytes.clear();
    events.clear();
    produced = 0;
  }
};

class envelope_reader {
 public:
  struct options {
    /// Events per batch (one log scan).
    std::size_t scan_batch = 8192;
    /// Batches read ahead of the producer, at most.
    std::size_t max_batches = 2;
    /// A batch's envelopes stop growing past this many bytes (the scan ends
    /// early), so a run of huge events cannot make one batch huge.
    std::size_t max_batch_bytes = 16u << 20;
    /// Pause after a failed log read, doubling up to backoff_max_ms.
    std::int64_t backoff_min_ms = 100;
    std::int64_t backoff_max_ms = 10000;
    /// Keep personal fields and streams (relay_options::publish_personal_data).
    /// Secret fields are dropped regardless.
    bool publish_personal_data = false;
  };
  using error_sink = std::function<void(std::string)>;

  /// `topics` must outlive the reader (encoded events keep views into it).
  /// `on_error` is called on the reader thread for a failed log read.
  envelope_reader(eventstore::event_store& store, const topic_map& topics, options opts, error_sink on_error);
  ~envelope_reader();
  envelope_reader(const envelope_reader&) = delete;
  envelope_reader& operator=(const envelope_reader&) = delete;

  /// Starts the thread, reading from `from`.
  void start(eventstore::log_position from);
  /// Stops and joins the thread. Idempotent.
  void stop();

  /// The store committed something: wake up if waiting for events.
  void notify_commit();

  /// The oldest ready batch, or null when none is ready within `wait`.
  /// Producer thread only.
  std::unique_ptr<encoded_batch> pop(std::chrono::milliseconds wait);
  /// Gives a consumed batch back for reuse.
  void recycle(std::unique_ptr<encoded_batch> batch);
  /// Batches ready and not yet taken (at most options::max_batches).
  std::size_t read_ahead() const;
  /// Drops every batch read ahead and goes on reading from `from`.
  void restart(eventstore::log_position from);

 private:
  void run();
  /// Reads up to scan_batch events from `from` into `batch`; false (reported
  /// to on_error_) when the log could not be read.
  bool encode(encoded_batch& batch, eventstore::log_position from);

  eventstore::event_store& store_;
  const topic_map& topics_;
  options opts_;  // normalised in the constructor
  const error_sink on_error_;

  mutable std::mutex mu_;
  std::condition_variable reader_cv_;    // room in the queue, events committed, restart, stop
  std::condition_variable producer_cv_;  // a batch is ready
  bool stop_ = false;
  std::uint64_t generation_ = 0;
  eventstore::log_position next_ = 1;  // next position to read
  std::deque<std::unique_ptr<encoded_batch>> ready_;
  std::vector<std::unique_ptr<encoded_batch>> free_;
  std::thread thread_;
};

}  // namespace agora::bus::detail
