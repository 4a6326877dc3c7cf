// The projection runner: one thread that reads the log, applies it to the read
// models, publishes snapshots, answers waits and tells change listeners.

#include "projections/projection_runner.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "eventstore/event_store.hpp"
#include "projections/src/accounts_model.hpp"
#include "projections/src/catalog_model.hpp"
#include "projections/src/dashboard_model.hpp"
#include "projections/src/orders_model.hpp"
#include "common/thread_name.hpp"

namespace agora::projections {

namespace {

using clock_type = std::chrono::steady_clock;
using eventstore::log_position;

// Runs foreign code (a listener, a wait callback) without letting an exception
// reach the runner thread: errors are values, but callbacks are not ours.
template <class F>
void call_guarded(const char* what, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("projections: {} threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("projections: {} threw a non-std exception", what);
  }
}

bool is_dashboard_order_event(const domain::order::event& e) {
  namespace od = domain::order;
  return !(std::holds_alternative<od::line_reserved>(e) ||
           std::holds_alternative<od::line_reservation_failed>(e) ||
           std::holds_alternative<od::payment_declined>(e));
}

}  // namespace

// ---- impl -------------------------------------------------------------------------

class projection_runner::impl : public std::enable_shared_from_this<impl> {
 public:
  impl(eventstore::event_store& store, runner_options options)
      : store_(store), opt_(options) {
    if (opt_.batch_events == 0) opt_.batch_events = 1;
    catalog_slot_ = std::make_shared<const catalog_snapshot>(
        std::make_shared<const catalog_snapshot::state>());
    orders_slot_ = std::make_shared<const orders_snapshot>(
        std::make_shared<const orders_snapshot::state>());
    accounts_slot_ = std::make_shared<const accounts_snapshot>(
        std::make_shared<const accounts_snapshot::state>());
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
    refresh_typed();
  }

  ~impl() { stop(); }

  void start() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (started_) return;
      started_ = true;
      running_ = true;
      notified_ = store_.last_position();
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
      for (auto& [id, w] : waiters_) failed.push_back(std::move(w.done));
      waiters_.clear();
      by_position_.clear();
      by_deadline_.clear();
    }
    for (auto& f : failed) call_guarded("wait callback", [&] { f(false); });
  }

  // ---- readers ----
  std::shared_ptr<const catalog_snapshot> catalog() const { return std::atomic_load(&catalog_slot_); }
  std::shared_ptr<const orders_snapshot> orders() const { return std::atomic_load(&orders_slot_); }
  std::shared_ptr<const accounts_snapshot> accounts() const { return std::atomic_load(&accounts_slot_); }
  std::shared_ptr<const dashboard_snapshot> dashboard() const {
    return std::atomic_load(&dashboard_slot_);
  }
  log_position position() const noexcept { return published_.load(std::memory_order_acquire); }

  void wait_for(log_position pos, std::chrono::milliseconds timeout, wait_callback done) {
    if (!done) return;
    if (position() >= pos) {
      call_guarded("wait callback", [&] { done(true); });
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
      } else if (!running_ || waiters_.size() >= opt_.max_waiters) {
        answer_now = true;
      } else {
        const std::uint64_t id = next_waiter_id_++;
        const auto deadline = clock_type::now() + timeout;
        waiter w;
        w.done = std::move(done);
        w.by_pos = by_position_.emplace(pos, id);
        w.by_deadline = by_deadline_.emplace(deadline, id);
        earliest = w.by_deadline == by_deadline_.begin();
        waiters_.emplace(id, std::move(w));
      }
    }
    if (answer_now) {
      call_guarded("wait callback", [&] { done(reached); });
      return;
    }
    // The runner sleeps until the earliest deadline: only a wait that moves it
    // sooner needs to wake the runner. Waits mostly share one timeout, so this
    // spares a wake-up (a context switch) per read-your-writes request.
    if (earliest) cv_.notify_one();
  }

  change_subscription subscribe(change_listener listener) {
    if (!listener) return {};
    std::uint64_t id = 0;
    {
      std::lock_guard<std::mutex> lk(listeners_mu_);
      id = next_listener_id_++;
      listeners_.emplace(id, std::make_shared<change_listener>(std::move(listener)));
      has_listeners_.store(true, std::memory_order_release);
    }
    std::weak_ptr<impl> weak = shared_from_this();
    return change_subscription([weak, id] {
      auto self = weak.lock();
      if (!self) return;
      {
        std::lock_guard<std::mutex> lk(self->listeners_mu_);
        self->listeners_.erase(id);
        self->has_listeners_.store(!self->listeners_.empty(), std::memory_order_release);
      }
      // Wait for a delivery in progress, unless we are inside it.
      if (std::this_thread::get_id() != self->runner_thread_id_.load()) {
        std::lock_guard<std::mutex> d(self->delivery_mu_);
      }
    });
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
  struct slot {
    std::string name;
    std::function<std::unique_ptr<detail::model>()> make;
    std::unique_ptr<detail::model> live;
    // A model being rebuilt from 0; it never publishes until it has caught up
    // with `live` and replaces it.
    std::unique_ptr<detail::model> rebuilt;
    bool rebuild_requested = false;  // guarded by mu_
    std::atomic<bool> rebuilding{false};
    std::atomic<log_position> rebuild_position{0};
    std::atomic<std::uint64_t> events_applied{0};
    std::string last_error;  // guarded by status_mu_
  };

  struct waiter {
    wait_callback done;
    std::multimap<log_position, std::uint64_t>::iterator by_pos;
    std::multimap<clock_type::time_point, std::uint64_t>::iterator by_deadline;
  };

  void refresh_typed() {
    catalog_live_ = static_cast<detail::catalog_model*>(slots_[0].live.get());
    orders_live_ = static_cast<detail::orders_model*>(slots_[1].live.get());
  }

  void set_error(slot& s, std::string message) {
    std::lock_guard<std::mutex> lk(status_mu_);
    s.last_error = std::move(message);
  }

  // ---- the runner thread ----
  void run() {
    runner_thread_id_.store(std::this_thread::get_id());
    while (true) {
      std::vector<wait_callback> expired;
      bool rebuild_work = false;
      {
        std::unique_lock<std::mutex> lk(mu_);
        for (auto& s : slots_) {
          if (s.rebuild_requested) rebuild_work = true;
        }
        rebuild_work = rebuild_work || any_rebuilding();
        auto ready = [&] { return stop_ || notified_ > applied_ || rebuild_work; };
        if (!ready()) {
          const auto deadline = by_deadline_.empty()
                                    ? clock_type::now() + std::chrono::seconds(1)
                                    : by_deadline_.begin()->first;
          cv_.wait_until(lk, deadline);
          for (auto& s : slots_) {
            if (s.rebuild_requested) rebuild_work = true;
          }
        }
        if (stop_) break;
        take_expired(expired);
        for (auto& s : slots_) {
          if (s.rebuild_requested) {
            s.rebuild_requested = false;
            if (!s.rebuilt) {
              s.rebuilt = s.make();
              s.rebuild_position.store(0);
              s.rebuilding.store(true, std::memory_order_release);
            }
          }
        }
      }
      for (auto& f : expired) call_guarded("wait callback", [&] { f(false); });

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

  // Moves the callbacks of waits whose deadline has passed into `out`. Needs mu_.
  void take_expired(std::vector<wait_callback>& out) {
    const auto now = clock_type::now();
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
      const auto id = by_deadline_.begin()->second;
      auto w = waiters_.find(id);
      by_position_.erase(w->second.by_pos);
      by_deadline_.erase(by_deadline_.begin());
      out.push_back(std::move(w->second.done));
      waiters_.erase(w);
    }
  }

  bool any_rebuilding() const {
    for (const auto& s : slots_) {
      if (s.rebuilt) return true;
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
      const bool notify = has_listeners_.load(std::memory_order_acquire);
      auto n = store_.scan_log(applied_ + 1, opt_.batch_events, [&](const eventstore::event_view& v) {
        auto d = detail::decode(v);
        if (!d) {
          const std::string msg = "position " + std::to_string(v.position) + " (" +
                                  std::string(v.stream) + " " + std::string(v.type) +
                                  "): " + d.error();
          spdlog::warn("projections: cannot decode event at {}", msg);
          for (auto& s : slots_) set_error(s, msg);
          if (notify) note_undecodable(v);
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
        take_expired(expired);
      }
      for (auto& f : expired) call_guarded("wait callback", [&] { f(false); });
      const bool caught_up = applied_ >= store_.last_position();
      const auto now = clock_type::now();
      if (caught_up || since_publish >= opt_.publish_every_events ||
          now - last_publish >= opt_.publish_interval) {
        publish();
        since_publish = 0;
        last_publish = now;
      }
    }
    if (published_.load(std::memory_order_relaxed) < applied_) publish();
    return true;
  }

  void apply_live(const detail::decoded_event& d, bool notify) {
    if (!notify) {
      for (auto& s : slots_) s.live->apply(d);
      return;
    }
    // Routing needs a little state from before the event (was the item low?)
    // and after it (which product has this SKU, whose order is it?).
    std::optional<bool> was_low;
    const std::string id(d.id);
    if (d.kind == detail::stream_kind::inventory) was_low = catalog_live_->is_low(id);
    for (auto& s : slots_) s.live->apply(d);
    if (truncated_) return;
    if (pending_.size() >= opt_.max_notices_per_batch) {
      truncated_ = true;
      pending_.clear();
      tags_.clear();
      return;
    }

    const auto& v = *d.view;
    event_notice n;
    n.stream = std::string(v.stream);
    n.type = std::string(v.type);
    n.position = v.position;
    n.version = v.version;
    n.timestamp = v.timestamp;
    switch (d.kind) {
      case detail::stream_kind::product: {
        n.data = std::string(v.data);
        tags_.insert("product:" + id);
        tags_.insert("catalog");
        const auto& pe = std::get<domain::product::event>(d.event);
        if (std::holds_alternative<domain::product::product_created>(pe) ||
            std::holds_alternative<domain::product::product_discontinued>(pe)) {
          tags_.insert("dashboard");
        }
        n.channels = {"product:" + id, "broadcast"};
        break;
      }
      case detail::stream_kind::inventory: {
        n.data = std::string(v.data);
        tags_.insert("sku:" + id);
        tags_.insert("catalog");
        n.channels.push_back("admin");
        if (const auto* pid = catalog_live_->product_id_for_sku(id)) {
          tags_.insert("product:" + *pid);
          n.channels.push_back("product:" + *pid);
        }
        const auto is_low = catalog_live_->is_low(id);
        if (was_low.value_or(false) || is_low.value_or(false)) tags_.insert("low_stock");
        if (was_low.value_or(false) != is_low.value_or(false)) tags_.insert("dashboard");
        break;
      }
      case detail::stream_kind::order: {
        n.data = std::string(v.data);
        tags_.insert("order:" + id);
        tags_.insert("orders:all");
        const auto& oe = std::get<domain::order::event>(d.event);
        if (is_dashboard_order_event(oe)) tags_.insert("dashboard");
        if (const auto* c = orders_live_->customer_of(id)) {
          tags_.insert("orders:customer:" + *c);
          n.channels.push_back("user:" + *c);
        }
        n.channels.push_back("admin");
        break;
      }
      case detail::stream_kind::cart: {
        n.data = std::string(v.data);
        const auto& ce = std::get<domain::cart::event>(d.event);
        if (const auto* created = std::get_if<domain::cart::cart_created>(&ce)) {
          cart_owner_[id] = created->customer_id;
        }
        auto owner = cart_owner_.find(id);
        if (owner != cart_owner_.end()) {
          n.channels.push_back("user:" + owner->second);
          // A cart that is checked out or expired takes no more events.
          if (std::holds_alternative<domain::cart::cart_checked_out>(ce) ||
              std::holds_alternative<domain::cart::cart_expired>(ce)) {
            cart_owner_.erase(owner);
          }
        }
        break;
      }
      case detail::stream_kind::customer: {
        // No data: customer events carry the password hash.
        tags_.insert("customer:" + id);
        const auto& ce = std::get<domain::customer::event>(d.event);
        n.channels.push_back("user:" + id);
        if (std::holds_alternative<domain::customer::customer_registered>(ce)) {
          tags_.insert("dashboard");
          n.channels.push_back("admin");
        }
        break;
      }
      case detail::stream_kind::claim:
      case detail::stream_kind::unknown:
        break;
    }
    pending_.push_back(std::move(n));
  }

  void note_undecodable(const eventstore::event_view& v) {
    if (truncated_ || pending_.size() >= opt_.max_notices_per_batch) return;
    event_notice n;
    n.stream = std::string(v.stream);
    n.type = std::string(v.type);
    n.position = v.position;
    n.version = v.version;
    n.timestamp = v.timestamp;
    pending_.push_back(std::move(n));
  }

  void publish() {
    for (auto& s : slots_) s.live->publish(applied_);
    // Listeners before the position: the HTTP cache drops stale entries in its
    // listener, so a read-your-writes request must find them dropped already.
    // "Position reached" (position(), wait_for) therefore means "the listeners
    // are done", and published_ moves only after deliver() returns: a wait that
    // arrives while they run is queued and answered by complete_waiters().
    if (has_listeners_.load(std::memory_order_acquire) || !pending_.empty() || truncated_) {
      change_batch b;
      b.position = applied_;
      if (truncated_) {
        b.tags = {"all"};
      } else {
        b.tags.assign(tags_.begin(), tags_.end());
        b.events = std::move(pending_);
      }
      pending_.clear();
      tags_.clear();
      truncated_ = false;
      deliver(b);
    }
    published_.store(applied_, std::memory_order_release);
    complete_waiters();
  }

  void complete_waiters() {
    std::vector<wait_callback> done;
    {
      std::lock_guard<std::mutex> lk(mu_);
      const log_position pos = published_.load(std::memory_order_relaxed);
      while (!by_position_.empty() && by_position_.begin()->first <= pos) {
        const auto id = by_position_.begin()->second;
        auto w = waiters_.find(id);
        by_deadline_.erase(w->second.by_deadline);
        by_position_.erase(by_position_.begin());
        done.push_back(std::move(w->second.done));
        waiters_.erase(w);
      }
    }
    for (auto& f : done) call_guarded("wait callback", [&] { f(true); });
  }

  void deliver(const change_batch& b) {
    std::lock_guard<std::mutex> d(delivery_mu_);
    std::vector<std::shared_ptr<change_listener>> targets;
    {
      std::lock_guard<std::mutex> lk(listeners_mu_);
      for (const auto& [id, l] : listeners_) targets.push_back(l);
    }
    for (const auto& l : targets) call_guarded("change listener", [&] { (*l)(b); });
  }

  // One batch of each rebuild; swaps a rebuilt model in once it has caught up
  // with the live ones.
  void step_rebuilds() {
    for (auto& s : slots_) {
      if (!s.rebuilt) continue;
      log_position pos = s.rebuild_position.load(std::memory_order_relaxed);
      if (pos < applied_) {
        const std::size_t max =
            static_cast<std::size_t>(std::min<log_position>(opt_.batch_events, applied_ - pos));
        auto n = store_.scan_log(pos + 1, max, [&](const eventstore::event_view& v) {
          auto d = detail::decode(v);
          if (d) s.rebuilt->apply(*d);
          pos = v.position;
          return true;
        });
        if (!n) {
          set_error(s, "rebuild: reading the log: " + n.error().message);
          continue;
        }
        s.events_applied.fetch_add(*n, std::memory_order_relaxed);
        s.rebuild_position.store(pos, std::memory_order_relaxed);
      }
      if (pos >= applied_) {
        s.live = std::move(s.rebuilt);
        refresh_typed();
        s.live->publish(applied_);
        s.rebuilding.store(false, std::memory_order_release);
        spdlog::info("projections: {} rebuilt up to position {}", s.name, applied_);
        change_batch b;
        b.position = applied_;
        b.tags = {"all"};
        deliver(b);
      }
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

  std::array<slot, 4> slots_;
  detail::catalog_model* catalog_live_ = nullptr;
  detail::orders_model* orders_live_ = nullptr;

  // Runner-thread state.
  log_position applied_ = 0;
  std::set<std::string> tags_;
  std::vector<event_notice> pending_;
  bool truncated_ = false;
  std::unordered_map<std::string, std::string> cart_owner_;
  clock_type::time_point last_checkpoint_{};
  log_position checkpointed_ = 0;

  std::atomic<log_position> published_{0};
  std::atomic<std::thread::id> runner_thread_id_{};

  // Guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool running_ = false;
  bool stop_ = false;
  log_position notified_ = 0;
  std::map<std::uint64_t, waiter> waiters_;
  std::multimap<log_position, std::uint64_t> by_position_;
  std::multimap<clock_type::time_point, std::uint64_t> by_deadline_;
  std::uint64_t next_waiter_id_ = 0;

  mutable std::mutex status_mu_;

  std::mutex listeners_mu_;
  std::mutex delivery_mu_;
  std::map<std::uint64_t, std::shared_ptr<change_listener>> listeners_;
  std::uint64_t next_listener_id_ = 0;
  std::atomic<bool> has_listeners_{false};

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
std::shared_ptr<const accounts_snapshot> projection_runner::accounts() const {
  return impl_->accounts();
}
std::shared_ptr<const dashboard_snapshot> projection_runner::dashboard() const {
  return impl_->dashboard();
}

eventstore::log_position projection_runner::position() const noexcept { return impl_->position(); }

void projection_runner::wait_for(eventstore::log_position position,
                                 std::chrono::milliseconds timeout, wait_callback done) {
  impl_->wait_for(position, timeout, std::move(done));
}

bool projection_runner::wait_for_position(eventstore::log_position position,
                                          std::chrono::milliseconds timeout) {
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

agora::expected<void, std::string> projection_runner::rebuild(std::string_view name) {
  return impl_->rebuild(name);
}

std::vector<projection_status> projection_runner::status() const { return impl_->status(); }

}  // namespace agora::projections
