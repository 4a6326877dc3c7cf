// The projection runner: one thread that reads the log, applies it to the read
// models, publishes snapshots, tells the change listeners and answers waits.
// The pieces it drives each have a file: waiters.* (the read-your-writes wait
// set), change_router.* (what each event changes), change_listeners.*
// (delivery of change batches), rebuild.* (a model and its rebuild).

#include "projections/projection_runner.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common/guarded.hpp"
#include "common/thread_name.hpp"
#include "eventstore/event_store.hpp"
#include "projections/src/accounts_model.hpp"
#include "projections/src/catalog_model.hpp"
#include "projections/src/change_listeners.hpp"
#include "projections/src/change_router.hpp"
#include "projections/src/dashboard_model.hpp"
#include "projections/src/orders_model.hpp"
#include "projections/src/rebuild.hpp"
#include "projections/src/waiters.hpp"

namespace agora::projections {

namespace {

using clock_type = std::chrono::steady_clock;
using eventstore::log_position;

void answer_all(std::vector<wait_callback>& callbacks, bool reached) {
  for (auto& f : callbacks) call_guarded("projections: wait callback", [&] { f(reached); });
}

}  // namespace

class projection_runner::impl final : private detail::routing_lookup {
 public:
  impl(eventstore::event_store& store, runner_options options)
      : store_(store),
        opt_(options),
        waiters_(options.max_waiters),
        listeners_(std::make_shared<detail::change_listeners>()),
        changes_(options.max_notices_per_batch) {
    if (opt_.batch_events == 0) opt_.batch_events = 1;
    catalog_slot_ = std::make_shared<const catalog_snapshot>(std::make_shared<const catalog_snapshot::state>());
    orders_slot_ = std::make_shared<const orders_snapshot>(std::make_shared<const orders_snapshot::state>());
    accounts_slot_ = std::make_shared<const accounts_snapshot>(std::make_shared<const accounts_snapshot::state>());
    dashboard_slot_ = std::make_shared<const dashboard_snapshot>();
    slots_[0].name = std::string(catalog_name);
    slots_[0].make = [this] { return std::make_unique<detail::catalog_model>(&catalog_slot_); };
    slots_[1].name = std::string(orders_name);
    slots_[1].make = [this] { return std::make_unique<detail::orders_model>(&orders_slot_); };
    slots_[2].name = std::string(accounts_name);
    slots_[2].make = [this] { return std::make_unique<detail::accounts_model>(&accounts_slot_); };
    slots_[3].name = std::string(dashboard_name);
    slots_[3].make = [this] { return std::make_unique<detail::dashboard_model>(&dashboard_slot_); };
    for (auto& s : slots_) s.live = s.make();
  }

  ~impl() override { stop(); }

  void start() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (started_) return;
      started_ = true;
      running_ = true;
      notified_ = store_.last_position();
      // The routed history starts history_events before the end of the log
      // at start: routing the whole replay would only slow the start down.
      std::lock_guard<std::mutex> h(history_mu_);
      history_covered_after_ = notified_ > opt_.history_events ? notified_ - opt_.history_events : 0;
    }
    // Subscribed without holding mu_: the store may be calling listeners (which
    // take mu_) while it registers this one.
    // The listener only records the position and wakes the thread: the store
    // calls it on its commit thread, which must never wait for us.
    store_sub_ = store_.subscribe([this](log_position p) {
      {
        std::lock_guard<std::mutex> g(mu_);
        if (p > notified_) notified_ = p;
      }
      cv_.notify_one();
    });
    thread_ = std::thread([this] {
      set_current_thread_name("projections");
      run();
    });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (!running_) return;
      running_ = false;
      stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
    store_sub_.reset();
    write_checkpoints(/*force=*/true);
    std::vector<wait_callback> failed;
    {
      std::lock_guard<std::mutex> lk(mu_);
      failed = waiters_.take_all();
    }
    answer_all(failed, false);
  }

  // ---- readers ----
  std::shared_ptr<const catalog_snapshot> catalog() const { return std::atomic_load(&catalog_slot_); }
  std::shared_ptr<const orders_snapshot> orders() const { return std::atomic_load(&orders_slot_); }
  std::shared_ptr<const accounts_snapshot> accounts() const { return std::atomic_load(&accounts_slot_); }
  std::shared_ptr<const dashboard_snapshot> dashboard() const { return std::atomic_load(&dashboard_slot_); }
  log_position position() const noexcept { return published_.load(std::memory_order_acquire); }

  void wait_for(log_position pos, std::chrono::milliseconds timeout, wait_callback done) {
    if (!done) return;
    if (position() >= pos) {
      call_guarded("projections: wait callback", [&] { done(true); });
      return;
    }
    bool answer_now = false;
    bool reached = false;
    bool earliest = false;
    {
      std::lock_guard<std::mutex> lk(mu_);
      // Checked again under the lock: publish() stores the position before it
      // takes the lock to answer waiters, so a wait added now is never missed.
      if (position() >= pos) {
        answer_now = true;
        reached = true;
      } else if (!running_ || waiters_.full()) {
        answer_now = true;
      } else {
        earliest = waiters_.add(pos, clock_type::now() + timeout, std::move(done));
      }
    }
    if (answer_now) {
      call_guarded("projections: wait callback", [&] { done(reached); });
      return;
    }
    // The runner sleeps until the earliest deadline: only a wait that moves it
    // sooner needs to wake the runner. Waits mostly share one timeout, so this
    // spares a wake-up (a context switch) per read-your-writes request.
    if (earliest) cv_.notify_one();
  }

  change_subscription subscribe(change_listener listener) { return listeners_->add(std::move(listener)); }

  agora::expected<std::vector<event_notice>, history_error> read_notices(log_position after, log_position up_to,
                                                                          std::size_t max_events) const {
    std::vector<event_notice> out;
    if (up_to <= after) return out;
    std::lock_guard<std::mutex> lk(history_mu_);
    if (opt_.history_events == 0 || after < history_covered_after_) return agora::unexpected{history_error::too_old};
    auto first = std::upper_bound(history_.begin(), history_.end(), after,
                                  [](log_position p, const event_notice& n) { return p < n.position; });
    auto last = std::upper_bound(first, history_.end(), up_to,
                                 [](log_position p, const event_notice& n) { return p < n.position; });
    if (static_cast<std::size_t>(last - first) > max_events) return agora::unexpected{history_error::too_many};
    out.assign(first, last);
    return out;
  }

  agora::expected<void, std::string> rebuild(std::string_view name) {
    for (auto& s : slots_) {
      if (s.name != name) continue;
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (!running_) return agora::unexpected{std::string("projection runner is not running")};
        s.rebuild_requested = true;
      }
      cv_.notify_one();
      return {};
    }
    return agora::unexpected{"unknown projection: " + std::string(name)};
  }

  std::vector<projection_status> status() const {
    std::vector<projection_status> out;
    const log_position last = store_.last_position();
    const log_position pos = position();
    std::lock_guard<std::mutex> lk(status_mu_);
    for (const auto& s : slots_) {
      projection_status st;
      st.name = s.name;
      st.position = pos;
      st.lag = last > pos ? last - pos : 0;
      st.events_applied = s.events_applied.load(std::memory_order_relaxed);
      st.last_error = s.last_error;
      st.rebuilding = s.rebuilding.load(std::memory_order_acquire);
      st.rebuild_position = s.rebuild_position.load(std::memory_order_relaxed);
      out.push_back(std::move(st));
    }
    return out;
  }

 private:
  // ---- routing_lookup: the live models, as the change router sees them ----
  const detail::catalog_model& live_catalog() const {
    return static_cast<const detail::catalog_model&>(*slots_[0].live);
  }
  const detail::orders_model& live_orders() const { return static_cast<const detail::orders_model&>(*slots_[1].live); }
  const std::string* product_id_for_sku(const std::string& sku) const override {
    return live_catalog().product_id_for_sku(sku);
  }
  std::optional<bool> is_low(const std::string& sku) const override { return live_catalog().is_low(sku); }
  const std::string* customer_of(const std::string& order_id) const override {
    return live_orders().customer_of(order_id);
  }

  void set_error(detail::model_slot& s, std::string message) {
    std::lock_guard<std::mutex> lk(status_mu_);
    s.last_error = std::move(message);
  }

  // ---- the runner thread ----
  void run() {
    while (true) {
      std::vector<wait_callback> expired;
      {
        std::unique_lock<std::mutex> lk(mu_);
        if (!stop_ && notified_ <= applied_ && !rebuild_work()) {
          cv_.wait_until(lk, waiters_.next_deadline().value_or(clock_type::now() + std::chrono::seconds(1)));
        }
        if (stop_) break;
        expired = waiters_.take_expired(clock_type::now());
        for (auto& s : slots_) s.take_rebuild_request();
      }
      answer_all(expired, false);

      if (!catch_up()) {
        // The log could not be read: wait a little rather than spin on it.
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return stop_; });
        continue;
      }
      step_rebuilds();
      write_checkpoints(/*force=*/false);
    }
  }

  // Whether a rebuild is requested or under way. Needs mu_.
  bool rebuild_work() const {
    for (const auto& s : slots_) {
      if (s.rebuild_requested || s.rebuilt) return true;
    }
    return false;
  }

  // Applies everything the store has to the live models. False on a read error.
  bool catch_up() {
    auto last_publish = clock_type::now();
    std::size_t since_publish = 0;
    while (true) {
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (stop_) return true;
      }
      const log_position target = store_.last_position();
      if (applied_ >= target) break;
      const bool notify = listeners_->any();
      auto n = store_.scan_log(applied_ + 1, opt_.batch_events, [&](const eventstore::event_view& v) {
        auto d = detail::decode(v);
        if (!d) {
          const std::string msg = "position " + std::to_string(v.position) + " (" + std::string(v.stream) + " " +
                                  std::string(v.type) + "): " + d.error();
          spdlog::warn("projections: cannot decode event at {}", msg);
          for (auto& s : slots_) set_error(s, msg);
          if (notify) changes_.add(detail::change_router::undecodable(v));
        } else {
          apply_live(*d, notify);
        }
        applied_ = v.position;
        return true;
      });
      if (!n) {
        spdlog::error("projections: reading the log failed: {}", n.error().message);
        for (auto& s : slots_) set_error(s, "reading the log: " + n.error().message);
        return false;
      }
      if (*n == 0) break;
      for (auto& s : slots_) s.events_applied.fetch_add(*n, std::memory_order_relaxed);
      since_publish += *n;
      // A long catch-up still answers timed-out waits after every batch.
      std::vector<wait_callback> expired;
      {
        std::lock_guard<std::mutex> lk(mu_);
        expired = waiters_.take_expired(clock_type::now());
      }
      answer_all(expired, false);
      const bool caught_up = applied_ >= store_.last_position();
      const auto now = clock_type::now();
      if (caught_up || since_publish >= opt_.publish_every_events || now - last_publish >= opt_.publish_interval) {
        publish();
        since_publish = 0;
        last_publish = now;
      }
    }
    if (published_.load(std::memory_order_relaxed) < applied_) publish();
    return true;
  }

  // Applies one event to every live model and, when someone listens or the
  // routed history keeps it, routes it.
  void apply_live(const detail::decoded_event& d, bool notify) {
    const bool keep = opt_.history_events > 0 && d.view->position > history_covered_after_;
    // Cart events are routed even when nobody hears them: the router learns
    // each cart's owner from its first event, which later events do not name,
    // so a resume window that starts after a cart was created still reaches
    // its owner.
    if (!notify && !keep && d.kind != detail::stream_kind::cart) {
      for (auto& s : slots_) s.live->apply(d);
      return;
    }
    // Routing needs a little state from before the event (was the item low?)
    // and after it (which product has this SKU, whose order is it?).
    const auto before = detail::change_router::observe(d, *this);
    for (auto& s : slots_) s.live->apply(d);
    auto routed = router_.route(d, before, *this);
    if (keep && !routed.notice.channels.empty()) remember(routed.notice);
    if (notify) changes_.add(std::move(routed));
  }

  // Keeps `n` in the routed history, forgetting the oldest past
  // history_events (the history then covers only what follows it).
  void remember(const event_notice& n) {
    std::lock_guard<std::mutex> lk(history_mu_);
    history_.push_back(n);
    while (history_.size() > opt_.history_events) {
      history_covered_after_ = history_.front().position;
      history_.pop_front();
    }
  }

  void publish() {
    for (auto& s : slots_) s.live->publish(applied_);
    // Listeners before the position: the HTTP cache drops stale entries in its
    // listener, so a read-your-writes request must find them dropped already.
    // "Position reached" (position(), wait_for) therefore means "the listeners
    // are done", and published_ moves only after deliver() returns: a wait that
    // arrives while they run is queued and answered by complete_waiters().
    if (listeners_->any() || !changes_.empty()) listeners_->deliver(changes_.take(applied_));
    published_.store(applied_, std::memory_order_release);
    complete_waiters();
  }

  void complete_waiters() {
    std::vector<wait_callback> done;
    {
      std::lock_guard<std::mutex> lk(mu_);
      done = waiters_.take_reached(published_.load(std::memory_order_relaxed));
    }
    answer_all(done, true);
  }

  // One batch of each rebuild; swaps a rebuilt model in once it has caught up
  // with the live ones, and tells the listeners that everything may have
  // changed.
  void step_rebuilds() {
    for (auto& s : slots_) {
      if (!s.rebuilt) continue;
      auto done = s.step_rebuild(store_, applied_, opt_.batch_events);
      if (!done) {
        set_error(s, std::move(done).error());
        continue;
      }
      if (!*done) continue;
      s.swap_in_rebuilt(applied_);
      spdlog::info("projections: {} rebuilt up to position {}", s.name, applied_);
      change_batch b;
      b.position = applied_;
      b.tags = {tags::all};
      listeners_->deliver(b);
    }
  }

  void write_checkpoints(bool force) {
    const auto now = clock_type::now();
    if (!force && now - last_checkpoint_ < opt_.checkpoint_interval) return;
    const log_position pos = published_.load(std::memory_order_acquire);
    if (pos == checkpointed_) return;
    last_checkpoint_ = now;
    checkpointed_ = pos;
    for (auto& s : slots_) {
      auto r = store_.put_checkpoint("projection." + s.name, pos);
      if (!r) set_error(s, "checkpoint: " + r.error().message);
    }
  }

  eventstore::event_store& store_;
  runner_options opt_;

  // Snapshot slots: written with std::atomic_store by the models, read with
  // std::atomic_load by anyone.
  std::shared_ptr<const catalog_snapshot> catalog_slot_;
  std::shared_ptr<const orders_snapshot> orders_slot_;
  std::shared_ptr<const accounts_snapshot> accounts_slot_;
  std::shared_ptr<const dashboard_snapshot> dashboard_slot_;

  // In the order of status(): catalog, orders, accounts, dashboard.
  std::array<detail::model_slot, 4> slots_;

  // Runner-thread state.
  log_position applied_ = 0;
  detail::change_router router_;
  clock_type::time_point last_checkpoint_{};
  log_position checkpointed_ = 0;

  std::atomic<log_position> published_{0};

  // Guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool running_ = false;
  bool stop_ = false;
  log_position notified_ = 0;
  detail::waiters waiters_;

  mutable std::mutex status_mu_;

  // The routed history (read_notices): notices in log order; every event
  // after history_covered_after_ that was told to anyone is held.
  mutable std::mutex history_mu_;
  std::deque<event_notice> history_;
  log_position history_covered_after_ = 0;

  std::shared_ptr<detail::change_listeners> listeners_;
  // Runner-thread state: what the next change batch carries.
  detail::change_collector changes_;

  eventstore::subscription store_sub_;
  std::thread thread_;
};

// ---- projection_runner --------------------------------------------------------------

projection_runner::projection_runner(eventstore::event_store& store, runner_options options)
    : impl_(std::make_shared<impl>(store, options)) {}

projection_runner::~projection_runner() { impl_->stop(); }

void projection_runner::start() { impl_->start(); }
void projection_runner::stop() { impl_->stop(); }

std::shared_ptr<const catalog_snapshot> projection_runner::catalog() const { return impl_->catalog(); }
std::shared_ptr<const orders_snapshot> projection_runner::orders() const { return impl_->orders(); }
std::shared_ptr<const accounts_snapshot> projection_runner::accounts() const { return impl_->accounts(); }
std::shared_ptr<const dashboard_snapshot> projection_runner::dashboard() const { return impl_->dashboard(); }

eventstore::log_position projection_runner::position() const noexcept { return impl_->position(); }

void projection_runner::wait_for(eventstore::log_position position, std::chrono::milliseconds timeout,
                                 wait_callback done) {
  impl_->wait_for(position, timeout, std::move(done));
}

bool projection_runner::wait_for_position(eventstore::log_position position, std::chrono::milliseconds timeout) {
  struct result {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    bool reached = false;
  };
  auto r = std::make_shared<result>();
  impl_->wait_for(position, timeout, [r](bool reached) {
    {
      std::lock_guard<std::mutex> lk(r->mu);
      r->done = true;
      r->reached = reached;
    }
    r->cv.notify_all();
  });
  std::unique_lock<std::mutex> lk(r->mu);
  // The runner answers at the timeout; the extra margin only covers a runner
  // busy with a batch at that moment.
  r->cv.wait_for(lk, timeout + std::chrono::seconds(5), [&] { return r->done; });
  return r->done && r->reached;
}

change_subscription projection_runner::subscribe(change_listener listener) {
  return impl_->subscribe(std::move(listener));
}

agora::expected<std::vector<event_notice>, history_error> projection_runner::read_notices(
    eventstore::log_position after, eventstore::log_position up_to, std::size_t max_events) const {
  return impl_->read_notices(after, up_to, max_events);
}

agora::expected<void, std::string> projection_runner::rebuild(std::string_view name) { return impl_->rebuild(name); }

std::vector<projection_status> projection_runner::status() const { return impl_->status(); }

}  // namespace agora::projections
