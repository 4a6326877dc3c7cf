#include "bench/history_gen/history_writer.hpp"

#include <utility>

namespace agora::bench {

history_writer::history_writer(eventstore::event_store& store, std::size_t max_in_flight)
    : store_(store), max_in_flight_(max_in_flight == 0 ? 1 : max_in_flight) {}

history_writer::~history_writer() { drain(); }

bool history_writer::write(planned_append a) {
  if (in_flight_.load(std::memory_order_acquire) >= max_in_flight_) {
    std::unique_lock<std::mutex> lock(mu_);
    waiting_.store(true, std::memory_order_seq_cst);
    // Wake up at half: one wake-up per many answers, not one per answer.
    cv_.wait(lock, [&] {
      return in_flight_.load(std::memory_order_seq_cst) <= max_in_flight_ / 2 || failed_.load();
    });
    waiting_.store(false, std::memory_order_relaxed);
  }
  if (failed_.load(std::memory_order_acquire)) return false;
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
  const std::uint64_t n = a.events.size();
  store_.async_append(
      std::move(a.stream), eventstore::expected_version::exact(a.expected), std::move(a.events),
      [this, n](eventstore::store_result<eventstore::append_result> r) {
        // On the store's thread: short and never blocking.
        if (r) {
          events_.fetch_add(n, std::memory_order_relaxed);
        } else {
          std::lock_guard<std::mutex> lock(mu_);
          if (error_.empty()) error_ = r.error().message;
          failed_.store(true, std::memory_order_release);
        }
        const std::size_t left = in_flight_.fetch_sub(1, std::memory_order_seq_cst) - 1;
        if (waiting_.load(std::memory_order_seq_cst) && (left <= max_in_flight_ / 2 || !r)) {
          // Taking the mutex orders this notify after the waiter's check.
          std::lock_guard<std::mutex> lock(mu_);
          cv_.notify_all();
        }
      },
      a.options);
  return true;
}

bool history_writer::drain() {
  std::unique_lock<std::mutex> lock(mu_);
  waiting_.store(true, std::memory_order_seq_cst);
  cv_.wait(lock, [&] { return in_flight_.load(std::memory_order_seq_cst) == 0; });
  waiting_.store(false, std::memory_order_relaxed);
  return !failed_.load();
}

std::string history_writer::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

std::uint64_t history_writer::events_written() const { return events_.load(std::memory_order_relaxed); }

}  // namespace agora::bench
