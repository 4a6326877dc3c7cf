#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "common/config.hpp"
#include "common/json_writer.hpp"

namespace agora::http {

expected<rate_limit_options, option_error> rate_limit_options::from_config(config& cfg, std::string_view prefix,
                                                                         const rate_limit_options& defaults) {
  rate_limit_options o = defaults;
  std::string p(prefix);
  // Rates are configured in requests per minute: integers read well there.
  const auto per_minute = cfg.get_int(p + ".per_minute", static_cast<std::int64_t>(std::llround(defaults.rate_per_second * 60)),
                                      "sustained requests per minute per key");
  const auto burst =
      cfg.get_int(p + ".burst", static_cast<std::int64_t>(defaults.burst), "requests allowed in a burst per key");
  const auto max_keys = cfg.get_int(p + ".max_keys", static_cast<std::int64_t>(defaults.max_keys), "keys tracked at most");
  // Every key is read (and so declared for --print-config) before the first
  // refusal.
  if (per_minute < 1) return unexpected(make_option_error(p + ".per_minute", "must be >= 1"));
  if (burst < 1) return unexpected(make_option_error(p + ".burst", "must be >= 1"));
  if (max_keys < 1) return unexpected(make_option_error(p + ".max_keys", "must be >= 1"));
  o.rate_per_second = static_cast<double>(per_minute) / 60.0;
  o.burst = static_cast<double>(burst);
  o.max_keys = static_cast<std::size_t>(max_keys);
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

expected<failure_backoff_options, option_error> failure_backoff_options::from_config(
    config& cfg, std::string_view prefix, const failure_backoff_options& defaults) {
  failure_backoff_options o = defaults;
  std::string p(prefix);
  const auto failures = cfg.get_int(p + ".failures", defaults.free_failures, "failures in a row before the key is locked");
  const auto base_lock_ms = cfg.get_duration_ms(p + ".base_lock", defaults.base_lock_us / 1000,
                                                "how long the first lock lasts; each further failure doubles it");
  const auto max_lock_ms = cfg.get_duration_ms(p + ".max_lock", defaults.max_lock_us / 1000, "the longest lock");
  const auto max_keys = cfg.get_int(p + ".max_keys", static_cast<std::int64_t>(defaults.max_keys), "keys tracked at most");
  // Every key is read (and so declared for --print-config) before the first
  // refusal.
  if (failures < 1 || failures > 0xFFFFFFFFLL) {
    return unexpected(make_option_error(p + ".failures", "must be in 1..4294967295"));
  }
  if (base_lock_ms < 1) return unexpected(make_option_error(p + ".base_lock", "must be >= 1ms"));
  if (max_lock_ms < base_lock_ms) return unexpected(make_option_error(p + ".max_lock", "must be >= " + p + ".base_lock"));
  if (max_keys < 1) return unexpected(make_option_error(p + ".max_keys", "must be >= 1"));
  o.free_failures = static_cast<std::uint32_t>(failures);
  o.base_lock_us = base_lock_ms * 1000;
  o.max_lock_us = max_lock_ms * 1000;
  o.max_keys = static_cast<std::size_t>(max_keys);
  return o;
}

failure_backoff::failure_backoff(failure_backoff_options options) : opts_(options) {
  if (opts_.free_failures == 0) opts_.free_failures = 1;
  if (opts_.max_keys == 0) opts_.max_keys = 1;
  if (opts_.base_lock_us < 1) opts_.base_lock_us = 1;
  if (opts_.max_lock_us < opts_.base_lock_us) opts_.max_lock_us = opts_.base_lock_us;
}

failure_backoff::~failure_backoff() = default;

failure_backoff::entry* failure_backoff::find_or_add(std::string_view key) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return &*it->second;
  }
  if (lru_.size() >= opts_.max_keys) {
    // Forget the least recently seen key that has nothing in flight (an
    // attempt in flight must find its entry at finish()).
    for (auto victim = lru_.end(); victim != lru_.begin();) {
      --victim;
      if (victim->in_flight == 0) {
        index_.erase(std::string_view(victim->key));
        lru_.erase(victim);
        break;
      }
    }
  }
  lru_.push_front(entry{std::string(key), 0, 0, 0});
  index_.emplace(std::string_view(lru_.front().key), lru_.begin());
  return &lru_.front();
}

rate_decision failure_backoff::begin(std::string_view key, timestamp_us now) {
  std::lock_guard lock(mu_);
  entry& e = *find_or_add(key);
  rate_decision d;
  if (now < e.locked_until) {
    d.allowed = false;
    d.retry_after_seconds = std::max<std::int64_t>(1, (e.locked_until - now + 999'999) / 1'000'000);
    return d;
  }
  // Free failures left for attempts running at once; once they are used up
  // (the lock ran out), one attempt at a time.
  const std::uint32_t room = e.failures < opts_.free_failures ? opts_.free_failures - e.failures : 1;
  if (e.in_flight >= room) {
    d.allowed = false;
    d.retry_after_seconds = 1;  // the attempts in flight end within a hash's time
    return d;
  }
  ++e.in_flight;
  d.allowed = true;
  d.remaining = static_cast<std::int64_t>(room - e.in_flight);
  return d;
}

void failure_backoff::finish(std::string_view key, bool success, timestamp_us now) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return;  // cannot happen: an entry in flight is never forgotten
  entry& e = *it->second;
  if (e.in_flight > 0) --e.in_flight;
  if (success) {
    if (e.in_flight == 0) {
      const auto node = it->second;
      index_.erase(it);  // first: its key views the node's string
      lru_.erase(node);
    } else {
      e.failures = 0;
      e.locked_until = 0;
    }
    return;
  }
  ++e.failures;
  if (e.failures >= opts_.free_failures) {
    // The lock doubles with each failure past the free ones, up to the cap
    // (the shift is bounded so it cannot overflow).
    const std::uint32_t doublings = std::min<std::uint32_t>(e.failures - opts_.free_failures, 40);
    std::int64_t lock_us = opts_.base_lock_us;
    for (std::uint32_t i = 0; i < doublings && lock_us < opts_.max_lock_us; ++i) lock_us *= 2;
    lock_us = std::min(lock_us, opts_.max_lock_us);
    e.locked_until = std::max(e.locked_until, now + lock_us);
  }
}

void failure_backoff::abandon(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end() && it->second->in_flight > 0) --it->second->in_flight;
}

std::size_t failure_backoff::tracked_keys() const {
  std::lock_guard lock(mu_);
  return lru_.size();
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
