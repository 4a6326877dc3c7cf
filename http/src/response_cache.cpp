#include "http/response_cache.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "common/config.hpp"

namespace agora::http {

namespace {

std::uint64_t fnv1a(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void append_part(std::string& key, std::string_view part) {
  key += std::to_string(part.size());
  key += ':';
  key += part;
}

}  // namespace

expected<response_cache_options, option_error> response_cache_options::from_config(config& cfg) {
  response_cache_options o;
  const auto entries =
      cfg.get_int("http.cache.max_entries", static_cast<std::int64_t>(o.max_entries), "cached responses at most");
  o.max_bytes = cfg.get_bytes("http.cache.max_bytes", o.max_bytes, "bytes of cached responses at most");
  // Refused rather than cast: a negative count would become a huge limit.
  if (entries < 0) return unexpected(make_option_error("http.cache.max_entries", "must be >= 0"));
  o.max_entries = static_cast<std::size_t>(entries);
  return o;
}

std::string make_cache_key(const request& req, bool vary_by_user, std::string_view ignored_param) {
  std::vector<std::pair<std::string_view, std::string_view>> q;
  q.reserve(req.query.size());
  for (const auto& [k, v] : req.query) {
    if (!ignored_param.empty() && k == ignored_param) continue;
    q.emplace_back(k, v);
  }
  // By name only, so repeated names keep their order: a route reads the first
  // value, and "?c=a&c=b" must not share an entry with "?c=b&c=a".
  std::stable_sort(q.begin(), q.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string key;
  key.reserve(64 + req.path.size());
  append_part(key, req.route_name);
  append_part(key, req.path);
  key += std::to_string(q.size());
  key += '|';
  for (const auto& [k, v] : q) {
    append_part(key, k);
    append_part(key, v);
  }
  if (vary_by_user) {
    key += 'u';
    append_part(key, req.user ? std::string_view(req.user->user_id) : std::string_view{});
  }
  return key;
}

std::string make_etag(std::string_view body) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(fnv1a(body)));
  return buf;
}

bool etag_matches(std::string_view inm, std::string_view etag) {
  auto strip_weak = [](std::string_view t) {
    if (t.size() >= 2 && t[0] == 'W' && t[1] == '/') t.remove_prefix(2);
    return t;
  };
  etag = strip_weak(etag);
  bool match = false;
  for_each_list_item(inm, [&](std::string_view item) { match = match || item == "*" || strip_weak(item) == etag; });
  return match;
}

struct response_cache::shard {
  struct node {
    std::string key;
    std::shared_ptr<const cache_entry> entry;
  };
  using lru_list = std::list<node>;  // front = most recently used

  std::mutex mu;
  lru_list lru;
  std::unordered_map<std::string, lru_list::iterator> index;
  std::unordered_map<std::string, std::unordered_set<std::string>> by_tag;
  std::size_t bytes = 0;
  std::size_t max_entries = 0;
  std::size_t max_bytes = 0;

  // Removes the entry at `it` and its tag links.
  void erase(lru_list::iterator it) {
    for (const auto& t : it->entry->tags) {
      auto tag_it = by_tag.find(t);
      if (tag_it == by_tag.end()) continue;
      tag_it->second.erase(it->key);
      if (tag_it->second.empty()) by_tag.erase(tag_it);
    }
    bytes -= it->entry->body.size();
    index.erase(it->key);
    lru.erase(it);
  }
};

response_cache::response_cache(response_cache_options options, const clock& clk) : opts_(options), clock_(clk) {
  if (opts_.shards == 0) opts_.shards = 1;
  for (std::size_t i = 0; i < opts_.shards; ++i) {
    auto s = std::make_unique<shard>();
    s->max_entries = std::max<std::size_t>(1, opts_.max_entries / opts_.shards);
    s->max_bytes = std::max<std::size_t>(1, opts_.max_bytes / opts_.shards);
    shards_.push_back(std::move(s));
  }
}

response_cache::~response_cache() = default;

response_cache::shard& response_cache::shard_for(std::string_view key) const {
  return *shards_[fnv1a(key) % shards_.size()];
}

std::shared_ptr<const cache_entry> response_cache::get(const std::string& key) { return get(key, clock_.now()); }

std::shared_ptr<const cache_entry> response_cache::get(const std::string& key, timestamp_us now) {
  shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  if (it->second->entry->expires_at <= now) {
    s.erase(it->second);
    expirations_.fetch_add(1, std::memory_order_relaxed);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second->entry;
}

bool response_cache::put(const std::string& key, cache_entry e, std::optional<std::uint64_t> fill_epoch) {
  shard& s = shard_for(key);
  if (e.body.size() > s.max_bytes) return false;
  if (e.expires_at == 0) {
    e.expires_at = clock_.now() + std::chrono::duration_cast<std::chrono::microseconds>(opts_.default_ttl).count();
  }
  // Tags de-duplicated so that erase() unlinks each once.
  std::sort(e.tags.begin(), e.tags.end());
  e.tags.erase(std::unique(e.tags.begin(), e.tags.end()), e.tags.end());
  auto entry = std::make_shared<const cache_entry>(std::move(e));

  std::lock_guard lock(s.mu);
  // Checked under the shard lock: invalidate() bumps the epoch before it takes
  // the shard locks, so either we see the new epoch here, or the invalidation
  // runs after our insert and removes the entry.
  if (fill_epoch && *fill_epoch != epoch()) {
    stale_puts_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (auto old = s.index.find(key); old != s.index.end()) s.erase(old->second);
  s.lru.push_front(shard::node{key, entry});
  s.index.emplace(key, s.lru.begin());
  s.bytes += entry->body.size();
  for (const auto& t : entry->tags) s.by_tag[t].insert(key);
  while (s.lru.size() > s.max_entries || s.bytes > s.max_bytes) {
    s.erase(std::prev(s.lru.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

std::size_t response_cache::invalidate(const std::vector<std::string>& tags) {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  std::size_t removed = 0;
  for (auto& sp : shards_) {
    shard& s = *sp;
    std::lock_guard lock(s.mu);
    for (const auto& t : tags) {
      auto tag_it = s.by_tag.find(t);
      if (tag_it == s.by_tag.end()) continue;
      // Copy: erase() edits the set we iterate.
      std::vector<std::string> keys(tag_it->second.begin(), tag_it->second.end());
      for (const auto& k : keys) {
        auto it = s.index.find(k);
        if (it == s.index.end()) continue;
        s.erase(it->second);
        ++removed;
      }
    }
  }
  invalidations_.fetch_add(removed, std::memory_order_relaxed);
  return removed;
}

void response_cache::clear() {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  for (auto& sp : shards_) {
    std::lock_guard lock(sp->mu);
    sp->lru.clear();
    sp->index.clear();
    sp->by_tag.clear();
    sp->bytes = 0;
  }
}

cache_stats response_cache::stats() const {
  cache_stats st;
  st.hits = hits_.load(std::memory_order_relaxed);
  st.misses = misses_.load(std::memory_order_relaxed);
  st.evictions = evictions_.load(std::memory_order_relaxed);
  st.invalidations = invalidations_.load(std::memory_order_relaxed);
  st.expirations = expirations_.load(std::memory_order_relaxed);
  st.stale_puts = stale_puts_.load(std::memory_order_relaxed);
  for (const auto& sp : shards_) {
    std::lock_guard lock(sp->mu);
    st.entries += sp->lru.size();
    st.bytes += sp->bytes;
  }
  return st;
}

}  // namespace agora::http
