#pragma once
// Private: what the sessions, the fan-out and the service share: options,
// collaborators, the books of live connections (in all and per account) and
// the counters behind /metrics and the admin stats. Thread-safe.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/actor.hpp>
#include <caf/send.hpp>

#include "http/metrics.hpp"
#include "realtime/realtime_service.hpp"

namespace agora::realtime::detail {

class ws_session;

struct hub {
  hub(realtime_deps d, realtime_options o);

  realtime_options opts;
  realtime_deps deps;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> next_id{1};

  /// Sends `m` to the fan-out (non-blocking); dropped once stopping (the
  /// fan-out is ending and forgets every session anyway).
  ///
  /// Sent under the lock, without copying the handle: a thread outside CAF
  /// that dropped the last reference to the actor would destroy it there and
  /// keep the actor system's logger referenced in a thread-local for as long
  /// as that thread lives (CAF 0.17), and the system's destructor waits for
  /// the logger.
  template <class M>
  void tell(M&& m) {
    if (stopping.load()) return;
    std::lock_guard lock(fan_out_mu_);
    if (fan_out_) caf::anon_send(fan_out_, std::forward<M>(m));
  }
  /// The fan-out actor, set before the route is handed out.
  void attach_fan_out(caf::actor a);
  /// Forgets the fan-out (stop()) and returns it.
  caf::actor detach_fan_out();

  /// Enters a new connection; false at realtime.max_connections or stopping.
  bool add_session(std::uint64_t id, std::weak_ptr<ws_session> s);
  void remove_session(std::uint64_t id);
  /// The live connections (for stop()).
  std::vector<std::shared_ptr<ws_session>> live() const;
  std::size_t open() const;
  /// Counts a connection of `user`; false at max_connections_per_user.
  bool add_user(const std::string& user);
  void remove_user(const std::string& user);

  /// The fan-out's subscription counts per channel family.
  void set_subscriptions(std::map<std::string, std::uint64_t> counts);
  std::vector<std::pair<std::string, std::uint64_t>> subscriptions() const;

  // Counters: the registry's when there is one, else these.
  http::counter* slow_consumer_closes;
  http::counter* idle_closes;
  http::counter* bytes_sent;
  http::counter* messages_sent;
  http::counter* revoked_closes;
  http::counter* bad_messages;
  http::gauge* connections_gauge;
  http::gauge_family* subscriptions_gauge = nullptr;

 private:
  http::counter own_slow_, own_idle_, own_bytes_, own_messages_, own_revoked_, own_bad_;
  http::gauge own_connections_;
  std::mutex fan_out_mu_;
  caf::actor fan_out_;
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<ws_session>> sessions_;
  std::unordered_map<std::string, std::size_t> per_user_;
  std::map<std::string, std::uint64_t> subscriptions_;
};

}  // namespace agora::realtime::detail
