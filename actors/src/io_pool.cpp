#include "actors/src/io_pool.hpp"

#include "common/thread_name.hpp"

#include <spdlog/spdlog.h>

namespace agora::actors::detail {

io_pool::io_pool(int threads, std::size_t queue_limit) : limit_(queue_limit) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] {
      set_current_thread_name("actors-io");
      run();
    });
  }
}

void io_pool::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

io_pool::~io_pool() { stop(); }

bool io_pool::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopping_ || jobs_.size() >= limit_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

void io_pool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("actors: io job threw: {}", e.what());
    } catch (...) {
      spdlog::error("actors: io job threw");
    }
  }
}

}  // namespace agora::actors::detail
