#pragma once
// Private: the registry of one kind's live aggregates (one shard of them).
//
// It activates an aggregate on first use (at most one actor per id), routes
// commands to it, and passivates aggregates idle for longer than
// actor_options::idle_timeout, or the least recently used ones once more
// than its share of actor_options::max_resident are live (a bounded working
// set: at thousands of new orders a second, a timeout alone would keep
// hundreds of thousands of actors in memory). The passivation race (a command routed to an
// actor that has just stopped) is settled here: CAF answers such a request
// with request_receiver_down, which means the actor never handled it, so the
// registry starts a fresh actor and sends the command again, once. A command
// is therefore neither lost nor handled twice, and a state query racing
// passivation is answered rather than failed.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "actors/src/aggregate_actor.hpp"

namespace agora::actors::detail {

template <class Kind>
struct registry_state {
  static inline const char* name = "agora.registry";
  std::shared_ptr<runtime> rt;
  struct entry {
    aggregate_actor<Kind> actor;
    timestamp_us last_used = 0;
    // Neighbours in the recency list, which runs through the entries
    // themselves (nodes of `live` never move): a separate std::list cost a
    // 32-byte node per resident aggregate.
    entry* older = nullptr;
    entry* newer = nullptr;
  };
  std::unordered_map<std::string, entry> live;
  entry* oldest = nullptr;  // the recency list's ends: least recently used first
  entry* newest = nullptr;
  std::size_t max_live = 0;    // this shard's share of max_resident
  std::size_t shed_pause = 0;  // activations to let pass before shedding again
  /// Aggregates not resident that have work due at a time (a passivated
  /// order's payment deadline, a wake-up read at start that is not due yet):
  /// the sweep activates them once due. A pair costs far less than an actor.
  std::set<std::pair<timestamp_us, std::string>> dormant;

  /// Puts `e` (not in the list) at the newest end.
  void link_newest(entry& e) {
    e.older = newest;
    e.newer = nullptr;
    if (newest) newest->newer = &e;
    newest = &e;
    if (!oldest) oldest = &e;
  }
  /// Takes `e` out of the list.
  void unlink(entry& e) {
    (e.older ? e.older->newer : oldest) = e.newer;
    (e.newer ? e.newer->older : newest) = e.older;
    e.older = e.newer = nullptr;
  }
  /// Moves `e` (in the list) to the newest end.
  void touch(entry& e) {
    if (newest == &e) return;
    unlink(e);
    link_newest(e);
  }
};

/// The registry as its behaviour sees it (`self`): registry_actor<Kind>'s
/// stateful form.
template <class Kind>
using registry_self = caf::stateful_actor<registry_state<Kind>, typename registry_actor<Kind>::base>;

/// Forgets a live entry.
template <class State>
void drop(State& st, typename decltype(State::live)::iterator it) {
  st.unlink(it->second);
  st.live.erase(it);
}

/// Over this shard's limit: asks the least recently used aggregates to
/// passivate. One that still has work refuses and stays; it goes to the back
/// so that the next round asks others first.
///
/// A batch at a time (the excess plus 1/64 of the share, at least one more),
/// then half as many activations pass before the next batch: the actors'
/// gone_msg answers take a moment, and asking again on every activation
/// meanwhile would ask far more aggregates than needed. Each round takes away
/// more than the pause lets in, so the excess shrinks; an activation at the
/// limit costs about two passivation requests. The sweep sheds too, for what
/// refused while it was busy.
template <class Kind>
void shed(registry_self<Kind>* self) {
  auto& st = self->state;
  if (st.shed_pause > 0) {
    --st.shed_pause;
    return;
  }
  if (st.live.size() <= st.max_live) return;
  const std::size_t batch = st.live.size() - st.max_live + std::max<std::size_t>(1, st.max_live / 64);
  std::size_t n = std::min(batch, st.live.size() - 1);  // never the one just activated (at the back)
  st.shed_pause = n / 2;
  while (n-- > 0) {
    auto& e = *st.oldest;
    caf::anon_send(e.actor, signal_msg{passivate_msg{}});
    st.touch(e);
  }
}


template <class Kind>
aggregate_actor<Kind>& activate(registry_self<Kind>* self, const std::string& id, bool fresh = false) {
  auto& st = self->state;
  auto it = st.live.find(id);
  if (it == st.live.end()) {
    auto a = self->spawn(aggregate_behavior<Kind>, st.rt, id, fresh);
    typename registry_state<Kind>::entry e;
    e.actor = std::move(a);
    it = st.live.emplace(id, std::move(e)).first;
    st.link_newest(it->second);
    shed(self);
  } else {
    st.touch(it->second);
  }
  it->second.last_used = st.rt->now();
  return it->second.actor;
}

template <class Kind>
void answer(const std::shared_ptr<route_msg<Kind>>& m, command_promise& rp, command_result r) {
  if (m->done) {
    m->done(std::move(r));
  } else if (rp.pending()) {
    rp.deliver(command_reply{std::move(r)});
  }
}

/// The passivation race: true when `e` says `target` stopped before it took
/// the request, which was therefore not handled. Forgets `target` (if it is
/// still the live actor for `id`) and counts a retry; the caller then asks a
/// fresh actor, once.
template <class Kind>
bool stopped_before_taking(registry_self<Kind>* self, const std::string& id, const aggregate_actor<Kind>& target,
                           const caf::error& e, int attempt) {
  if (e != caf::sec::request_receiver_down || attempt != 0) return false;
  auto& live = self->state.live;
  if (auto it = live.find(id); it != live.end() && it->second.actor == target) drop(self->state, it);
  self->state.rt->retries.fetch_add(1, std::memory_order_relaxed);
  return true;
}

template <class Kind>
void forward(registry_self<Kind>* self, std::shared_ptr<route_msg<Kind>> m, command_promise rp) {
  auto& st = self->state;
  // A retry (attempt 1) loads: the first actor may have recorded something.
  aggregate_actor<Kind> target = activate(self, m->id, m->ctx.new_aggregate && m->attempt == 0);
  self->request(target, st.rt->opts.command_timeout, cmd_msg<Kind>{m->req, m->ctx})
      .then([m, rp](command_reply& r) mutable { answer(m, rp, std::move(r.result)); },
            [self, m, rp, target](caf::error& e) mutable {
              if (stopped_before_taking(self, m->id, target, e, m->attempt)) {
                m->attempt = 1;
                return forward(self, std::move(m), std::move(rp));
              }
              const auto code = e == caf::sec::request_timeout ? command_errc::timeout : command_errc::unavailable;
              answer(m, rp,
                     agora::unexpected{make_command_error(
                         code, code == command_errc::timeout
                                   ? "no answer from " + stream_id(Kind::name, m->id) + " in time (it may still happen)"
                                   : "aggregate " + stream_id(Kind::name, m->id) + " unavailable: " + caf::to_string(e))});
            });
}

/// Asks an aggregate for its state. Like a command, a query that reaches an
/// actor which stopped before taking it is asked again of a fresh actor, once:
/// otherwise a read racing passivation would fail although nothing is wrong.
template <class Kind>
void ask_state(registry_self<Kind>* self, std::string id, state_callback done, int attempt) {
  aggregate_actor<Kind> target = activate(self, id);
  self->request(target, self->state.rt->opts.command_timeout, state_query{})
      .then([done](state_reply& r) { done(std::move(r.json)); },
            [self, id = std::move(id), done, target, attempt](caf::error& e) mutable {
              if (stopped_before_taking(self, id, target, e, attempt)) {
                return ask_state(self, std::move(id), std::move(done), 1);
              }
              done(agora::unexpected{make_command_error(command_errc::unavailable, caf::to_string(e))});
            });
}

/// The registry's behaviour (registry_actor<Kind>, protocol.hpp).
template <class Kind>
typename registry_actor<Kind>::behavior_type registry_behavior(registry_self<Kind>* self, std::shared_ptr<runtime> rt) {
  self->state.rt = std::move(rt);
  // The options were validated (actor_options::validate, run by start): at
  // least one resident aggregate per shard, a sweep of at least 10 ms.
  const auto& opts = self->state.rt->opts;
  self->state.max_live = opts.max_resident / static_cast<std::size_t>(opts.registry_shards);
  const auto sweep = opts.passivation_sweep;
  self->delayed_send(self, sweep, sweep_msg{});
  return {
      [self](route_msg<Kind>& m) -> command_promise {
        command_promise rp;  // none for the facade: it is called back instead
        if (!m.done) rp = self->template make_response_promise<command_reply>();
        forward(self, std::make_shared<route_msg<Kind>>(std::move(m)), rp);
        return rp;
      },
      [self](route_query<Kind>& q) { ask_state(self, std::move(q.id), std::move(q.done), 0); },
      [self, sweep](wake_msg& w) {
        // Work due after the next sweep waits in `dormant` rather than in a
        // resident actor (at start, every wake-up in the store is read).
        auto& st = self->state;
        const auto sweep_us = static_cast<timestamp_us>(sweep.count()) * 1000;
        if (w.due > st.rt->now() + sweep_us && st.live.find(w.id) == st.live.end()) {
          st.dormant.emplace(w.due, std::move(w.id));
        } else {
          activate(self, w.id);
        }
      },
      [self](gone_msg& g) {
        auto& st = self->state;
        auto& live = st.live;
        if (auto it = live.find(g.id); it != live.end() && it->second.actor.address() == g.addr) {
          drop(st, it);
          if (g.wake_at != 0) st.dormant.emplace(g.wake_at, std::move(g.id));
        }
      },
      [self, sweep](sweep_msg) {
        auto& st = self->state;
        // What is due now: activating it arms its timer, which fires at once.
        const auto now = st.rt->now();
        while (!st.dormant.empty() && st.dormant.begin()->first <= now) {
          auto node = st.dormant.extract(st.dormant.begin());
          activate(self, node.value().second);
        }
        const auto idle_before = st.rt->now() - micros(st.rt->opts.idle_timeout);
        for (auto& [id, e] : st.live) {
          // The actor refuses when it still has work; it then stays.
          if (e.last_used <= idle_before) caf::anon_send(e.actor, signal_msg{passivate_msg{}});
        }
        st.shed_pause = 0;
        shed(self);
        self->delayed_send(self, sweep, sweep_msg{});
      },
      [self](shutdown_msg) {
        for (auto& [id, e] : self->state.live) caf::anon_send_exit(e.actor, caf::exit_reason::user_shutdown);
        self->state.live.clear();
        self->state.oldest = self->state.newest = nullptr;
        self->quit();
      },
  };
}

}  // namespace agora::actors::detail
