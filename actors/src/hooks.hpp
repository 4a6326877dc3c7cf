#pragma once
// Private: what some kinds do beyond decide/evolve/append.
//
// - inventory: a durable wake-up at the next hold expiry, so holds expire
//   after a restart too (the timer itself is inventory_kind::timer).
// - cart: creating one first claims one of its customer's open-cart slots
//   (actor_options::max_open_carts_per_customer); setting a line first holds
//   the stock at the inventory item (the cart records only lines whose stock
//   is held; the hold carries the customer and the per-customer limit);
//   clearing or expiring releases the holds; checkout places the order and
//   answers with its outcome; checkout and expiry give the slot back.
// - order: the saga. OrderPlaced -> ask every line's inventory item to reserve
//   (concurrently) -> record each outcome -> OrderConfirmed / OrderRejected ->
//   compensate (release what was reserved). Payment and refund go through the
//   payment port; shipping commits the reservations. A pending order keeps a
//   durable wake-up, so a saga interrupted by a crash resumes at start. A
//   confirmed order keeps one at its payment deadline: its timer then
//   cancels it unpaid (expire_payment) and compensation releases the stock;
//   until then it may passivate, and its registry (or, after a restart, the
//   wake-up) activates it again when the deadline comes.
// - product, customer: claim the SKU / e-mail first (uniqueness).

#include <memory>
#include <set>

#include "actors/domain/order_saga.hpp"
#include "actors/src/aggregate_actor.hpp"

namespace agora::actors::detail {

/// A continuation that must run inside `self` later (after a delay).
template <class Self, class F>
void later(Self* self, std::chrono::milliseconds delay, F fn) {
  self->delayed_send(self, delay, signal_msg{continue_msg{std::function<void()>(std::move(fn))}});
}

/// Asks aggregate `id` of kind Target for its state from inside `self`; `k`
/// runs inside `self` with the answer.
template <class Target, class Self>
void ask_state_of(Self* self, const std::string& id, std::function<void(agora::expected<std::string, command_error>)> k) {
  auto handle = caf::actor_cast<typename Self::actor_hdl>(self);
  // The answer comes on the registry's thread: bring it back into `self`.
  state_callback done = [handle, k = std::move(k)](agora::expected<std::string, command_error> r) {
    caf::anon_send(handle, signal_msg{continue_msg{[k, r = std::move(r)] { k(r); }}});
  };
  caf::anon_send(registry_of<Target>(*self->state.rt, id), route_query<Target>{id, std::move(done)});
}

// ---------------------------------------------------------------------------
// inventory

template <>
struct extra_state<inventory_kind> {
  timestamp_us next_forget = 0;  // look for settled orders to forget from then on
  bool forgetting = false;       // a forget_settled is queued or in flight
};

template <>
struct hooks<inventory_kind> : default_hooks {
  template <class Self>
  static std::optional<timestamp_us> wakeup(Self* self) {
    return self->state.s.next_hold_expiry();
  }

  /// Forgets settled orders past actor_options::reservation_retention. The
  /// check is O(1) (the settled index is ordered by time); at most one forget
  /// per second (or per quarter retention, when shorter) keeps it from
  /// costing an append per batch, and a full event (max_forget_per_event)
  /// looks again at once, so a hot SKU forgets as fast as it settles.
  template <class Self>
  static void on_ready(Self* self) {
    namespace inv = domain::inventory;
    auto& st = self->state;
    const timestamp_us retention = micros(st.rt->opts.reservation_retention);
    if (retention <= 0 || st.extra.forgetting || st.s.settled.empty()) return;
    const timestamp_us now = st.rt->now();
    if (now < st.extra.next_forget || st.s.settled.begin()->first >= now - retention) return;
    st.extra.forgetting = true;
    st.extra.next_forget = now + std::min<timestamp_us>(1'000'000, std::max<timestamp_us>(1, retention / 4));
    const timestamp_us cutoff = now - retention;
    run_internal(self, inv::command{inv::forget_settled{cutoff, now}}, [self, cutoff](const command_result& r) {
      auto& x = self->state.extra;
      x.forgetting = false;
      const auto& settled = self->state.s.settled;
      if (r && !settled.empty() && settled.begin()->first < cutoff) x.next_forget = 0;  // a full event: more are due
    });
  }
};

// ---------------------------------------------------------------------------
// uniqueness claims for product SKUs and customer e-mails

/// Claims `key` for `owner` before the command runs; refuses it (with `field`
/// to blame) when another owner has the key.
template <class Kind>
prep claim_first(agg_actor<Kind>* self, pending<Kind>& p, std::string key, std::string owner, const char* field) {
  // Validate first: an invalid command must not leave a claim behind.
  if (auto d = Kind::decide(self->state.s, p.cmd); !d) return prep::proceed;
  // (key and owner are copies: they may point into p, which moves next.)
  auto held = std::make_shared<pending<Kind>>(std::move(p));
  domain::claim::claim c{std::move(owner), self->state.rt->now()};
  ask<claim_kind>(self, key, domain::claim::command{c}, held->ctx,
                  [self, held, field, key](command_result r) {
                    if (r) return resume_prepared(self, std::move(*held));
                    if (r.error().code == command_errc::rejected &&
                        r.error().domain.code == domain::domain_errc::already_exists) {
                      auto d = r.error().domain;
                      d.field = field;
                      d.message = std::string(field) + " is already taken (" + key + ")";
                      finish(self, *held, agora::unexpected{rejected(std::move(d))});
                    } else {
                      finish(self, *held, std::move(r));
                    }
                    end_preparing(self);
                  });
  return prep::wait;
}

/// Gives a claim back after the command it was made for was refused.
template <class Kind>
void release_claim(agg_actor<Kind>* self, const std::string& key, const std::string& owner) {
  domain::claim::release c{owner, self->state.rt->now()};
  ask<claim_kind>(self, key, domain::claim::command{c}, command_context{}, [key](command_result r) {
    if (!r) spdlog::warn("actors: releasing claim {}: {}", key, r.error().message);
  });
}

template <>
struct hooks<product_kind> : default_hooks {
  static bool needs_prepare(agg_actor<product_kind>*, const pending<product_kind>& p) {
    return std::holds_alternative<domain::product::create>(p.cmd);
  }
  static prep before_decide(agg_actor<product_kind>* self, pending<product_kind>& p) {
    auto* c = std::get_if<domain::product::create>(&p.cmd);
    if (!c) return prep::proceed;
    return claim_first(self, p, "sku:" + c->sku, c->product_id, "sku");
  }
  static void on_rejected(agg_actor<product_kind>* self, const pending<product_kind>& p) {
    const auto* c = std::get_if<domain::product::create>(&p.cmd);
    if (c && p.prepared) release_claim(self, "sku:" + c->sku, c->product_id);
  }
};

template <>
struct hooks<customer_kind> : default_hooks {
  static bool needs_prepare(agg_actor<customer_kind>*, const pending<customer_kind>& p) {
    return std::holds_alternative<domain::customer::register_customer>(p.cmd);
  }
  static prep before_decide(agg_actor<customer_kind>* self, pending<customer_kind>& p) {
    auto* c = std::get_if<domain::customer::register_customer>(&p.cmd);
    if (!c) return prep::proceed;
    auto email = domain::customer::normalize_email(c->email);
    if (!email) return prep::proceed;  // decide reports the invalid e-mail
    return claim_first(self, p, "email:" + *email, c->customer_id, "email");
  }
  static void on_rejected(agg_actor<customer_kind>* self, const pending<customer_kind>& p) {
    const auto* c = std::get_if<domain::customer::register_customer>(&p.cmd);
    if (!c || !p.prepared) return;
    if (auto email = domain::customer::normalize_email(c->email)) release_claim(self, "email:" + *email, c->customer_id);
  }
};

// ---------------------------------------------------------------------------
// cart

template <>
struct hooks<cart_kind> : default_hooks {
  using self_t = agg_actor<cart_kind>;

  static bool needs_prepare(self_t*, const pending<cart_kind>& p) {
    return std::holds_alternative<domain::cart::set_line_quantity>(p.cmd) ||
           std::holds_alternative<domain::cart::create>(p.cmd);
  }

  /// The uniqueness claim behind open-cart slot `n` of `customer`.
  static std::string slot_key(const std::string& customer, std::int64_t n) {
    return "cart-slot:" + customer + ":" + std::to_string(n);
  }

  /// A create looking for a free slot, one slot after another.
  struct slot_search {
    pending<cart_kind> p;
    std::int64_t slot = 0;
    bool reclaimed = false;  // this slot was freed on a closed cart's behalf once
  };

  static void refuse_create(self_t* self, slot_search& search, domain::domain_error d) {
    finish(self, search.p, agora::unexpected{rejected(std::move(d))});
    end_preparing(self);
  }

  /// Claims slot search->slot for the cart, or moves on: a slot held by an
  /// open cart is taken; one held by a cart that is closed (or was never
  /// created: a crash between the claim and the create) is given back on its
  /// behalf and claimed again. Every step goes through the slot's claim stream
  /// (expected versions), so concurrent creates of one customer cannot take
  /// more slots than there are. A cart whose create is still under way has its
  /// `expire` queued behind the create, so it is never taken for closed.
  static void try_slot(self_t* self, std::shared_ptr<slot_search> search) {
    auto& st = self->state;
    const auto& c = std::get<domain::cart::create>(search->p.cmd);
    const std::int64_t limit = st.rt->opts.max_open_carts_per_customer;
    if (search->slot >= limit) {
      return refuse_create(self, *search,
                           domain::make_error(domain::domain_errc::limit_exceeded,
                                              "a customer may have at most " + std::to_string(limit) +
                                                  " open carts; check one out or let one lapse",
                                              "customer_id"));
    }
    const std::string key = slot_key(c.customer_id, search->slot);
    command_context ctx{search->p.ctx.correlation_id, search->p.ctx.user_id, false, std::nullopt};
    ask<claim_kind>(self, key, domain::claim::command{domain::claim::claim{st.id, st.rt->now()}}, ctx,
                    [self, search, key, ctx](command_result r) {
                      if (r) {
                        std::get<domain::cart::create>(search->p.cmd).slot = search->slot;
                        return resume_prepared(self, std::move(search->p));
                      }
                      if (r.error().code != command_errc::rejected ||
                          r.error().domain.code != domain::domain_errc::already_exists) {
                        finish(self, search->p, std::move(r));
                        return end_preparing(self);
                      }
                      if (search->reclaimed) {
                        ++search->slot;
                        search->reclaimed = false;
                        return try_slot(self, search);
                      }
                      ask_state_of<claim_kind>(self, key, [self, search, key, ctx](agora::expected<std::string, command_error> js) {
                        auto claim_state = js ? domain::claim::decode_state(*js)
                                              : agora::expected<domain::claim::state, domain::domain_error>{
                                                    agora::unexpected{domain::make_error(domain::domain_errc::malformed, "")}};
                        if (!claim_state) {
                          ++search->slot;  // cannot tell: count it as taken
                          return try_slot(self, search);
                        }
                        if (!claim_state->owner) {  // given back meanwhile
                          search->reclaimed = true;
                          return try_slot(self, search);
                        }
                        check_owner(self, search, key, *claim_state->owner, ctx);
                      });
                    });
  }

  /// Is the cart holding the slot still open? expire records a lapse that
  /// nobody noticed yet (an empty cart has no timer).
  static void check_owner(self_t* self, std::shared_ptr<slot_search> search, std::string key, std::string owner,
                          command_context ctx) {
    const auto now = self->state.rt->now();
    command_context with_state = ctx;
    with_state.with_state = true;
    ask<cart_kind>(self, owner, domain::cart::command{domain::cart::expire{now}}, with_state,
                   [self, search, key, owner, ctx, now](command_result r) {
                     bool closed = false;
                     if (r) {
                       auto cs = domain::cart::decode_state(r->state_json);
                       closed = cs && !cs->is_open_at(now);
                     } else {
                       closed = r.error().code == command_errc::rejected &&
                                r.error().domain.code == domain::domain_errc::not_found;
                     }
                     if (!closed) {
                       ++search->slot;
                       return try_slot(self, search);
                     }
                     domain::claim::release rel{owner, self->state.rt->now()};
                     ask<claim_kind>(self, key, domain::claim::command{rel}, ctx, [self, search](command_result) {
                       // Whoever released it (the closed cart itself may have),
                       // the slot is claimed again; a refusal moves on.
                       search->reclaimed = true;
                       try_slot(self, search);
                     });
                   });
  }

  static prep before_decide(self_t* self, pending<cart_kind>& p) {
    auto& st = self->state;
    if (auto* c = std::get_if<domain::cart::create>(&p.cmd)) {
      // The actor owns the TTL: an empty cart lapses too, so it cannot keep a
      // slot for ever.
      c->now = st.rt->now();
      c->expires_at = c->now + micros(st.rt->opts.cart_hold_ttl);
      c->slot.reset();
      if (st.rt->opts.max_open_carts_per_customer <= 0) return prep::proceed;
      if (auto d = cart_kind::decide(st.s, p.cmd); !d) return prep::proceed;  // refused anyway, no slot taken
      auto search = std::make_shared<slot_search>();
      search->p = std::move(p);
      try_slot(self, search);
      return prep::wait;
    }
    auto* set = std::get_if<domain::cart::set_line_quantity>(&p.cmd);
    if (!set) return prep::proceed;
    // The actor owns the hold TTL; whatever the caller said is replaced.
    set->now = st.rt->now();
    set->expires_at = set->now + micros(st.rt->opts.cart_hold_ttl);
    if (set->quantity == 0) return prep::proceed;  // released after the line is removed
    if (auto d = cart_kind::decide(st.s, p.cmd); !d) return prep::proceed;  // refused anyway
    auto held = std::make_shared<pending<cart_kind>>(std::move(p));
    const auto& cmd = std::get<domain::cart::set_line_quantity>(held->cmd);
    domain::inventory::hold_for_cart h{st.id,          cmd.quantity, cmd.expires_at, cmd.now, st.s.customer_id,
                                       st.rt->opts.max_units_held_per_customer};
    ask<inventory_kind>(self, cmd.sku, domain::inventory::command{h}, held->ctx, [self, held](command_result r) {
      if (r) return resume_prepared(self, std::move(*held));
      finish(self, *held, std::move(r));  // e.g. insufficient_stock, from the inventory item
      end_preparing(self);
    });
    return prep::wait;
  }

  static void before_evolve(self_t* self, pending<cart_kind>& p, const std::vector<cart_kind::event>&) {
    // Which holds to give back once the cart is cleared or expired.
    if (std::holds_alternative<domain::cart::clear>(p.cmd) || std::holds_alternative<domain::cart::expire>(p.cmd)) {
      for (const auto& [sku, line] : self->state.s.lines) p.aux.push_back(sku);
    }
  }

  static void release_holds(self_t* self, const std::vector<std::string>& skus) {
    for (const auto& sku : skus) {
      domain::inventory::release_hold r{self->state.id, self->state.rt->now()};
      ask<inventory_kind>(self, sku, domain::inventory::command{r}, command_context{}, [sku](command_result res) {
        // Not fatal: the hold expires by itself at its deadline.
        if (!res) spdlog::warn("actors: releasing the cart hold on {}: {}", sku, res.error().message);
      });
    }
  }

  static void release_slot(self_t* self, const std::string& customer, std::int64_t slot) {
    release_claim(self, slot_key(customer, slot), self->state.id);
  }

  static void on_rejected(self_t* self, const pending<cart_kind>& p) {
    if (const auto* c = std::get_if<domain::cart::create>(&p.cmd); c && p.prepared && c->slot) {
      return release_slot(self, c->customer_id, *c->slot);  // claimed for a create that was then refused
    }
    // A hold was placed but the cart refused the line: give the hold back.
    const auto* set = std::get_if<domain::cart::set_line_quantity>(&p.cmd);
    if (set && p.prepared && self->state.s.lines.count(set->sku) == 0) release_holds(self, {set->sku});
  }

  static bool after_commit(self_t* self, pending<cart_kind>& p, const std::vector<cart_kind::event>& events,
                           command_ack&) {
    // A closed cart gives its open-cart slot back.
    const auto& s = self->state.s;
    if (s.slot && s.current != domain::cart::status::open) {
      for (const auto& e : events) {
        if (std::holds_alternative<domain::cart::cart_checked_out>(e) ||
            std::holds_alternative<domain::cart::cart_expired>(e)) {
          release_slot(self, s.customer_id, *s.slot);
          break;
        }
      }
    }
    if (const auto* set = std::get_if<domain::cart::set_line_quantity>(&p.cmd); set && set->quantity == 0) {
      release_holds(self, {set->sku});
      return false;
    }
    if (!p.aux.empty()) {
      release_holds(self, p.aux);
      return false;
    }
    for (const auto& e : events) {
      const auto* out = std::get_if<domain::cart::cart_checked_out>(&e);
      if (!out) continue;
      // Place the order; the checkout's answer is the order's outcome.
      domain::order::place place;
      place.order_id = out->order_id;
      place.customer_id = self->state.s.customer_id;
      place.cart_id = self->state.id;
      place.now = self->state.rt->now();
      for (const auto& l : out->lines) {
        place.lines.push_back(domain::order::line_input{l.sku, l.quantity, l.unit_price});
        place.currency = l.unit_price.currency;
      }
      auto waiting = std::make_shared<pending<cart_kind>>(std::move(p));
      command_context ctx = waiting->ctx;
      ctx.with_state = waiting->ctx.with_state;
      ask<order_kind>(self, out->order_id, domain::order::command{std::move(place)}, ctx,
                      [self, waiting](command_result r) {
                        // Not finish(): with_state would render the cart, and
                        // the answer here is the order's.
                        self->state.rt->commands.fetch_add(1, std::memory_order_relaxed);
                        if (waiting->rp.pending()) waiting->rp.deliver(command_reply{std::move(r)});
                      });
      return true;
    }
    return false;
  }
};

// ---------------------------------------------------------------------------
// order: the saga

/// The saga's in-memory progress (the durable part is the order's events).
struct order_saga_state {
  // The place command's answer waits until the order leaves pending.
  bool place_waiting = false;
  command_promise place_rp;
  bool place_with_state = false;
  std::vector<domain::encoded_event> events;
  eventstore::log_position first_position = 0;
  eventstore::log_position last_position = 0;

  std::set<std::string> reserving;  // skus asked, not yet answered
  /// Pay requests that arrived while the order was loading (answered once it is).
  struct deferred_pay {
    pay_request req;
    command_context ctx;
    command_promise rp;
  };
  std::vector<deferred_pay> deferred_pays;
  bool compensating = false;
  bool compensated = false;
  bool paying = false;
  bool refunding = false;
};

template <>
struct extra_state<order_kind> {
  std::unique_ptr<order_saga_state> saga;
};

template <>
struct hooks<order_kind> : default_hooks {
  using self_t = agg_actor<order_kind>;

  static order_saga_state& saga(self_t* self) {
    auto& x = self->state.extra.saga;
    if (!x) x = std::make_unique<order_saga_state>();
    return *x;
  }

  static bool needs_compensation(self_t* self) {
    const bool done = self->state.extra.saga && self->state.extra.saga->compensated;
    return !done && !domain::order_saga::compensations(self->state.s).empty();
  }
  static bool needs_refund(self_t* self) { return domain::order_saga::refund_due(self->state.s) > 0; }

  static std::optional<timestamp_us> wakeup(self_t* self) {
    const auto& s = self->state.s;
    if (!s.exists) return std::nullopt;
    if (domain::order_saga::collecting_outcomes(s) || needs_compensation(self) || needs_refund(self)) {
      return timestamp_us{0};
    }
    return s.pending_payment_deadline();  // a confirmed order: cancelled unpaid then
  }

  /// The payment deadline is far away: the registry wakes the order for it.
  static bool sleeps_through_timer(self_t*) { return true; }
  /// A charge in flight settles before the deadline may cancel the order (else
  /// a customer could be charged for a cancelled order).
  static bool defers_tick(self_t* self) { return self->state.extra.saga && self->state.extra.saga->paying; }

  static bool keeps_alive(self_t* self) {
    const auto& x = self->state.extra.saga;
    if (domain::order_saga::collecting_outcomes(self->state.s)) return true;
    return x && (x->place_waiting || !x->reserving.empty() || x->compensating || x->paying || x->refunding);
  }

  static bool after_commit(self_t* self, pending<order_kind>& p, const std::vector<order_kind::event>& events,
                           command_ack& ack) {
    auto& st = self->state;
    if (std::holds_alternative<domain::order::place>(p.cmd) && domain::order_saga::collecting_outcomes(st.s)) {
      auto& x = saga(self);
      x.place_waiting = true;
      x.place_rp = std::move(p.rp);
      x.place_with_state = p.ctx.with_state;
      x.events = std::move(ack.events);
      x.first_position = ack.first_position;
      x.last_position = ack.last_position;
      return true;
    }
    if (st.extra.saga && st.extra.saga->place_waiting) {
      auto& x = *st.extra.saga;
      for (const auto& e : ack.events) x.events.push_back(e);
      x.last_position = ack.last_position;
    }
    for (const auto& e : events) {
      if (domain::order_saga::commits_reservations(e)) commit_reservations(self);
    }
    return false;
  }

  static void commit_reservations(self_t* self) {
    const auto& s = self->state.s;
    for (const auto& line : s.lines) {
      domain::inventory::commit_reservation c{s.order_id, self->state.rt->now()};
      ask<inventory_kind>(self, line.sku, domain::inventory::command{c}, command_context{s.order_id, {}, false, std::nullopt},
                          [sku = line.sku, order = s.order_id](command_result r) {
                            if (!r) spdlog::error("actors: committing {}'s reservation on {}: {}", order, sku,
                                                  r.error().message);
                          });
    }
  }

  static void on_ready(self_t* self) {
    auto& st = self->state;
    const auto& s = st.s;
    if (st.extra.saga && !st.extra.saga->deferred_pays.empty()) {
      auto waiting = std::move(st.extra.saga->deferred_pays);
      st.extra.saga->deferred_pays.clear();
      for (auto& d : waiting) handle_request(self, d.req, std::move(d.ctx), d.rp);
    }
    if (!s.exists) return;
    const auto now = st.rt->now();
    command_context ctx{s.order_id, {}, false, std::nullopt};

    if (domain::order_saga::collecting_outcomes(s)) {
      // Ask for every line without an outcome; after a restart that is exactly
      // what was not yet recorded, and inventory reserves at most once per order.
      for (const auto& r : domain::order_saga::pending_reservations(s)) {
        auto& x = saga(self);
        if (!x.reserving.insert(r.sku).second) continue;
        ask<inventory_kind>(
            self, r.sku, domain::order_saga::reservation_command(r, now, st.rt->opts.max_units_held_per_customer), ctx,
            [self, sku = r.sku](command_result res) {
              saga(self).reserving.erase(sku);
              const auto t = self->state.rt->now();
              if (res) {
                // The last one confirms the order and starts its payment window.
                const timestamp_us window = micros(self->state.rt->opts.payment_deadline);
                return run_internal<order_kind>(self, domain::order::record_line_reserved{sku, t, window});
              }
              const std::string why = res.error().code == command_errc::rejected
                                          ? res.error().message
                                          : "inventory did not answer: " + res.error().message;
              run_internal<order_kind>(self, domain::order::record_line_rejected{sku, why, t});
            },
            st.rt->opts.saga_step_timeout);
      }
      return;
    }

    auto& x = saga(self);
    if (x.place_waiting) {
      x.place_waiting = false;
      command_ack ack;
      ack.stream = stream_of(self);
      ack.version = st.version;
      ack.first_position = x.first_position;
      ack.last_position = x.last_position;
      ack.events = std::move(x.events);
      if (x.place_with_state) ack.state_json = order_kind::encode_state(s);
      st.rt->commands.fetch_add(1, std::memory_order_relaxed);
      if (x.place_rp.pending()) x.place_rp.deliver(command_reply{std::move(ack)});
    }

    if (!x.compensating && needs_compensation(self)) compensate(self);
    if (!x.refunding && needs_refund(self)) refund(self);
  }

  static void compensate(self_t* self) {
    auto& x = saga(self);
    const auto& s = self->state.s;
    const auto skus = domain::order_saga::compensations(s);
    x.compensating = true;
    auto remaining = std::make_shared<std::size_t>(skus.size());
    auto failed = std::make_shared<bool>(false);
    const auto cmd = domain::order_saga::compensation_command(s, self->state.rt->now());
    for (const auto& sku : skus) {
      ask<inventory_kind>(self, sku, cmd, command_context{s.order_id, {}, false, std::nullopt},
                          [self, remaining, failed, sku](command_result r) {
                            // A domain refusal (e.g. already committed) is final;
                            // anything else is worth another try.
                            if (!r && r.error().code != command_errc::rejected) {
                              spdlog::warn("actors: compensation on {} failed: {}", sku, r.error().message);
                              *failed = true;
                            }
                            if (--*remaining > 0) return;
                            auto& sx = saga(self);
                            sx.compensating = false;
                            if (*failed) {
                              return later(self, std::chrono::seconds(1), [self] { on_ready(self); });
                            }
                            sx.compensated = true;
                            clear_wakeup_if_idle(self);
                          });
    }
  }

  static void refund(self_t* self) {
    auto& x = saga(self);
    const auto& s = self->state.s;
    x.refunding = true;
    const std::int64_t amount = domain::order_saga::refund_due(s);
    const std::string currency = s.paid.currency;
    auto handle = caf::actor_cast<aggregate_actor<order_kind>>(self);
    self->state.rt->payments->refund(*s.payment_id, amount, [self, handle, amount, currency](payment_outcome o) {
      caf::anon_send(handle, signal_msg{continue_msg{[self, o, amount, currency] {
                       saga(self).refunding = false;
                       if (!o.approved) {
                         spdlog::warn("actors: refund refused ({}); retrying", o.reason);
                         return later(self, std::chrono::seconds(5), [self] { on_ready(self); });
                       }
                       domain::order::record_refund r{o.payment_id, domain::money{amount, currency},
                                                      self->state.rt->now()};
                       run_internal<order_kind>(self, std::move(r));
                     }}});
    });
  }

  /// The pending work is done: drop the durable reminder (a crash before this
  /// only repeats idempotent steps).
  static void clear_wakeup_if_idle(self_t* self) {
    auto& st = self->state;
    if (wakeup(self) || st.wk == wakeup_known::none) return;
    st.wk = wakeup_known::none;
    auto rt = st.rt;
    std::string stream = stream_of(self);
    if (!rt->io->post([rt, stream] {
          if (auto r = rt->store->set_wakeup(stream, std::nullopt); !r) {
            spdlog::warn("actors: clearing the wake-up of {}: {}", stream, r.error().message);
          }
        })) {
      st.wk = wakeup_known::unknown;
    }
  }

  /// pay: charge through the port, then record the outcome.
  static void handle_request(self_t* self, pay_request& req, command_context ctx, command_promise& rp) {
    auto& st = self->state;
    const auto& s = st.s;
    auto refuse = [&](domain::domain_errc code, std::string msg) {
      domain::domain_error d;
      d.code = code;
      d.message = std::move(msg);
      rp.deliver(command_reply{agora::unexpected{rejected(std::move(d))}});
    };
    if (st.ph == phase::loading) {
      // Activated by this request (a passivated order): answer once loaded.
      saga(self).deferred_pays.push_back(order_saga_state::deferred_pay{std::move(req), std::move(ctx), rp});
      return;
    }
    // (Only an existing order is ever paying.)
    if (saga(self).paying) return refuse(domain::domain_errc::conflict, "a payment for this order is in progress");
    // Ask the domain before charging anyone.
    if (auto why = domain::order::payment_refusal(s, st.rt->now())) {
      rp.deliver(command_reply{agora::unexpected{rejected(std::move(*why))}});
      return;
    }
    saga(self).paying = true;
    payment_request pr{s.order_id, s.total.minor, s.total.currency, req.method};
    auto handle = caf::actor_cast<aggregate_actor<order_kind>>(self);
    auto promise = std::make_shared<command_promise>(rp);
    st.rt->payments->charge(pr, [self, handle, promise, ctx](payment_outcome o) {
      caf::anon_send(handle, signal_msg{continue_msg{[self, promise, ctx, o] {
                       saga(self).paying = false;
                       pending<order_kind> p;
                       p.cmd = domain::order::record_payment{o.approved, o.payment_id, self->state.s.total, o.reason,
                                                             self->state.rt->now()};
                       p.ctx = ctx;
                       p.rp = *promise;
                       enqueue(self, std::move(p));
                     }}});
    });
  }
};

}  // namespace agora::actors::detail
