#include "realtime/src/hub.hpp"

#include <utility>

namespace agora::realtime::detail {

hub::hub(realtime_deps d, realtime_options o)
    : opts(std::move(o)), deps(d), slow_consumer_closes(&own_slow_), idle_closes(&own_idle_),
      bytes_sent(&own_bytes_), messages_sent(&own_messages_), revoked_closes(&own_revoked_),
      bad_messages(&own_bad_), connections_gauge(&own_connections_) {
  auto* m = deps.metrics;
  if (m == nullptr) return;
  connections_gauge = &m->add_gauge("agora_realtime_connections", "Open WebSocket connections (realtime feed)").get();
  subscriptions_gauge = &m->add_gauge("agora_realtime_subscriptions", "Subscriptions per channel family", {"channel"});
  slow_consumer_closes = &m->add_counter("agora_realtime_slow_consumer_closes_total",
                                         "Connections closed 1013 because their send queue was full")
                              .get();
  idle_closes = &m->add_counter("agora_realtime_idle_closes_total",
                                "Connections closed because the client was silent past realtime.idle_timeout")
                     .get();
  bytes_sent = &m->add_counter("agora_realtime_bytes_sent_total", "Message bytes written to WebSocket clients").get();
  messages_sent = &m->add_counter("agora_realtime_messages_sent_total", "Messages written to WebSocket clients").get();
  revoked_closes = &m->add_counter("agora_realtime_token_closes_total",
                                   "Connections closed 4401 (token expired or revoked)")
                        .get();
  bad_messages = &m->add_counter("agora_realtime_bad_messages_total",
                                 "Client messages refused (malformed, binary, too large)")
                      .get();
}

void hub::attach_fan_out(caf::actor a) {
  std::lock_guard lock(fan_out_mu_);
  fan_out_ = std::move(a);
}

caf::actor hub::detach_fan_out() {
  std::lock_guard lock(fan_out_mu_);
  return std::exchange(fan_out_, caf::actor{});
}

bool hub::add_session(std::uint64_t id, std::weak_ptr<ws_session> s) {
  std::lock_guard lock(mu_);
  if (stopping.load() || sessions_.size() >= opts.max_connections) return false;
  sessions_.emplace(id, std::move(s));
  connections_gauge->set(static_cast<double>(sessions_.size()));
  return true;
}

void hub::remove_session(std::uint64_t id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
  connections_gauge->set(static_cast<double>(sessions_.size()));
}

std::vector<std::shared_ptr<ws_session>> hub::live() const {
  std::vector<std::shared_ptr<ws_session>> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, w] : sessions_) {
    if (auto s = w.lock()) out.push_back(std::move(s));
  }
  return out;
}

std::size_t hub::open() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

bool hub::add_user(const std::string& user) {
  std::lock_guard lock(mu_);
  auto& n = per_user_[user];
  if (n >= opts.max_connections_per_user) return false;
  ++n;
  return true;
}

void hub::remove_user(const std::string& user) {
  std::lock_guard lock(mu_);
  auto it = per_user_.find(user);
  if (it != per_user_.end() && --it->second == 0) per_user_.erase(it);
}

void hub::set_subscriptions(std::map<std::string, std::uint64_t> counts) {
  std::lock_guard lock(mu_);
  if (subscriptions_gauge) {
    for (const auto& [family, n] : subscriptions_) {
      if (!counts.count(family)) subscriptions_gauge->with({family}).set(0);
    }
    for (const auto& [family, n] : counts) subscriptions_gauge->with({family}).set(static_cast<double>(n));
  }
  subscriptions_ = std::move(counts);
}

std::vector<std::pair<std::string, std::uint64_t>> hub::subscriptions() const {
  std::lock_guard lock(mu_);
  return {subscriptions_.begin(), subscriptions_.end()};
}

}  // namespace agora::realtime::detail
