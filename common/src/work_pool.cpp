#include "common/work_pool.hpp"

#include "common/guarded.hpp"
#include "common/thread_name.hpp"

namespace agora {

work_pool::work_pool(std::string name, std::size_t threads, std::size_t max_queued, std::size_t max_per_source)
    : job_label_(name + " job"), max_queued_(max_queued),
      max_per_source_(max_per_source == 0 ? max_queued : max_per_source) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, name] {
      set_current_thread_name(name);
      run();
    });
  }
}

work_pool::~work_pool() { stop(); }

bool work_pool::post(std::string_view source, std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queued_ >= max_queued_) return false;
    auto it = sources_.find(std::string(source));
    if (it == sources_.end()) {
      it = sources_.emplace(std::string(source), std::deque<std::function<void()>>{}).first;
      // A source with nothing waiting joins the end of the turns.
      turns_.push_back(it->first);
    } else if (it->second.size() >= max_per_source_) {
      return false;
    }
    it->second.push_back(std::move(job));
    ++queued_;
  }
  cv_.notify_one();
  return true;
}

std::size_t work_pool::queued() const {
  std::lock_guard lock(mu_);
  return queued_;
}

std::size_t work_pool::queued(std::string_view source) const {
  std::lock_guard lock(mu_);
  auto it = sources_.find(std::string(source));
  return it == sources_.end() ? 0 : it->second.size();
}

void work_pool::stop() {
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

void work_pool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || queued_ != 0; });
      if (queued_ == 0) return;  // stopping and drained
      // The source whose turn it is gives one job, then goes to the end of
      // the turns (or leaves them when it has nothing more).
      auto it = sources_.find(turns_.front());
      job = std::move(it->second.front());
      it->second.pop_front();
      --queued_;
      if (it->second.empty()) {
        turns_.pop_front();
        sources_.erase(it);
      } else {
        turns_.splice(turns_.end(), turns_, turns_.begin());
      }
    }
    call_guarded(job_label_, job);
  }
}

}  // namespace agora
