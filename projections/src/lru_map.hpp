#pragma once
// Internal to agora_projections: a map that keeps at most `capacity` entries,
// forgetting the least recently used one first. The writer's cache of hot
// entries (an order gets most of its events within minutes of being placed).

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace agora::projections::detail {

/// Least-recently-used map from string keys. Not thread-safe.
template <class V>
class lru_map {
 public:
  explicit lru_map(std::size_t capacity) noexcept : capacity_(capacity) {}

  /// The entry for `key`, made the most recent; null when absent.
  V* find(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }
  /// Inserts or replaces; evicts the least recent entry beyond capacity.
  V& put(const std::string& key, V value) {
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->second = std::move(value);
      order_.splice(order_.begin(), order_, it->second);
      return it->second->second;
    }
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
    if (index_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    return order_.front().second;
  }
  void erase(const std::string& key) {
    if (auto it = index_.find(key); it != index_.end()) {
      order_.erase(it->second);
      index_.erase(it);
    }
  }
  std::size_t size() const noexcept { return index_.size(); }

 private:
  using entry = std::pair<std::string, V>;
  std::size_t capacity_;
  std::list<entry> order_;  // most recent first
  std::unordered_map<std::string, typename std::list<entry>::iterator> index_;
};

}  // namespace agora::projections::detail
