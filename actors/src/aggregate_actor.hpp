#pragma once
// Private: the actor of one live aggregate, generic over its kind.
//
// Lifecycle: spawned by its registry on first use -> loads (snapshot + the
// events after it, read on an io thread) -> ready: takes commands one at a
// time: decide, evolve, append; the next command waits until the store has
// answered -> passivated by its registry when idle (never while it has work
// pending: a command queued or in flight, a timer, a saga step).
//
// Commands wait in a small per-actor queue rather than in CAF's mailbox with
// `skip`: skipping re-scans the mailbox on every message, and the queue makes
// the limit explicit (actor_options::max_queued_commands).
//
// Per-kind behaviour (the order saga, cart holds, uniqueness claims) lives in
// hooks<Kind> specializations; the primary template does nothing.

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/src/kinds.hpp"
#include "actors/src/protocol.hpp"
#include "actors/src/runtime.hpp"

namespace agora::actors::detail {

/// A command waiting for (or being handled by) its aggregate.
template <class Kind>
struct pending {
  typename Kind::command cmd;
  command_context ctx;
  /// The asker's promise; not pending for internal commands and queries.
  command_promise rp;
  /// A query's promise (query is true).
  state_promise query_rp;
  /// Continuation for internal commands (timers, saga steps); may be empty.
  std::function<void(const command_result&)> then;
  /// The kind's before_decide step is done (e.g. the cart's stock is held).
  bool prepared = false;
  /// A state query rather than a command.
  bool query = false;
  /// Notes a hook keeps between its steps (e.g. the skus a cart had).
  std::vector<std::string> aux;
};

/// One command of a batch: its events are events[first, first + count).
template <class Kind>
struct batch_item {
  pending<Kind> p;
  std::size_t first = 0;
  std::size_t count = 0;
  std::optional<domain::domain_error> refusal;
  /// A failed precondition (expected version), answered as such.
  std::optional<command_error> failure;
};

/// The append in flight: the commands decided together, in queue order, and
/// all their events. Each command was decided against the state the commands
/// before it left, exactly as if they had run one by one; one append makes
/// them durable together (one fsync for a burst of commands to a hot
/// aggregate instead of one each).
template <class Kind>
struct inflight {
  std::vector<batch_item<Kind>> items;
  std::vector<typename Kind::event> events;
  std::vector<domain::encoded_event> encoded;
  eventstore::stream_version base_version = 0;
  std::optional<timestamp_us> wakeup;  // what the append sets (if it changes it)
  bool wakeup_changed = false;
};

/// Commands decided together at most.
inline constexpr std::size_t kMaxBatchCommands = 256;

/// Per-kind extra state; specialized by kinds that need some (the order saga).
template <class Kind>
struct extra_state {};

enum class phase : std::uint8_t { loading, ready, preparing, busy };
enum class wakeup_known : std::uint8_t { unknown, none, set };

template <class Kind>
struct aggregate_state {
  static inline const char* name = "agora.aggregate";
  std::shared_ptr<runtime> rt;
  std::string id;
  typename Kind::state s;
  eventstore::stream_version version = 0;
  std::uint32_t since_snapshot = 0;
  /// Size of the last snapshot written (sets how soon the next one is worth it).
  std::uint32_t last_snapshot_bytes = 0;
  phase ph = phase::loading;
  wakeup_known wk = wakeup_known::unknown;
  timestamp_us wakeup_at = 0;
  std::uint64_t timer_gen = 0;
  timestamp_us timer_due = 0;  // 0: no timer
  std::vector<pending<Kind>> queue;
  std::unique_ptr<inflight<Kind>> busy;
  extra_state<Kind> extra;
};

/// The aggregate actor as its behaviour and hooks see it (`self`):
/// aggregate_actor<Kind>'s stateful form.
template <class Kind>
using agg_actor = caf::stateful_actor<aggregate_state<Kind>, typename aggregate_actor<Kind>::base>;

/// What a before_decide hook did with the command.
enum class prep : std::uint8_t {
  proceed,  ///< nothing to do first: decide now
  wait,     ///< the hook owns the command and resumes or finishes it later
  done,     ///< the hook answered the command itself
};

/// Per-kind behaviour: the defaults do nothing. A kind specializes hooks<Kind>
/// deriving from default_hooks and hides the members it needs.
struct default_hooks {
  /// Whether before_decide has work for this command (no side effects).
  template <class Self, class P>
  static bool needs_prepare(Self*, const P&) {
    return false;
  }
  template <class Self, class P>
  static prep before_decide(Self*, P&) {
    return prep::proceed;
  }
  template <class Self, class P, class Events>
  static void before_evolve(Self*, P&, const Events&) {}
  /// After the append is durable. Returns true when it takes over answering.
  template <class Self, class P, class Events>
  static bool after_commit(Self*, P&, const Events&, command_ack&) {
    return false;
  }
  /// The domain refused a command (after a before_decide step, maybe).
  template <class Self, class P>
  static void on_rejected(Self*, const P&) {}
  /// After loading and after every command: continue pending work.
  template <class Self>
  static void on_ready(Self*) {}
  /// Work in progress that forbids passivation.
  template <class Self>
  static bool keeps_alive(Self*) {
    return false;
  }
  /// Whether the actor may passivate while its timer is armed: its registry
  /// then activates it again when the timer is due (an order's payment
  /// deadline is far away, and keeping every unpaid order resident until then
  /// would defeat actor_options::max_resident).
  template <class Self>
  static bool sleeps_through_timer(Self*) {
    return false;
  }
  /// The timer is due but must wait (e.g. a payment is being charged): the
  /// tick is tried again a second later.
  template <class Self>
  static bool defers_tick(Self*) {
    return false;
  }
  /// The durable wake-up this state needs (nullopt: none).
  template <class Self>
  static std::optional<timestamp_us> wakeup(Self*) {
    return std::nullopt;
  }
  /// Requests other than commands (order: pay).
  template <class Self, class Request>
  static void handle_request(Self*, Request&, command_context, command_promise& rp) {
    rp.deliver(command_reply{agora::unexpected{make_command_error(command_errc::rejected, "unsupported request")}});
  }
};

template <class Kind>
struct hooks : default_hooks {};

// ---------------------------------------------------------------------------
// The generic parts.

template <class Kind>
void process_next(agg_actor<Kind>* self);
template <class Kind>
void start_load(agg_actor<Kind>* self);

template <class Kind>
std::string stream_of(agg_actor<Kind>* self) {
  return stream_id(Kind::name, self->state.id);
}

/// Answers a command (or runs its continuation).
template <class Kind>
void finish(agg_actor<Kind>* self, pending<Kind>& p, command_result r) {
  auto& st = self->state;
  st.rt->commands.fetch_add(1, std::memory_order_relaxed);
  if (r && p.ctx.with_state) r->state_json = Kind::encode_state(st.s);
  if (p.then) p.then(r);
  if (p.rp.pending()) p.rp.deliver(command_reply{std::move(r)});
}

/// Stops the actor and tells its registry, so the registry forgets it (and,
/// with `wake_at`, activates it again then).
template <class Kind>
void retire(agg_actor<Kind>* self, timestamp_us wake_at = 0);

/// Queues a command, refusing it beyond the limit.
template <class Kind>
void enqueue(agg_actor<Kind>* self, pending<Kind> p) {
  auto& st = self->state;
  if (st.queue.size() >= st.rt->opts.max_queued_commands) {
    return finish(self, p,
                  agora::unexpected{make_command_error(command_errc::overloaded,
                                                       "too many commands waiting for " + stream_of(self))});
  }
  st.queue.push_back(std::move(p));
  process_next(self);
}

/// Runs a command the actor gives itself (a timer, a saga step).
template <class Kind>
void run_internal(agg_actor<Kind>* self, typename Kind::command cmd,
                  std::function<void(const command_result&)> then = {}) {
  pending<Kind> p;
  p.cmd = std::move(cmd);
  p.ctx.correlation_id = stream_of(self);
  p.then = std::move(then);
  enqueue(self, std::move(p));
}

/// Continues a command whose before_decide step is done.
template <class Kind>
void resume_prepared(agg_actor<Kind>* self, pending<Kind> p) {
  auto& st = self->state;
  p.prepared = true;
  st.queue.insert(st.queue.begin(), std::move(p));
  st.ph = phase::ready;
  process_next(self);
}

/// Ends a before_decide step that answered the command itself.
template <class Kind>
void end_preparing(agg_actor<Kind>* self) {
  self->state.ph = phase::ready;
  process_next(self);
}

template <class Kind>
void arm_timer(agg_actor<Kind>* self) {
  auto& st = self->state;
  const auto due = Kind::timer(st.s);
  if (!due) {
    if (st.timer_due != 0) {
      st.timer_due = 0;
      ++st.timer_gen;  // the pending tick is now stale
    }
    return;
  }
  if (st.timer_due == *due) return;
  st.timer_due = *due;
  const auto gen = ++st.timer_gen;
  // +1 ms so the clock has passed the deadline when the tick runs.
  const auto delay = std::chrono::microseconds(std::max<timestamp_us>(0, *due - st.rt->now()) + 1000);
  self->delayed_send(self, delay, signal_msg{tick_msg{gen}});
}

/// Replaying one event costs about as much as writing this many snapshot bytes.
inline constexpr std::uint32_t kReplayBytesPerEvent = 256;

template <class Kind>
void maybe_snapshot(agg_actor<Kind>* self) {
  auto& st = self->state;
  if (st.since_snapshot < st.rt->opts.snapshot_every) return;
  // A large state (a busy inventory item remembers every order it reserved
  // for) is snapshotted less often: only once replaying the events since the
  // last snapshot would cost about as much as writing a new one, so snapshot
  // work per event stays bounded however large the state grows. Measured: a
  // hot SKU re-encoding its whole state every 100 events was the order path's
  // largest cost.
  if (static_cast<std::uint64_t>(st.since_snapshot) * kReplayBytesPerEvent < st.last_snapshot_bytes) return;
  st.since_snapshot = 0;
  eventstore::snapshot snap{st.version, Kind::state_schema, Kind::encode_state(st.s)};
  st.last_snapshot_bytes = static_cast<std::uint32_t>(std::min<std::size_t>(snap.state.size(), UINT32_MAX));
  auto rt = st.rt;
  std::string stream = stream_of(self);
  // Not synced and not awaited: a lost snapshot only lengthens a replay.
  if (!rt->io->post([rt, stream = std::move(stream), snap = std::move(snap)] {
        if (auto r = rt->store->put_snapshot(stream, snap); !r) {
          spdlog::warn("actors: snapshot of {} failed: {}", stream, r.error().message);
        }
      })) {
    spdlog::warn("actors: io queue full, snapshot of {} skipped", stream_of(self));
  }
}

/// Decides the run of commands at the front of the queue that need no
/// preparation, evolving the state after each, and appends all their events at
/// once. Answers come after the append (a refusal too: it was decided against
/// a state that only exists if the append succeeds).
template <class Kind>
void run_batch(agg_actor<Kind>* self) {
  auto& st = self->state;
  auto fl = std::make_unique<inflight<Kind>>();
  fl->base_version = st.version;
  // The batch's commands leave the queue together, after the loop: erasing
  // them one by one moved the rest of the queue each time (quadratic in its
  // length on a hot aggregate). The hooks called here only send messages.
  std::size_t taken = 0;
  while (taken < st.queue.size() && fl->items.size() < kMaxBatchCommands) {
    auto& front = st.queue[taken];
    if (front.query) break;
    if (!front.prepared && hooks<Kind>::needs_prepare(self, front)) break;
    batch_item<Kind> item;
    item.p = std::move(front);
    ++taken;
    item.first = fl->events.size();
    const auto at_version = fl->base_version + fl->events.size();
    if (item.p.ctx.expected_version && *item.p.ctx.expected_version != at_version) {
      item.failure = make_command_error(command_errc::precondition_failed,
                                        stream_of(self) + " is at version " + std::to_string(at_version) +
                                            ", not " + std::to_string(*item.p.ctx.expected_version));
      fl->items.push_back(std::move(item));
      continue;
    }
    auto d = Kind::decide(st.s, item.p.cmd);
    if (!d) {
      hooks<Kind>::on_rejected(self, item.p);
      item.refusal = std::move(d).error();
    } else if (!d->empty()) {
      hooks<Kind>::before_evolve(self, item.p, *d);
      // Evolve now: the next command is decided against this state. A failed
      // append reloads the state from the store (see appended_msg).
      for (auto& e : *d) {
        Kind::evolve(st.s, e);
        fl->events.push_back(std::move(e));
      }
      item.count = fl->events.size() - item.first;
    }
    fl->items.push_back(std::move(item));
  }
  st.queue.erase(st.queue.begin(), st.queue.begin() + static_cast<std::ptrdiff_t>(taken));
  if (fl->items.empty()) return;
  st.version += fl->events.size();

  if (fl->events.empty()) {
    // Nothing to record: refusals and idempotent repeats, answered at once.
    for (auto& item : fl->items) {
      if (item.failure) {
        finish(self, item.p, agora::unexpected{std::move(*item.failure)});
      } else if (item.refusal) {
        finish(self, item.p, agora::unexpected{rejected(std::move(*item.refusal))});
      } else {
        command_ack ack;
        ack.stream = stream_of(self);
        ack.version = st.version;
        finish(self, item.p, std::move(ack));
      }
    }
    return;
  }

  const auto now = st.rt->now();
  std::vector<eventstore::new_event> out;
  out.reserve(fl->events.size());
  fl->encoded.reserve(fl->events.size());
  for (const auto& item : fl->items) {
    for (std::size_t i = item.first; i < item.first + item.count; ++i) {
      auto enc = Kind::encode(fl->events[i]);
      eventstore::new_event ne;
      ne.type = enc.type;
      ne.schema_version = enc.schema_version;
      ne.data = enc.data;
      ne.correlation_id = item.p.ctx.correlation_id;
      ne.actor = item.p.ctx.user_id;
      ne.timestamp = now;
      out.push_back(std::move(ne));
      fl->encoded.push_back(std::move(enc));
    }
  }

  eventstore::append_options ao;
  const auto want = hooks<Kind>::wakeup(self);
  if (want && (st.wk != wakeup_known::set || st.wakeup_at != *want)) {
    ao.wakeup = eventstore::append_options::wakeup_change::set;
    ao.wakeup_at = *want;
    fl->wakeup = want;
    fl->wakeup_changed = true;
  } else if (!want && st.wk != wakeup_known::none) {
    ao.wakeup = eventstore::append_options::wakeup_change::clear;
    fl->wakeup_changed = true;
  }
  const auto expected = eventstore::expected_version::exact(fl->base_version);
  st.busy = std::move(fl);
  st.ph = phase::busy;
  auto handle = caf::actor_cast<aggregate_actor<Kind>>(self);
  st.rt->appends_in_flight.fetch_add(1, std::memory_order_acq_rel);
  st.rt->store->async_append(
      stream_of(self), expected, std::move(out),
      [handle, rt = st.rt](eventstore::store_result<eventstore::append_result> r) {
        caf::anon_send(handle, appended_msg{std::move(r)});
        rt->appends_in_flight.fetch_sub(1, std::memory_order_acq_rel);
      },
      ao);
}

template <class Kind>
void process_next(agg_actor<Kind>* self) {
  auto& st = self->state;
  while (st.ph == phase::ready && !st.queue.empty()) {
    auto& front = st.queue.front();
    if (front.query) {
      pending<Kind> p = std::move(front);
      st.queue.erase(st.queue.begin());
      if (p.query_rp.pending()) p.query_rp.deliver(state_reply{Kind::encode_state(st.s)});
      continue;
    }
    if (!front.prepared && hooks<Kind>::needs_prepare(self, front)) {
      pending<Kind> p = std::move(front);
      st.queue.erase(st.queue.begin());
      const prep r = hooks<Kind>::before_decide(self, p);
      if (r == prep::wait) {
        st.ph = phase::preparing;
        return;
      }
      if (r == prep::proceed) {
        p.prepared = true;
        st.queue.insert(st.queue.begin(), std::move(p));
      }
      continue;
    }
    run_batch(self);
  }
}

template <class Kind>
void fail_all(agg_actor<Kind>* self, command_errc code, const std::string& why) {
  auto& st = self->state;
  auto queue = std::move(st.queue);
  st.queue.clear();
  for (auto& p : queue) {
    if (p.query) {
      if (p.query_rp.pending()) p.query_rp.deliver(state_reply{agora::unexpected{make_command_error(code, why)}});
    } else {
      finish(self, p, agora::unexpected{make_command_error(code, why)});
    }
  }
}

template <class Kind>
void start_load(agg_actor<Kind>* self) {
  auto& st = self->state;
  st.ph = phase::loading;
  auto rt = st.rt;
  auto handle = caf::actor_cast<aggregate_actor<Kind>>(self);
  std::string stream = stream_of(self);
  const bool queued = rt->io->post([rt, handle, stream] {
    auto res = std::make_shared<load_result<Kind>>();
    auto snap = rt->store->get_snapshot(stream);
    if (!snap) {
      res->error = snap.error().message;
    } else if (snap->has_value()) {
      if ((*snap)->schema_version == Kind::state_schema) {
        if (auto s = Kind::decode_state((*snap)->state)) {
          res->state = std::move(*s);
          res->version = (*snap)->version;
          res->from_snapshot = true;
        } else {
          spdlog::warn("actors: snapshot of {} unreadable ({}); replaying", stream, s.error().message);
        }
      } else {
        spdlog::info("actors: snapshot of {} has schema {}, code has {}; replaying", stream,
                     (*snap)->schema_version, Kind::state_schema);
      }
    }
    constexpr std::size_t kBatch = 1000;
    while (!res->error) {
      auto events = rt->store->read_stream(stream, res->version + 1, kBatch);
      if (!events) {
        res->error = events.error().message;
        break;
      }
      for (const auto& e : *events) {
        auto ev = Kind::decode(e.type, e.schema_version, e.data);
        if (!ev) {
          res->error = "cannot decode " + e.type + " at " + stream + " version " + std::to_string(e.version) +
                       ": " + ev.error().message;
          break;
        }
        Kind::evolve(res->state, *ev);
        res->version = e.version;
        ++res->events_replayed;
      }
      if (events->size() < kBatch) break;
    }
    caf::anon_send(handle, loaded_msg<Kind>{std::move(res)});
  });
  if (!queued) {
    fail_all(self, command_errc::overloaded, "activation queue full");
    retire(self);
  }
}

template <class Kind>
void retire(agg_actor<Kind>* self, timestamp_us wake_at) {
  auto& st = self->state;
  st.rt->live.fetch_sub(1, std::memory_order_relaxed);
  caf::anon_send(registry_of<Kind>(*st.rt, st.id), gone_msg{st.id, self->address(), wake_at});
  self->quit();
}

/// The aggregate actor's behaviour (aggregate_actor<Kind>, protocol.hpp).
template <class Kind>
typename aggregate_actor<Kind>::behavior_type aggregate_behavior(agg_actor<Kind>* self, std::shared_ptr<runtime> rt,
                                                                 std::string id, bool fresh) {
  self->state.rt = std::move(rt);
  self->state.id = std::move(id);
  self->state.rt->activations.fetch_add(1, std::memory_order_relaxed);
  self->state.rt->live.fetch_add(1, std::memory_order_relaxed);
  if (fresh) {
    // A brand-new id (command_context::new_aggregate): nothing to read. The
    // first append expects no stream, which is what makes this safe.
    self->state.ph = phase::ready;
    self->state.wk = wakeup_known::none;
    self->state.rt->fresh_activations.fetch_add(1, std::memory_order_relaxed);
  } else {
    start_load(self);
  }
  return {
      [self](cmd_msg<Kind>& m) -> command_promise {
        auto rp = self->template make_response_promise<command_reply>();
        std::visit(
            [&](auto& alt) {
              using T = std::decay_t<decltype(alt)>;
              if constexpr (std::is_same_v<T, typename Kind::command>) {
                pending<Kind> p;
                p.cmd = std::move(alt);
                p.ctx = std::move(m.ctx);
                p.rp = rp;
                enqueue(self, std::move(p));
              } else {
                hooks<Kind>::handle_request(self, alt, std::move(m.ctx), rp);
              }
            },
            m.req);
        return rp;
      },
      [self](state_query) -> state_promise {
        auto rp = self->template make_response_promise<state_reply>();
        pending<Kind> p;
        p.query = true;
        p.query_rp = rp;
        self->state.queue.push_back(std::move(p));
        process_next(self);
        return rp;
      },
      [self](loaded_msg<Kind>& m) {
        auto& st = self->state;
        if (m.r->error) {
          spdlog::error("actors: cannot activate {}: {}", stream_of(self), *m.r->error);
          fail_all(self, command_errc::storage, "cannot load " + stream_of(self) + ": " + *m.r->error);
          return retire(self);
        }
        if (m.r->from_snapshot) st.rt->snapshot_loads.fetch_add(1, std::memory_order_relaxed);
        st.rt->events_replayed.fetch_add(m.r->events_replayed, std::memory_order_relaxed);
        st.s = std::move(m.r->state);
        st.version = m.r->version;
        st.since_snapshot = m.r->events_replayed;
        st.ph = phase::ready;
        maybe_snapshot(self);
        arm_timer(self);
        hooks<Kind>::on_ready(self);
        process_next(self);
      },
      [self](appended_msg& m) {
        auto& st = self->state;
        auto fl = std::move(st.busy);
        if (!fl) return;  // stale (cannot happen: one append at a time)
        if (!m.r) {
          const auto& err = m.r.error();
          const auto code = err.code == eventstore::errc::overloaded      ? command_errc::overloaded
                            : err.code == eventstore::errc::shutting_down ? command_errc::unavailable
                                                                          : command_errc::storage;
          if (err.code == eventstore::errc::wrong_expected_version) {
            // Someone else wrote this stream: another owner exists (a
            // misconfigured cluster) or a tool appended. Reload and go on.
            spdlog::warn("actors: {} changed behind its actor: {}", stream_of(self), err.message);
          }
          for (auto& item : fl->items) finish(self, item.p, agora::unexpected{make_command_error(code, err.message)});
          // The state was evolved ahead of the store: load the truth again.
          st.wk = wakeup_known::unknown;
          return start_load(self);
        }
        if (fl->wakeup_changed) {
          st.wk = fl->wakeup ? wakeup_known::set : wakeup_known::none;
          st.wakeup_at = fl->wakeup.value_or(0);
        }
        st.since_snapshot += static_cast<std::uint32_t>(fl->events.size());
        maybe_snapshot(self);
        st.ph = phase::ready;
        const std::string stream = stream_of(self);
        for (auto& item : fl->items) {
          if (item.failure) {
            finish(self, item.p, agora::unexpected{std::move(*item.failure)});
            continue;
          }
          if (item.refusal) {
            finish(self, item.p, agora::unexpected{rejected(std::move(*item.refusal))});
            continue;
          }
          command_ack ack;
          ack.stream = stream;
          ack.version = fl->base_version + item.first + item.count;
          if (item.count > 0) {
            ack.first_position = m.r->first_position + item.first;
            ack.last_position = ack.first_position + item.count - 1;
            ack.events.assign(std::make_move_iterator(fl->encoded.begin() + static_cast<std::ptrdiff_t>(item.first)),
                              std::make_move_iterator(fl->encoded.begin() +
                                                      static_cast<std::ptrdiff_t>(item.first + item.count)));
            const std::vector<typename Kind::event> mine(
                fl->events.begin() + static_cast<std::ptrdiff_t>(item.first),
                fl->events.begin() + static_cast<std::ptrdiff_t>(item.first + item.count));
            if (hooks<Kind>::after_commit(self, item.p, mine, ack)) continue;
          }
          finish(self, item.p, std::move(ack));
        }
        arm_timer(self);
        hooks<Kind>::on_ready(self);
        process_next(self);
      },
      [self](signal_msg& m) {
        if (auto* t = std::get_if<tick_msg>(&m.what)) {
          auto& st = self->state;
          if (t->gen != st.timer_gen) return;  // superseded
          if (hooks<Kind>::defers_tick(self)) {
            // Rare (an order's payment deadline during its charge), and worth
            // seeing in the log: the tick waits, so the outcome comes first.
            spdlog::info("actors: {}'s timer is due; it waits a second for the work under way", stream_of(self));
            self->delayed_send(self, std::chrono::seconds(1), signal_msg{tick_msg{t->gen}});
            return;
          }
          st.timer_due = 0;
          const auto now = st.rt->now();
          if (auto cmd = Kind::tick_command(st.s, now)) {
            run_internal(self, std::move(*cmd), [self](const command_result&) { arm_timer(self); });
          }
        } else if (auto* c = std::get_if<continue_msg>(&m.what)) {
          if (c->fn) c->fn();
        } else {  // passivate_msg: stop if there is nothing to do
          auto& st = self->state;
          if (st.ph == phase::ready && st.queue.empty() && !st.busy &&
              (st.timer_due == 0 || hooks<Kind>::sleeps_through_timer(self)) && !hooks<Kind>::keeps_alive(self)) {
            st.rt->passivations.fetch_add(1, std::memory_order_relaxed);
            retire(self, st.timer_due);
          }
        }
      },
  };
}

/// Asks aggregate `id` of kind Target to run `cmd`, from inside an actor; `k`
/// runs inside that actor with the outcome.
template <class Target, class Self>
void ask(Self* self, const std::string& id, typename Target::command cmd, command_context ctx,
         std::function<void(command_result)> k, std::chrono::milliseconds timeout = {}) {
  const auto& rt = self->state.rt;
  if (timeout.count() <= 0) timeout = rt->opts.command_timeout;
  route_msg<Target> m;
  m.id = id;
  m.req = typename Target::request{std::move(cmd)};
  m.ctx = std::move(ctx);
  m.ctx.new_aggregate = false;  // it named the caller's aggregate, not this one
  self->request(registry_of<Target>(*rt, id), timeout, std::move(m))
      .then([k](command_reply& r) { k(std::move(r.result)); },
            [k](caf::error& e) {
              k(agora::unexpected{make_command_error(
                  e == caf::sec::request_timeout ? command_errc::timeout : command_errc::unavailable,
                  caf::to_string(e))});
            });
}

}  // namespace agora::actors::detail
