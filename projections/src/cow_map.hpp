#pragma once
// Internal to agora_projections: a sorted map with cheap snapshots.
//
// The runner mutates one cow_map per index and, once per batch, copies it into
// an immutable snapshot. The map is a three-level B+tree without rebalancing
// beyond split and drop-empty:
//
//   segments_ (the root: a vector of segment pointers)
//     -> segment (at most kMaxSegment chunk pointers)
//       -> chunk (a sorted run of at most kMaxChunk entries)
//
// A copy shares every segment; the first write to a shared segment or chunk
// after that copies that segment or chunk alone. So a snapshot costs one
// pointer per segment (a million entries are a few hundred segments), and a
// write after a snapshot copies one segment of pointers and one chunk of
// entries, however large the map is. With two levels (a flat vector of
// chunks) the snapshot copied one pointer per chunk: its cost grew with the
// map, and at tens of thousands of orders it was most of the runner's time.
//
// Which segments and chunks may be written in place is decided by epochs, not
// by shared_ptr::use_count(): copying a map starts a new epoch in the
// original, and only nodes created or copied in the current epoch are written
// in place. A node a snapshot can see is therefore never written again, which
// is true by construction rather than by a racy reference count.
//
// Not thread-safe for writes (copying counts as a write to the original);
// const member functions of a copy that is no longer written are safe from
// any thread.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace agora::projections::detail {

template <class K, class V>
class cow_map {
 public:
  using value_type = std::pair<K, V>;

  cow_map() = default;
  /// Shares every segment with `o`; both copy a node before writing to it.
  cow_map(const cow_map& o) : segments_(o.segments_), size_(o.size_), epoch_(++o.epoch_) {}
  cow_map& operator=(const cow_map& o) {
    if (this != &o) {
      segments_ = o.segments_;
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
    const place p = locate(key);
    if (!p.found()) return nullptr;
    const auto& items = segments_[p.s]->chunks[p.c]->items;
    auto it = lower(items, key);
    if (it == items.end() || !(it->first == key)) return nullptr;
    return &it->second;
  }

  /// Inserts or replaces the value for `key`.
  void put(const K& key, V value) {
    if (segments_.empty()) {
      auto ch = std::make_shared<chunk>(chunk{epoch_, {}});
      ch->items.emplace_back(key, std::move(value));
      auto seg = std::make_shared<segment>(segment{epoch_, {}});
      seg->chunks.push_back(std::move(ch));
      segments_.push_back(std::move(seg));
      size_ = 1;
      return;
    }
    place p = locate(key);
    if (!p.found()) p = place{0, 0};  // before every key: goes to the first chunk
    segment& seg = writable_segment(p.s);
    auto& items = writable_chunk(seg, p.c).items;
    auto it = lower(items, key);
    if (it != items.end() && it->first == key) {
      it->second = std::move(value);
      return;
    }
    items.insert(it, value_type(key, std::move(value)));
    ++size_;
    if (items.size() > kMaxChunk) split_chunk(seg, p.c);
    if (seg.chunks.size() > kMaxSegment) split_segment(p.s);
  }

  /// Removes `key`; returns whether it was present.
  bool erase(const K& key) {
    const place p = locate(key);
    if (!p.found()) return false;
    {
      const auto& ro = segments_[p.s]->chunks[p.c]->items;
      auto it = lower(ro, key);
      if (it == ro.end() || !(it->first == key)) return false;
    }
    segment& seg = writable_segment(p.s);
    auto& items = writable_chunk(seg, p.c).items;
    items.erase(lower(items, key));
    --size_;
    if (items.empty()) {
      seg.chunks.erase(seg.chunks.begin() + static_cast<std::ptrdiff_t>(p.c));
      if (seg.chunks.empty()) segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(p.s));
    }
    return true;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// Visits entries with key >= `from` (all when `from` is null) in ascending
  /// order until `f(key, value)` returns false.
  template <class F>
  void scan_up(const K* from, F&& f) const {
    std::size_t s = 0, c = 0, i = 0;
    if (from != nullptr) {
      const place p = locate(*from);
      if (p.found()) {
        s = p.s;
        c = p.c;
        const auto& items = segments_[s]->chunks[c]->items;
        i = static_cast<std::size_t>(lower(items, *from) - items.begin());
      }
    }
    for (; s < segments_.size(); ++s, c = 0) {
      const auto& chunks = segments_[s]->chunks;
      for (; c < chunks.size(); ++c, i = 0) {
        const auto& items = chunks[c]->items;
        for (; i < items.size(); ++i) {
          if (!f(items[i].first, items[i].second)) return;
        }
      }
    }
  }

  /// Visits entries with key < `before` (all when `before` is null) in
  /// descending order until `f(key, value)` returns false.
  template <class F>
  void scan_down(const K* before, F&& f) const {
    if (segments_.empty()) return;
    std::size_t s = segments_.size() - 1;
    std::size_t c = segments_[s]->chunks.size() - 1;
    std::size_t end = segments_[s]->chunks[c]->items.size();
    if (before != nullptr) {
      const place p = locate(*before);
      if (!p.found()) return;
      s = p.s;
      c = p.c;
      const auto& items = segments_[s]->chunks[c]->items;
      end = static_cast<std::size_t>(lower(items, *before) - items.begin());
    }
    while (true) {
      const auto& items = segments_[s]->chunks[c]->items;
      for (std::size_t i = end; i > 0; --i) {
        if (!f(items[i - 1].first, items[i - 1].second)) return;
      }
      if (c == 0) {
        if (s == 0) return;
        --s;
        c = segments_[s]->chunks.size();
      }
      --c;
      end = segments_[s]->chunks[c]->items.size();
    }
  }

 private:
  // Small enough that copying a chunk (entries) or a segment (pointers) on
  // the first write after a snapshot is cheap; large enough that the root
  // stays short (kMaxChunk * kMaxSegment = 4096 entries per full segment).
  static constexpr std::size_t kMaxChunk = 64;
  static constexpr std::size_t kMaxSegment = 64;
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  struct chunk {
    std::uint64_t epoch = 0;        // the epoch that created it
    std::vector<value_type> items;  // sorted by key, non-empty once in a segment
  };
  struct segment {
    std::uint64_t epoch = 0;                     // the epoch that created it
    std::vector<std::shared_ptr<chunk>> chunks;  // in key order, non-empty
  };
  struct place {
    std::size_t s = npos, c = npos;
    bool found() const noexcept { return s != npos; }
  };

  static typename std::vector<value_type>::const_iterator lower(const std::vector<value_type>& items, const K& key) {
    return std::lower_bound(items.begin(), items.end(), key,
                            [](const value_type& e, const K& k) { return e.first < k; });
  }
  static typename std::vector<value_type>::iterator lower(std::vector<value_type>& items, const K& key) {
    return std::lower_bound(items.begin(), items.end(), key,
                            [](const value_type& e, const K& k) { return e.first < k; });
  }
  static const K& first_key(const chunk& ch) { return ch.items.front().first; }
  static const K& first_key(const segment& seg) { return first_key(*seg.chunks.front()); }

  // The last segment whose first key is <= key, and in it the last chunk whose
  // first key is <= key; not found() when key sorts before every entry.
  place locate(const K& key) const {
    auto sit = std::upper_bound(segments_.begin(), segments_.end(), key,
                                [](const K& k, const std::shared_ptr<segment>& seg) { return k < first_key(*seg); });
    if (sit == segments_.begin()) return {};
    const std::size_t s = static_cast<std::size_t>(sit - segments_.begin()) - 1;
    const auto& chunks = segments_[s]->chunks;
    auto cit = std::upper_bound(chunks.begin(), chunks.end(), key,
                                [](const K& k, const std::shared_ptr<chunk>& ch) { return k < first_key(*ch); });
    return place{s, static_cast<std::size_t>(cit - chunks.begin()) - 1};  // cit > begin: chunk 0 starts the segment
  }

  // The segment, copied first unless it was created in this epoch (a copy of
  // the map made since may see it).
  segment& writable_segment(std::size_t s) {
    if (segments_[s]->epoch != epoch_) segments_[s] = std::make_shared<segment>(segment{epoch_, segments_[s]->chunks});
    return *segments_[s];
  }

  // The chunk of a writable segment, copied first unless created in this epoch.
  chunk& writable_chunk(segment& seg, std::size_t c) {
    if (seg.chunks[c]->epoch != epoch_) seg.chunks[c] = std::make_shared<chunk>(chunk{epoch_, seg.chunks[c]->items});
    return *seg.chunks[c];
  }

  // Moves the upper half of chunk c (writable, in writable `seg`) into a new chunk after it.
  void split_chunk(segment& seg, std::size_t c) {
    auto& items = seg.chunks[c]->items;
    const std::size_t half = items.size() / 2;
    auto upper = std::make_shared<chunk>(chunk{epoch_, {}});
    upper->items.reserve(items.size() - half);
    for (std::size_t i = half; i < items.size(); ++i) upper->items.push_back(std::move(items[i]));
    // pop_back rather than erase: GCC 12 at -O3 reports a false
    // -Wnull-dereference in vector's range erase of shared_ptr elements.
    while (items.size() > half) items.pop_back();
    seg.chunks.insert(seg.chunks.begin() + static_cast<std::ptrdiff_t>(c) + 1, std::move(upper));
  }

  // Moves the upper half of segment s (writable) into a new segment after it.
  void split_segment(std::size_t s) {
    auto& chunks = segments_[s]->chunks;
    const std::size_t half = chunks.size() / 2;
    auto upper = std::make_shared<segment>(segment{epoch_, {}});
    upper->chunks.reserve(chunks.size() - half);
    for (std::size_t i = half; i < chunks.size(); ++i) upper->chunks.push_back(std::move(chunks[i]));
    while (chunks.size() > half) chunks.pop_back();
    segments_.insert(segments_.begin() + static_cast<std::ptrdiff_t>(s) + 1, std::move(upper));
  }

  std::vector<std::shared_ptr<segment>> segments_;
  std::size_t size_ = 0;
  // Mutable: copying a map is logically const for it, but must end its epoch.
  mutable std::uint64_t epoch_ = 1;
};

}  // namespace agora::projections::detail
