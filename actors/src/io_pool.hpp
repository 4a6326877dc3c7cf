#pragma once
// A few threads for blocking work (store reads on activation, snapshot
// writes), so CAF's scheduler workers never wait on disk.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace agora::actors::detail {

class io_pool {
 public:
  /// Starts `threads` workers; at most `queue_limit` jobs wait.
  io_pool(int threads, std::size_t queue_limit);
  /// Runs the jobs already queued, then joins the workers. Idempotent; later
  /// post() calls return false.
  void stop();
  ~io_pool();
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  /// Queues `job`. Returns false (and drops it) when the queue is full or the
  /// pool is stopping: the caller answers "overloaded" instead of waiting.
  [[nodiscard]] bool post(std::function<void()> job);

 private:
  void run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t limit_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace agora::actors::detail
