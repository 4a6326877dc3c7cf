#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "common/config.hpp"
#include "common/json_writer.hpp"

namespace agora::http {

rate_limit_options rate_limit_options::from_config(config& cfg, std::string_view prefix,
                                                   const rate_limit_options& defaults) {
  rate_limit_options o = defaults;
  std::string p(prefix);
  // Rates are configured in requests per minute: integers read well there.
  o.rate_per_second = static_cast<double>(cfg.get_int(p + ".per_minute",
                                                      static_cast<std::int64_t>(std::llround(defaults.rate_per_second * 60)),
                                                      "sustained requests per minute per key")) /
                      60.0;
  o.burst = static_cast<double>(
      cfg.get_int(p + ".burst", static_cast<std::int64_t>(defaults.burst), "requests allowed in a burst per key"));
  o.max_keys = static_cast<std::size_t>(
      cfg.get_int(p + ".max_keys", static_cast<std::int64_t>(defaults.max_keys), "keys tracked at most"));
  return o;
}

struct rate_limiter::shard {
  struct bucket {
    std::string key;
    double tokens = 0;
    timestamp_us updated = 0;
  };
  using lru_list = std::list<bucket>;  // front = most recently used

  std::mutex mu;
  lru_list lru;
  std::unordered_map<std::string_view, lru_list::iterator> index;  // views into lru nodes
  std::size_t max_keys = 1;
};

rate_limiter::rate_limiter(rate_limit_options options) : opts_(options) {
  if (opts_.shards == 0) opts_.shards = 1;
  if (opts_.burst < 1) opts_.burst = 1;
  if (opts_.rate_per_second <= 0) opts_.rate_per_second = 1e-9;
  for (std::size_t i = 0; i < opts_.shards; ++i) {
    auto s = std::make_unique<shard>();
    s->max_keys = std::max<std::size_t>(1, opts_.max_keys / opts_.shards);
    shards_.push_back(std::move(s));
  }
}

rate_limiter::~rate_limiter() = default;

rate_decision rate_limiter::try_acquire(std::string_view key, timestamp_us now, double cost) {
  shard& s = *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
  std::lock_guard lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) {
    if (s.lru.size() >= s.max_keys) {
      s.index.erase(std::string_view(s.lru.back().key));
      s.lru.pop_back();
    }
    s.lru.push_front(shard::bucket{std::string(key), opts_.burst, now});
    it = s.index.emplace(std::string_view(s.lru.front().key), s.lru.begin()).first;
  } else {
    s.lru.splice(s.lru.begin(), s.lru, it->second);
  }
  shard::bucket& b = *it->second;
  // A clock that moved backwards refills nothing (and takes nothing away).
  if (now > b.updated) {
    double elapsed = static_cast<double>(now - b.updated) / 1e6;
    b.tokens = std::min(opts_.burst, b.tokens + elapsed * opts_.rate_per_second);
    b.updated = now;
  }
  rate_decision d;
  if (b.tokens >= cost) {
    b.tokens -= cost;
    d.allowed = true;
    d.remaining = static_cast<std::int64_t>(std::floor(b.tokens));
    return d;
  }
  d.allowed = false;
  d.remaining = 0;
  double wait = (cost - b.tokens) / opts_.rate_per_second;
  d.retry_after_seconds = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)));
  return d;
}

response too_many_requests(const request& req, const rate_decision& d) {
  std::int64_t after = std::max<std::int64_t>(1, d.retry_after_seconds);
  response r = problem(req, 429, "rate-limited", "Too Many Requests",
                       "rate limit exceeded; retry in " + std::to_string(after) + " s", {},
                       [after](json_writer& w) { w.key("retry_after").value(after); });
  r.headers.set("Retry-After", std::to_string(after));
  return r;
}

std::size_t rate_limiter::tracked_keys() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->lru.size();
  }
  return n;
}

}  // namespace agora::http
