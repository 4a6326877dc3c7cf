#include "bench/history_gen/history_writer.hpp"

#include <utility>

namespace agora::bench {

history_writer::history_writer(eventstore::event_store& store, std::size_t max_in_flight)
    : store_(store), max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight) {}

history_writer::~history_writer() { drain(); }

bool history_writer::write(planned_append a) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (in_flight_ >= max_in_flight_) {
      waiting_ = true;
      // Wake up at half: one wake-up per many answers, not one per answer.
      cv_.wait(lock, [&] { return in_flight_ <= max_in_flight_ / 2 || !error_.empty(); });
      waiting_ = false;
    }
    if (!error_.empty()) return false;
    ++in_flight_;
  }
  const std::size_t n = a.events.size();
  std::string stream = a.stream;
  store_.async_append(
      std::move(a.stream), eventstore::expected_version::exact(a.expected), std::move(a.events),
      [this, n, stream = std::move(stream)](eventstore::store_result<eventstore::append_result> r) {
        // On the store's thread: short and never blocking.
        std::lock_guard<std::mutex> lock(mu_);
        --in_flight_;
        if (r) {
          events_ += n;
        } else if (error_.empty()) {
          error_ = "append to " + stream + ": " + r.error().message;
        }
        if ((waiting_ && in_flight_ <= max_in_flight_ / 2) || in_flight_ == 0 || !error_.empty()) cv_.notify_all();
      },
      a.options);
  return true;
}

bool history_writer::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  waiting_ = true;
  cv_.wait(lock, [&] { return in_flight_ == 0; });
  waiting_ = false;
  return error_.empty();
}

std::string history_writer::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

std::uint64_t history_writer::events_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

}  // namespace agora::bench
