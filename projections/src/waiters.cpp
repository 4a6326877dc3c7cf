#include "projections/src/waiters.hpp"

#include <utility>

namespace agora::projections::detail {

bool waiters::add(eventstore::log_position position, time_point deadline, wait_callback done) {
  const std::uint64_t id = next_id_++;
  waiter w;
  w.done = std::move(done);
  w.by_position = by_position_.emplace(position, id);
  w.by_deadline = by_deadline_.emplace(deadline, id);
  const bool earliest = w.by_deadline == by_deadline_.begin();
  by_id_.emplace(id, std::move(w));
  return earliest;
}

std::vector<wait_callback> waiters::take_reached(eventstore::log_position position) {
  std::vector<wait_callback> out;
  while (!by_position_.empty() && by_position_.begin()->first <= position) {
    out.push_back(remove(by_position_.begin()->second));
  }
  return out;
}

std::vector<wait_callback> waiters::take_expired(time_point now) {
  std::vector<wait_callback> out;
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
    out.push_back(remove(by_deadline_.begin()->second));
  }
  return out;
}

wait_callback waiters::remove(std::uint64_t id) {
  auto w = by_id_.find(id);
  by_position_.erase(w->second.by_position);
  by_deadline_.erase(w->second.by_deadline);
  wait_callback done = std::move(w->second.done);
  by_id_.erase(w);
  return done;
}

std::vector<wait_callback> waiters::take_all() {
  std::vector<wait_callback> out;
  out.reserve(by_id_.size());
  for (auto& [id, w] : by_id_) out.push_back(std::move(w.done));
  by_id_.clear();
  by_position_.clear();
  by_deadline_.clear();
  return out;
}

std::optional<waiters::time_point> waiters::next_deadline() const {
  if (by_deadline_.empty()) return std::nullopt;
  return by_deadline_.begin()->first;
}

}  // namespace agora::projections::detail
