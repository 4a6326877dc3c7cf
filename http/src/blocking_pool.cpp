#include "http/blocking_pool.hpp"

#include "common/thread_name.hpp"

#include <exception>

#include <spdlog/spdlog.h>

namespace agora::http {

blocking_pool::blocking_pool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      set_current_thread_name("http-blocking");
      run();
    });
  }
}

blocking_pool::~blocking_pool() { stop(); }

bool blocking_pool::post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

std::size_t blocking_pool::queued() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void blocking_pool::stop() {
  std::lock_guard stop_lock(stop_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void blocking_pool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("blocking_pool: job threw: {}", e.what());
    } catch (...) {
      spdlog::error("blocking_pool: job threw a non-standard exception");
    }
  }
}

}  // namespace agora::http
