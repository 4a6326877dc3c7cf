#include "realtime/src/fan_out.hpp"

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/post.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "projections/change_tags.hpp"
#include "projections/projection_runner.hpp"
#include "realtime/src/messages.hpp"
#include "realtime/src/ws_session.hpp"

namespace agora::realtime::detail {

namespace {

using eventstore::log_position;
using session_ptr = std::shared_ptr<ws_session>;

struct member {
  session_ptr s;
  /// Messages at or before this position are not sent (see fan_out.hpp).
  log_position after = 0;
};

/// A channel's subscribers on one io thread: a message for them is one post
/// to that thread, not one per subscriber (10,000 subscribers on two io
/// threads: two posts per message).
struct shard {
  net::any_io_executor exec;
  std::vector<member> members;
};
using shard_list = std::vector<std::shared_ptr<const shard>>;

struct channel_entry {
  std::string family;
  std::unordered_map<std::uint64_t, member> members;
  /// The members grouped by io thread; rebuilt when members changed.
  shard_list shards;
  bool shards_dirty = true;

  const shard_list& by_thread() {
    if (!shards_dirty) return shards;
    shards_dirty = false;
    std::unordered_map<const void*, std::shared_ptr<shard>> by;
    for (const auto& [sid, mem] : members) {
      auto& sh = by[mem.s->thread_key()];
      if (!sh) {
        sh = std::make_shared<shard>();
        sh->exec = mem.s->executor();
      }
      sh->members.push_back(mem);
    }
    shards.clear();
    for (auto& [key, sh] : by) shards.push_back(std::move(sh));
    return shards;
  }
};

struct fan_out_state {
  std::shared_ptr<hub> h;
  /// Every batch up to here has been fanned out.
  log_position delivered = 0;
  std::unordered_map<std::string, channel_entry> channels;
  /// Routing keys each session holds.
  std::unordered_map<std::uint64_t, std::vector<std::string>> keys_of;
  /// Authenticated sessions per account, for revocation checks.
  std::unordered_map<std::string, std::unordered_map<std::uint64_t, session_ptr>> users;
  std::unordered_map<std::uint64_t, std::string> user_of;
  bool counts_dirty = false;

  static inline const char* name = "realtime-fan-out";

  void publish_counts() {
    if (!counts_dirty) return;
    counts_dirty = false;
    std::map<std::string, std::uint64_t> counts;
    for (const auto& [key, e] : channels) counts[e.family] += e.members.size();
    h->set_subscriptions(std::move(counts));
  }

  void drop(std::uint64_t session, const std::string& key) {
    auto it = channels.find(key);
    if (it == channels.end()) return;
    if (it->second.members.erase(session) > 0) {
      counts_dirty = true;
      it->second.shards_dirty = true;
    }
    if (it->second.members.empty()) channels.erase(it);
  }

  void on_leave(std::uint64_t session) {
    auto k = keys_of.find(session);
    if (k != keys_of.end()) {
      for (const auto& key : k->second) drop(session, key);
      keys_of.erase(k);
    }
    auto u = user_of.find(session);
    if (u != user_of.end()) {
      auto us = users.find(u->second);
      if (us != users.end()) {
        us->second.erase(session);
        if (us->second.empty()) users.erase(us);
      }
      user_of.erase(u);
    }
    publish_counts();
  }

  void on_subscribe(subscribe_msg& m) {
    const std::uint64_t sid = m.s->id();
    for (auto& item : m.items) {
      const std::string& key = item.ch.key;
      std::vector<std::shared_ptr<const std::string>> replay;
      if (item.from && *item.from < delivered) {
        auto notices = h->deps.projections->read_notices(*item.from, delivered, h->opts.max_resume_events);
        if (!notices) {
          m.s->send(std::make_shared<const std::string>(error_message(
              m.id, "resume_too_old",
              "cannot resume from " + std::to_string(*item.from) + ": reload by REST and subscribe without from",
              item.ch.name)));
          m.s->forget(key);
          continue;
        }
        for (const auto& n : *notices) {
          for (const auto& t : targets_of(n)) {
            if (t.key == key) replay.push_back(std::make_shared<const std::string>(render(n, t)));
          }
        }
      }
      auto& e = channels[key];
      e.family = item.ch.family;
      e.shards_dirty = true;
      auto& mem = e.members[sid];
      mem.s = m.s;
      mem.after = item.from ? std::max(*item.from, delivered) : delivered;
      auto& ks = keys_of[sid];
      if (std::find(ks.begin(), ks.end(), key) == ks.end()) ks.push_back(key);
      counts_dirty = true;
      m.s->send(std::make_shared<const std::string>(subscribed_message("subscribed", m.id, item.ch.name, delivered)));
      for (auto& r : replay) m.s->send(std::move(r));
    }
    publish_counts();
  }

  void on_unsubscribe(unsubscribe_msg& m) {
    const std::uint64_t sid = m.s->id();
    auto ks = keys_of.find(sid);
    for (const auto& ch : m.items) {
      drop(sid, ch.key);
      if (ks != keys_of.end()) ks->second.erase(std::remove(ks->second.begin(), ks->second.end(), ch.key), ks->second.end());
      m.s->send(std::make_shared<const std::string>(subscribed_message("unsubscribed", m.id, ch.name, delivered)));
    }
    publish_counts();
  }

  void fan(const projections::event_notice& n) {
    for (const auto& t : targets_of(n)) {
      auto it = channels.find(t.key);
      if (it == channels.end()) continue;
      // Rendered once, the same buffer for every subscriber, one post per
      // io thread; each session's queue is touched on its own thread.
      auto msg = std::make_shared<const std::string>(render(n, t));
      for (const auto& sh : it->second.by_thread()) {
        net::post(sh->exec, [sh, msg, pos = n.position] {
          for (const auto& mem : sh->members) {
            if (pos > mem.after) mem.s->deliver_here(msg);
          }
        });
      }
    }
    const std::string user = revoked_user(n);
    if (!user.empty()) {
      auto us = users.find(user);
      if (us != users.end()) {
        for (auto& [sid, s] : us->second) s->check_token();
      }
    }
  }

  void tell_admins(const std::string& text) {
    auto it = channels.find("admin");
    if (it == channels.end()) return;
    auto msg = std::make_shared<const std::string>(text);
    for (auto& [sid, mem] : it->second.members) mem.s->send(msg);
  }

  void on_batch(const projections::change_batch& b) {
    const bool all = b.events.empty() &&
                     std::find(b.tags.begin(), b.tags.end(), projections::tags::all) != b.tags.end();
    // Rebuilds and dry runs under way or ended (among them a rebuilt model
    // swapped in: tag "all" at a position already delivered).
    for (const auto& p : b.progress) tell_admins(progress_message(p, std::max(delivered, b.position)));
    if (b.position <= delivered) return;
    const bool truncated = all;
    if (truncated) {
      // Too many notices for one batch: fill the gap from the routed history.
      auto notices = h->deps.projections->read_notices(delivered, b.position, ~std::size_t{0});
      if (notices) {
        for (const auto& n : *notices) fan(n);
      } else {
        // Not servable: every subscriber is told to reload and resubscribe.
        spdlog::warn("realtime: a change batch up to {} was truncated and is not in the routed history; "
                     "subscribers must reload",
                     b.position);
        for (auto& [key, e] : channels) {
          for (auto& [sid, mem] : e.members) {
            mem.s->send(std::make_shared<const std::string>(
                error_message({}, "resume_too_old", "missed changes: reload by REST and subscribe again")));
          }
        }
      }
    } else {
      for (const auto& n : b.events) fan(n);
    }
    delivered = b.position;
  }
};

caf::behavior fan_out_actor(caf::stateful_actor<fan_out_state>* self, std::shared_ptr<hub> h) {
  self->state.h = h;
  self->state.delivered = h->deps.projections->position();
  return {
      [self](const batch_msg& m) { self->state.on_batch(*m.batch); },
      [self](subscribe_msg& m) { self->state.on_subscribe(m); },
      [self](unsubscribe_msg& m) { self->state.on_unsubscribe(m); },
      [self](const join_msg& m) {
        self->state.users[m.user][m.s->id()] = m.s;
        self->state.user_of[m.s->id()] = m.user;
      },
      [self](const leave_msg& m) { self->state.on_leave(m.session); },
  };
}

}  // namespace

caf::actor spawn_fan_out(caf::actor_system& sys, std::shared_ptr<hub> h) {
  return sys.spawn(fan_out_actor, std::move(h));
}

}  // namespace agora::realtime::detail
