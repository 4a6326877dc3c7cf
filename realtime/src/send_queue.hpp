#pragma once
// Private to agora_realtime: a session's queue of messages waiting to be
// written, FIFO. Not a std::deque: libstdc++'s allocates ~570 bytes as soon as
// it is constructed, which every idle connection would pay (bench/RESULTS.md,
// "Realtime fan-out"); this one holds no memory while empty.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace agora::realtime::detail {

/// FIFO of shared, immutable messages. Touched from one thread only (its
/// session's executor). Empty: no heap memory held.
class send_queue {
 public:
  using message = std::shared_ptr<const std::string>;

  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }

  void push_back(message m) { items_.push_back(std::move(m)); }

  /// The oldest message. Precondition: !empty().
  const message& front() const noexcept { return items_[head_]; }

  /// Drops the oldest message. Precondition: !empty().
  void pop_front() {
    items_[head_++].reset();
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= 32 && head_ * 2 >= items_.size()) {
      // Reclaim the consumed prefix once it is at least half of the vector:
      // amortized O(1) per message.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  /// Drops every message and frees the memory.
  void clear() noexcept {
    std::vector<message>().swap(items_);
    head_ = 0;
  }

 private:
  std::vector<message> items_;
  std::size_t head_ = 0;
};

}  // namespace agora::realtime::detail
