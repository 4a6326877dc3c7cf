#include "projections/src/change_listeners.hpp"

#include <utility>
#include <vector>

#include "common/guarded.hpp"

namespace agora::projections::detail {

change_subscription change_listeners::add(change_listener listener) {
  if (!listener) return {};
  std::uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    id = next_id_++;
    listeners_.emplace(id, std::make_shared<change_listener>(std::move(listener)));
    any_.store(true, std::memory_order_release);
  }
  std::weak_ptr<change_listeners> weak = shared_from_this();
  return change_subscription([weak, id] {
    if (auto self = weak.lock()) self->remove(id);
  });
}

void change_listeners::remove(std::uint64_t id) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    listeners_.erase(id);
    any_.store(!listeners_.empty(), std::memory_order_release);
  }
  // Wait for a delivery in progress, unless we are inside it.
  if (std::this_thread::get_id() != delivering_.load()) {
    std::lock_guard<std::mutex> d(delivery_mu_);
  }
}

void change_listeners::deliver(const change_batch& b) {
  std::lock_guard<std::mutex> d(delivery_mu_);
  delivering_.store(std::this_thread::get_id());
  // Called from a copy, so a listener may unregister itself or another during
  // the delivery; one unregistered from inside it may still get this batch.
  std::vector<std::shared_ptr<change_listener>> targets;
  {
    std::lock_guard<std::mutex> lk(mu_);
    targets.reserve(listeners_.size());
    for (const auto& [id, l] : listeners_) targets.push_back(l);
  }
  for (const auto& l : targets) call_guarded("projections: change listener", [&] { (*l)(b); });
  delivering_.store(std::thread::id{});
}

}  // namespace agora::projections::detail
