#pragma once
// An in-memory cache of rendered GET responses, invalidated by tags.
//
// Entries carry tags naming what they were computed from ("product:123",
// "catalog", "orders:customer:42"). When a projection applies a batch, it
// invalidates the tags of what changed, so a cached answer is never older than
// the projection; a per-entry TTL bounds anything a tag does not cover, and
// max_entries / max_bytes bound memory (least recently used goes first).
//
// The fill race: a handler renders from a read-model snapshot, and before it
// put()s, an invalidation for that data happens; storing would keep the stale
// answer until its TTL. Read epoch() before reading the read model and pass
// it to put(): a put that raced an invalidation is not stored.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/clock.hpp"
#include "common/expected.hpp"
#include "common/option_error.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace agora {
class config;
}

namespace agora::http {

/// One cached response.
struct cache_entry {
  std::string body;
  std::string content_type = "application/json";
  /// A strong ETag including its quotes, e.g. "\"9f2c...\"" (see make_etag).
  std::string etag;
  /// What the entry depends on; invalidate() matches these exactly.
  std::vector<std::string> tags;
  /// Absolute expiry (microseconds); 0 = the cache's default TTL from put().
  timestamp_us expires_at = 0;
};

struct response_cache_options {
  /// Entries at most (over all shards).
  std::size_t max_entries = 10000;
  /// Body bytes at most (over all shards).
  std::size_t max_bytes = 64u << 20;
  /// TTL of entries that do not set expires_at.
  std::chrono::milliseconds default_ttl{60000};
  /// Independent locks; readers of different keys rarely meet.
  std::size_t shards = 16;

  /// Reads http.cache.max_entries and http.cache.max_bytes; unset keys keep
  /// the defaults above. A negative max_entries is refused, naming the key.
  static expected<response_cache_options, option_error> from_config(config& cfg);
};

/// Counters since construction.
struct cache_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  /// Removed to respect max_entries / max_bytes.
  std::uint64_t evictions = 0;
  /// Removed because a tag was invalidated.
  std::uint64_t invalidations = 0;
  /// Found expired on get().
  std::uint64_t expirations = 0;
  /// put()s refused because an invalidation raced the fill.
  std::uint64_t stale_puts = 0;
  std::size_t entries = 0;
  std::size_t bytes = 0;
};

/// The cache key of a GET: route name, path, the query with its parameters
/// sorted (so "?a=1&b=2" and "?b=2&a=1" share an entry) and, for answers that
/// differ per customer, the user id. Keys are unambiguous: every part is
/// length-prefixed, so a decoded '&' or '=' inside a name or value can never
/// make one query look like another. `ignored_param`, when not empty, names a
/// query parameter left out of the key because it changes when, not what, is
/// shown (min_position).
std::string make_cache_key(const request& req, bool vary_by_user, std::string_view ignored_param = {});

/// A strong ETag from the body's content (64-bit FNV-1a, stable across
/// processes and nodes): "\"<16 hex digits>\"".
std::string make_etag(std::string_view body);
/// True when an If-None-Match value matches `etag`: "*", or any listed tag
/// under weak comparison (W/ prefixes ignored), as RFC 9110 13.1.2 asks.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

/// Thread-safe, sharded LRU cache with tags and TTLs.
class response_cache {
 public:
  explicit response_cache(response_cache_options options = {}, const clock& clk = system_clock::instance());
  ~response_cache();
  response_cache(const response_cache&) = delete;
  response_cache& operator=(const response_cache&) = delete;

  /// The entry for `key`, or nullptr (miss, or expired: then removed). Shared
  /// and immutable, so readers never copy the body. Marks it recently used.
  std::shared_ptr<const cache_entry> get(const std::string& key);
  /// The same, judging expiry at `now` instead of the cache's clock.
  std::shared_ptr<const cache_entry> get(const std::string& key, timestamp_us now);
  /// Stores (or replaces) `key`. With `fill_epoch` (from epoch(), read before
  /// rendering), the entry is not stored when an invalidation happened since.
  /// An entry larger than a shard's share of max_bytes is not stored.
  /// Returns whether it was stored.
  bool put(const std::string& key, cache_entry e, std::optional<std::uint64_t> fill_epoch = std::nullopt);
  /// Removes exactly the entries carrying any of `tags`. Returns how many.
  std::size_t invalidate(const std::vector<std::string>& tags);
  /// Removes everything.
  void clear();
  /// Incremented by every invalidate() and clear().
  std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_acquire); }

  cache_stats stats() const;

 private:
  struct shard;
  shard& shard_for(std::string_view key) const;

  response_cache_options opts_;
  const clock& clock_;
  std::vector<std::unique_ptr<shard>> shards_;
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, evictions_{0}, invalidations_{0}, expirations_{0},
      stale_puts_{0};
};

}  // namespace agora::http
