#pragma once
// Internal to agora_projections: a sorted map with cheap snapshots.
//
// The runner mutates one cow_map per index and, once per batch, copies it into
// an immutable snapshot. A copy shares every chunk (a sorted run of at most
// kMaxChunk entries) with the original; the first write to a shared chunk after
// that copies the chunk alone. So a snapshot costs one pointer per chunk, and a
// batch that touches k chunks copies k chunks, however large the map is. This is
// a two-level B+tree without rebalancing beyond split and drop-empty: enough,
// because keys are short and a chunk copy is a few microseconds.
//
// Which chunks may be written in place is decided by epochs, not by
// shared_ptr::use_count(): copying a map starts a new epoch in the original,
// and only chunks created or copied in the current epoch are written in place.
// A chunk a snapshot can see is therefore never written again, which is true
// by construction rather than by a racy reference count.
//
// Not thread-safe for writes (copying counts as a write to the original);
// const member functions of a copy that is no longer written are safe from
// any thread.

#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace agora::projections::detail {

template <class K, class V>
class cow_map {
 public:
  using value_type = std::pair<K, V>;

  cow_map() = default;
  /// Shares every chunk with `o`; both copy a chunk before writing to it.
  cow_map(const cow_map& o) : chunks_(o.chunks_), size_(o.size_), epoch_(++o.epoch_) {}
  cow_map& operator=(const cow_map& o) {
    if (this != &o) {
      chunks_ = o.chunks_;
      size_ = o.size_;
      epoch_ = ++o.epoch_;
    }
    return *this;
  }
  cow_map(cow_map&&) noexcept = default;
  cow_map& operator=(cow_map&&) noexcept = default;
  ~cow_map() = default;

  /// The value for `key`, or nullptr.
  const V* find(const K& key) const {
    const std::size_t c = chunk_for(key);
    if (c == npos) return nullptr;
    const auto& items = chunks_[c]->items;
    auto it = std::lower_bound(items.begin(), items.end(), key,
                               [](const value_type& e, const K& k) { return e.first < k; });
    if (it == items.end() || !(it->first == key)) return nullptr;
    return &it->second;
  }

  /// Inserts or replaces the value for `key`.
  void put(const K& key, V value) {
    if (chunks_.empty()) {
      chunks_.push_back(std::make_shared<chunk>(chunk{epoch_, {}}));
    }
    std::size_t c = chunk_for(key);
    if (c == npos) c = 0;  // before every key: goes to the first chunk
    auto& items = writable(c).items;
    auto it = std::lower_bound(items.begin(), items.end(), key,
                               [](const value_type& e, const K& k) { return e.first < k; });
    if (it != items.end() && it->first == key) {
      it->second = std::move(value);
      return;
    }
    items.insert(it, value_type(key, std::move(value)));
    ++size_;
    if (items.size() > kMaxChunk) split(c);
  }

  /// Removes `key`; returns whether it was present.
  bool erase(const K& key) {
    const std::size_t c = chunk_for(key);
    if (c == npos) return false;
    {
      const auto& ro = chunks_[c]->items;
      auto it = std::lower_bound(ro.begin(), ro.end(), key,
                                 [](const value_type& e, const K& k) { return e.first < k; });
      if (it == ro.end() || !(it->first == key)) return false;
    }
    auto& items = writable(c).items;
    auto it = std::lower_bound(items.begin(), items.end(), key,
                               [](const value_type& e, const K& k) { return e.first < k; });
    items.erase(it);
    --size_;
    if (items.empty()) chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
    return true;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// Visits entries with key >= `from` (all when `from` is null) in ascending
  /// order until `f(key, value)` returns false.
  template <class F>
  void scan_up(const K* from, F&& f) const {
    std::size_t c = 0;
    std::size_t i = 0;
    if (from != nullptr) {
      const std::size_t fc = chunk_for(*from);
      c = fc == npos ? 0 : fc;
      if (c < chunks_.size()) {
        const auto& items = chunks_[c]->items;
        i = static_cast<std::size_t>(
            std::lower_bound(items.begin(), items.end(), *from,
                             [](const value_type& e, const K& k) { return e.first < k; }) -
            items.begin());
      }
    }
    for (; c < chunks_.size(); ++c, i = 0) {
      const auto& items = chunks_[c]->items;
      for (; i < items.size(); ++i) {
        if (!f(items[i].first, items[i].second)) return;
      }
    }
  }

  /// Visits entries with key < `before` (all when `before` is null) in
  /// descending order until `f(key, value)` returns false.
  template <class F>
  void scan_down(const K* before, F&& f) const {
    if (chunks_.empty()) return;
    std::size_t c = chunks_.size() - 1;
    std::size_t end = chunks_[c]->items.size();
    if (before != nullptr) {
      const std::size_t bc = chunk_for(*before);
      if (bc == npos) return;
      c = bc;
      const auto& items = chunks_[c]->items;
      end = static_cast<std::size_t>(
          std::lower_bound(items.begin(), items.end(), *before,
                           [](const value_type& e, const K& k) { return e.first < k; }) -
          items.begin());
    }
    while (true) {
      const auto& items = chunks_[c]->items;
      for (std::size_t i = end; i > 0; --i) {
        if (!f(items[i - 1].first, items[i - 1].second)) return;
      }
      if (c == 0) return;
      --c;
      end = chunks_[c]->items.size();
    }
  }

 private:
  // Large enough that the chunk pointer vector stays small (a million entries
  // are ~4000 chunks), small enough that copying one chunk is cheap.
  static constexpr std::size_t kMaxChunk = 256;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  struct chunk {
    std::uint64_t epoch = 0;        // the epoch that created it
    std::vector<value_type> items;  // sorted by key, non-empty once in chunks_
  };

  // The last chunk whose first key is <= key, or npos when key sorts before all.
  std::size_t chunk_for(const K& key) const {
    if (chunks_.empty()) return npos;
    auto it = std::upper_bound(chunks_.begin(), chunks_.end(), key,
                               [](const K& k, const std::shared_ptr<chunk>& ch) {
                                 return !ch->items.empty() && k < ch->items.front().first;
                               });
    if (it == chunks_.begin()) {
      // An empty first chunk only exists right after the first put.
      return chunks_.front()->items.empty() ? 0 : npos;
    }
    return static_cast<std::size_t>(it - chunks_.begin()) - 1;
  }

  // The chunk, copied first unless it was created in this epoch (a copy of
  // the map made since may see it).
  chunk& writable(std::size_t c) {
    if (chunks_[c]->epoch != epoch_) {
      chunks_[c] = std::make_shared<chunk>(chunk{epoch_, chunks_[c]->items});
    }
    return *chunks_[c];
  }

  void split(std::size_t c) {
    auto& items = chunks_[c]->items;
    const std::size_t half = items.size() / 2;
    auto upper = std::make_shared<chunk>(chunk{epoch_, {}});
    upper->items.reserve(items.size() - half);
    for (std::size_t i = half; i < items.size(); ++i) upper->items.push_back(std::move(items[i]));
    // pop_back rather than erase: GCC 12 at -O3 reports a false
    // -Wnull-dereference in vector's range erase of shared_ptr elements.
    while (items.size() > half) items.pop_back();
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c) + 1, std::move(upper));
  }

  std::vector<std::shared_ptr<chunk>> chunks_;
  std::size_t size_ = 0;
  // Mutable: copying a map is logically const for it, but must end its epoch.
  mutable std::uint64_t epoch_ = 1;
};

}  // namespace agora::projections::detail
