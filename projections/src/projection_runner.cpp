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
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/guarded.hpp"
#include "common/thread_name.hpp"
#include "common/uuid.hpp"
#include "eventstore/event_store.hpp"
#include "projections/src/accounts_model.hpp"
#include "projections/src/catalog_model.hpp"
#include "projections/src/codec.hpp"
#include "projections/src/change_listeners.hpp"
#include "projections/src/change_router.hpp"
#include "projections/src/dashboard_model.hpp"
#include "projections/src/orders_model.hpp"
#include "projections/src/model_writer.hpp"
#include "projections/src/rebuild.hpp"
#include "projections/src/waiters.hpp"

namespace agora::projections {

namespace {

using clock_type = std::chrono::steady_clock;
using eventstore::log_position;

// While catching up, the models' changes go to disk every this many events
// (and at every publish).
constexpr std::size_t kStageEvery = 100'000;

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
    slots_[0].format = detail::formats::catalog;
    slots_[0].make = [this](detail::kv_writer w) {
      return std::make_unique<detail::catalog_model>(&catalog_slot_, std::move(w));
    };
    slots_[1].name = std::string(orders_name);
    slots_[1].format = detail::formats::orders;
    slots_[1].make = [this](detail::kv_writer w) {
      return std::make_unique<detail::orders_model>(&orders_slot_, std::move(w), opt_.hot_orders);
    };
    slots_[2].name = std::string(accounts_name);
    slots_[2].format = detail::formats::accounts;
    slots_[2].make = [this](detail::kv_writer w) {
      return std::make_unique<detail::accounts_model>(&accounts_slot_, std::move(w));
    };
    slots_[3].name = std::string(dashboard_name);
    slots_[3].format = detail::formats::dashboard;
    slots_[3].make = [this](detail::kv_writer w) {
      return std::make_unique<detail::dashboard_model>(&dashboard_slot_, std::move(w), opt_.hot_orders);
    };
  }

  ~impl() override { stop(); }

  agora::expected<void, std::string> start() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (started_) return {};
    }
    if (auto r = open_models(); !r) return r;
    {
      std::lock_guard<std::mutex> lk(mu_);
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
    return {};
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (!running_) return;
      running_ = false;
      stop_ = true;
    }
    cv_.notify_one();
    // The runner thread may wait for the writer (a write being retried):
    // stopping the writer wakes it. The writer still writes what it holds.
    if (writer_) writer_->stop();
    if (thread_.joinable()) thread_.join();
    if (writer_) writer_->join();
    store_sub_.reset();
    write_checkpoints(/*force=*/true);
    // A clean stop leaves the models on disk at the last published position:
    // the next start resumes there without applying anything again.
    if (db_ && !db_->in_memory()) {
      if (auto f = db_->flush(); !f) spdlog::error("projections: {}", f.error());
    }
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

  agora::expected<void, std::string> rebuild(std::string_view name) { return request(name, detail::shadow_use::rebuild); }

  agora::expected<void, std::string> dry_run(std::string_view name) { return request(name, detail::shadow_use::dry_run); }

  agora::expected<dry_run_report, std::string> dry_run_result(std::string_view name) const {
    for (const auto& s : slots_) {
      if (s.name != name) continue;
      std::lock_guard<std::mutex> lk(status_mu_);
      if (s.report.name.empty()) return agora::unexpected{"no dry run of " + s.name + " since the node started"};
      return s.report;
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
      if (writer_) {
        if (auto e = writer_->error(); !e.empty()) st.last_error = e;
      }
      const auto use = s.use.load(std::memory_order_acquire);
      st.rebuilding = use == detail::shadow_use::rebuild;
      st.dry_running = use == detail::shadow_use::dry_run;
      st.rebuild_position = s.rebuild_position.load(std::memory_order_relaxed);
      out.push_back(std::move(st));
    }
    return out;
  }

  storage_stats storage() const {
    storage_stats st;
    // db_ is set once by start() before anything else runs; readers of the
    // figures before that see zeros.
    std::shared_ptr<detail::model_db> db;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (!started_) return st;
      db = db_;
    }
    if (!db) return st;
    st.memory_bytes = db->memory_bytes();
    st.disk_bytes = db->disk_bytes();
    return st;
  }

 private:
  // ---- routing_lookup: the live models, as the change router sees them ----
  const detail::catalog_model& live_catalog() const {
    return static_cast<const detail::catalog_model&>(*slots_[0].live);
  }
  detail::orders_model& live_orders() const { return static_cast<detail::orders_model&>(*slots_[1].live); }
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

  // Whether a rebuild or a dry run is asked for or under way.
  bool rebuild_work() const {
    for (const auto& s : slots_) {
      if (s.shadow_work()) return true;
    }
    return false;
  }

  // Asks for a shadow of model `name` and wakes the runner thread.
  agora::expected<void, std::string> request(std::string_view name, detail::shadow_use what) {
    for (auto& s : slots_) {
      if (s.name != name) continue;
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (!running_) return agora::unexpected{std::string("projection runner is not running")};
        // The runner thread ends a shadow and stores its report under
        // status_mu_ too: a new dry run's fresh report cannot be overwritten
        // by the last one's.
        std::lock_guard<std::mutex> g(status_mu_);
        const bool fresh = !s.shadow_work();
        if (auto r = s.request_shadow(what); !r) return r;
        if (what == detail::shadow_use::dry_run && fresh) {
          s.report = dry_run_report{};
          s.report.name = s.name;
        }
      }
      cv_.notify_one();
      return {};
    }
    return agora::unexpected{"unknown projection: " + std::string(name)};
  }

  // Applies everything the store has to the live models. False on a read error.
  bool catch_up() {
    auto last_publish = clock_type::now();
    std::size_t since_publish = 0;
    std::size_t since_stage = 0;
    while (true) {
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (stop_) return true;
      }
      const log_position target = store_.last_position();
      if (applied_ >= target) break;
      const log_position batch_from = applied_;
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
        last_event_id_ = v.id;
        return true;
      });
      if (!n) {
        spdlog::error("projections: reading the log failed: {}", n.error().message);
        for (auto& s : slots_) set_error(s, "reading the log: " + n.error().message);
        return false;
      }
      if (*n == 0) break;
      // A model counts what it was given: one resumed further on skipped the rest.
      for (auto& s : slots_) {
        const log_position from = std::max(batch_from, s.position);
        if (applied_ > from) s.events_applied.fetch_add(applied_ - from, std::memory_order_relaxed);
      }
      since_publish += *n;
      since_stage += *n;
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
      } else if (since_stage >= kStageEvery) {
        // Far behind: what was applied goes to disk while the next events are
        // applied (a consistent point too: the batch carries the positions).
        // Not every batch: an entry changed many times in between (an item's
        // stock, an order's head) is written once.
        stage_models();
        since_stage = 0;
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
      apply_to_models(d);
      return;
    }
    // Routing needs a little state from before the event (was the item low?)
    // and after it (which product has this SKU, whose order is it?).
    const auto before = detail::change_router::observe(d, *this);
    apply_to_models(d);
    const std::string* owner_before = nullptr;
    std::string cart_id;
    if (d.kind == detail::stream_kind::cart) {
      cart_id.assign(d.id);
      owner_before = router_.owner_of(cart_id);
    }
    const bool had_owner = owner_before != nullptr;
    auto routed = router_.route(d, before, *this);
    if (d.kind == detail::stream_kind::cart) {
      // The router's open carts are kept on disk with the models, so that a
      // cart opened before a restart still reaches its owner after it.
      const std::string* owner = router_.owner_of(cart_id);
      if (owner != nullptr && !had_owner) meta_->put(cart_key(cart_id), *owner);
      if (owner == nullptr && had_owner) meta_->erase(cart_key(cart_id));
    }
    if (keep && !routed.notice.channels.empty()) remember(routed.notice);
    if (notify) changes_.add(std::move(routed));
  }

  // Applies `d` to every live model that does not have it yet (after a
  // start, a model rebuilt for a new format begins further back).
  void apply_to_models(const detail::decoded_event& d) {
    for (auto& s : slots_) {
      if (d.view->position > s.position) s.live->apply(d);
    }
  }

  // Keeps `n` in the routed history, forgetting the oldest past
  // history_events (the history then covers only what follows it). The
  // history is kept on disk too, in the batch of the models that produced it.
  void remember(const event_notice& n) {
    std::string bytes;
    detail::encode_notice(n, bytes);
    meta_->put(notice_key(n.position), std::move(bytes));
    std::lock_guard<std::mutex> lk(history_mu_);
    history_.push_back(n);
    while (history_.size() > opt_.history_events) {
      history_covered_after_ = history_.front().position;
      meta_->erase(notice_key(history_.front().position));
      history_.pop_front();
    }
  }

  static std::string cart_key(const std::string& cart_id) { return "cart/" + cart_id; }
  static std::string notice_key(log_position p) { return "notice/" + detail::be64(p); }

  // ---- the models on disk ----

  // Opens the models' database and resumes each model from its stored
  // position; a model that is missing, of another format, or unreadable
  // starts empty in a new generation and is built from the log.
  agora::expected<void, std::string> open_models() {
    detail::model_db_options dbo;
    dbo.path = opt_.path;
    dbo.block_cache_bytes = opt_.block_cache_bytes;
    dbo.write_buffer_bytes = opt_.write_buffer_bytes;
    auto db = detail::model_db::open(dbo);
    if (!db) return agora::unexpected{std::move(db).error()};
    db_ = std::move(*db);
    meta_ = std::make_unique<detail::kv_writer>(db_, detail::family_ptr(db_, db_->meta_family()));
    writer_ = std::make_unique<detail::model_writer>(db_);

    // The log the models were built from must be this one: the event at
    // their position must be the one they applied. A store restored from an
    // older backup, or replaced, fails this and every model is rebuilt.
    bool same_log = true;
    log_position at = 0;
    if (auto v = meta_->get("log")) {
      detail::bin_reader r(*v);
      std::string id;
      r.u64(at);
      r.str(id);
      if (!r.done()) {
        same_log = false;
      } else if (at > 0) {
        std::string found;
        auto n = store_.scan_log(at, 1, [&](const eventstore::event_view& ev) {
          if (ev.position == at) found = ev.id.to_string();
          return false;
        });
        if (!n) return agora::unexpected{"projections: reading the log: " + n.error().message};
        same_log = found == id;
      }
      if (!same_log) {
        spdlog::warn("projections: the read models on disk were built from another log (position {} is not the "
                     "event they applied): rebuilding every model from the log",
                     at);
      }
    }
    const log_position last = store_.last_position();
    log_position start_at = last;
    for (auto& s : slots_) {
      auto m = db_->meta(s.name);
      const bool usable = same_log && m && m->format == s.format && m->position <= last;
      if (m && m->format != s.format) {
        spdlog::info("projections: {} on disk has format {}, this build writes {}: rebuilding it from the log",
                     s.name, m->format, s.format);
      }
      s.generation = m ? m->generation + (usable ? 0 : 1) : 1;
      s.position = usable ? m->position : 0;
      auto f = db_->family(s.name, s.generation);
      if (!f) return agora::unexpected{std::move(f).error()};
      s.family = *f;
      s.live = s.make(detail::kv_writer(db_, s.family));
      if (usable) {
        if (auto l = s.live->load(); !l) {
          spdlog::warn("projections: {} cannot be read back ({}): rebuilding it from the log", s.name, l.error());
          db_->drop(s.family);
          ++s.generation;
          auto g = db_->family(s.name, s.generation);
          if (!g) return agora::unexpected{std::move(g).error()};
          s.family = *g;
          s.live = s.make(detail::kv_writer(db_, s.family));
          s.position = 0;
        }
      }
      db_->drop_others(s.name, s.generation);
      start_at = std::min(start_at, s.position);
    }
    applied_ = start_at;
    published_.store(start_at, std::memory_order_release);
    // The log record written with the next publish names this event.
    if (start_at > 0) {
      auto n = store_.scan_log(start_at, 1, [&](const eventstore::event_view& ev) {
        last_event_id_ = ev.id;
        return false;
      });
      if (!n) return agora::unexpected{"projections: reading the log: " + n.error().message};
    }
    checkpointed_ = 0;

    // The router's open carts and the routed history, from the same batches.
    std::unique_lock<std::mutex> h(history_mu_);
    history_.clear();
    log_position covered = start_at;
    if (same_log) {
      std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(rocksdb::ReadOptions(), db_->meta_family()));
      for (it->Seek("cart/"); it->Valid() && it->key().starts_with("cart/"); it->Next()) {
        router_.restore_owner(it->key().ToString().substr(5), it->value().ToString());
      }
      if (auto v = meta_->get("history/from")) {
        detail::bin_reader r(*v);
        log_position from = 0;
        if (r.u64(from) && r.done()) covered = std::min(from, start_at);
      }
      for (it->Seek("notice/"); it->Valid() && it->key().starts_with("notice/"); it->Next()) {
        event_notice n;
        if (detail::decode_notice(std::string_view(it->value().data(), it->value().size()), n) &&
            n.position > covered && n.position <= start_at) {
          history_.push_back(std::move(n));
        }
      }
    } else {
      rocksdb::WriteBatch wipe;
      wipe.DeleteRange(db_->meta_family(), "cart/", "cart0");
      wipe.DeleteRange(db_->meta_family(), "notice/", "notice0");
      if (auto w = db_->write(wipe); !w) return agora::unexpected{w.error()};
    }
    // Nothing older than history_events before the end of the log is kept:
    // routing a whole replay would only slow the start down.
    const log_position floor = last > opt_.history_events ? last - opt_.history_events : 0;
    covered = opt_.history_events == 0 ? last : std::max(covered, floor);
    while (!history_.empty() && (history_.front().position <= covered || history_.size() > opt_.history_events)) {
      covered = std::max(covered, history_.front().position);
      meta_->erase(notice_key(history_.front().position));
      history_.pop_front();
    }
    history_covered_after_ = covered;
    h.unlock();
    // Every model publishes what it has, so readers see the stored models at
    // once (the node still waits for the catch-up before it serves).
    publish_models();
    spdlog::info("projections: read models at {} resume from position {} of {}",
                 opt_.path.empty() ? std::string("(memory)") : opt_.path, start_at, last);
    return {};
  }

  void publish() {
    if (!publish_models()) return;
    // Listeners before the position: the HTTP cache drops stale entries in its
    // listener, so a read-your-writes request must find them dropped already.
    // "Position reached" (position(), wait_for) therefore means "the listeners
    // are done", and published_ moves only after deliver() returns: a wait that
    // arrives while they run is queued and answered by complete_waiters().
    if (listeners_->any() || !changes_.empty()) listeners_->deliver(changes_.take(applied_));
    published_.store(applied_, std::memory_order_release);
    complete_waiters();
  }

  // Hands every model's changes since the last call, with each model's
  // position (and the router's state), to the writer as one batch. The
  // writer inserts it while this thread applies the next events. False when
  // the writer is stopping.
  bool stage_models(bool inline_write = false) {
    // The models keep the last flush's changes readable until their next
    // flush: that write must be done first.
    if (!writer_->wait()) return false;
    for (auto& s : slots_) {
      s.live->flush(batch_);
      // A model resumed further on than the others (they are being rebuilt
      // for a new format) stays where it is until the others pass it.
      s.position = std::max(s.position, applied_);
      db_->put_meta(batch_, s.name, detail::model_meta{s.format, s.generation, s.position});
    }
    std::string v;
    detail::bin_writer(v).u64(applied_).str(applied_ > 0 ? last_event_id_.to_string() : std::string());
    meta_->put("log", std::move(v));
    {
      std::lock_guard<std::mutex> lk(history_mu_);
      std::string h;
      detail::bin_writer(h).u64(history_covered_after_);
      meta_->put("history/from", std::move(h));
    }
    meta_->flush(batch_);
    if (inline_write) {
      // Caught up, a publish follows at once: handing the batch to the
      // writer thread would only add two thread switches to every publish.
      auto w = db_->write(batch_);
      if (!w) {
        // Given to the writer, which retries it until it is written.
        spdlog::error("projections: {}", w.error());
        const bool queued = writer_->submit(std::move(batch_));
        batch_.Clear();
        return queued && writer_->wait();
      }
      batch_.Clear();
      return true;
    }
    const bool ok = writer_->submit(std::move(batch_));
    batch_.Clear();
    return ok;
  }

  // Writes everything applied so far (stage_models, then waits for it) and
  // publishes each model's snapshot at applied_. False when the write could
  // not be made (the writer retries it; readers keep the last snapshots).
  bool publish_models() {
    if (!stage_models(/*inline_write=*/true)) return false;
    auto snap = db_->snapshot();
    for (auto& s : slots_) s.live->publish(s.position, snap);
    return true;
  }

  void complete_waiters() {
    std::vector<wait_callback> done;
    {
      std::lock_guard<std::mutex> lk(mu_);
      done = waiters_.take_reached(published_.load(std::memory_order_relaxed));
    }
    answer_all(done, true);
  }

  // One batch of each shadow: a rebuild is swapped in once it has caught up
  // with the live models (and the listeners told that everything may have
  // changed); a dry run is then compared with the live model, a bounded
  // number of keys per call, and dropped. Progress goes to the listeners a
  // few times a second (change_batch::progress).
  void step_rebuilds() {
    std::vector<rebuild_progress> told;
    bool swapped = false;
    for (auto& s : slots_) {
      if (!s.shadow_work()) continue;
      const bool dry = s.use.load(std::memory_order_acquire) == detail::shadow_use::dry_run;
      if (s.comparison) {
        step_comparison(s, told);
        continue;
      }
      const bool starting = !s.rebuilt;
      if (auto st = s.start_shadow(*db_); !st) {
        fail_shadow(s, std::move(st).error(), told);
        continue;
      }
      if (starting) told.push_back(progress_of(s, dry));  // started: position 0
      // The live model's pending changes go first, so that the swap's batch
      // holds only the rebuilt model's (and a dry run compares written models).
      if (published_.load(std::memory_order_relaxed) < applied_) continue;
      auto done = s.step_rebuild(store_, *db_, applied_, opt_.batch_events);
      if (!done) {
        set_error(s, std::move(done).error());
        continue;
      }
      if (!*done) {
        if (due(s)) told.push_back(progress_of(s, dry));
        continue;
      }
      // No batch of the live models (with the old generation's meta record)
      // may land after the swap's, and a dry run compares what is written.
      if (!writer_->wait()) continue;
      if (dry) {
        s.start_comparison(*db_);
        told.push_back(progress_of(s, dry));
        continue;
      }
      if (auto sw = s.swap_in_rebuilt(*db_, applied_); !sw) {
        set_error(s, std::move(sw).error());
        continue;
      }
      spdlog::info("projections: {} rebuilt up to position {}", s.name, applied_);
      swapped = true;
      auto p = progress_of(s, false);
      p.position = p.target = applied_;
      p.done = true;
      told.push_back(std::move(p));
    }
    // One batch, the progress in the order it was made; tagged "all" when a
    // rebuilt model was swapped in (the readers' caches must be dropped).
    if (swapped || (!told.empty() && listeners_->any())) {
      change_batch b;
      b.position = swapped ? applied_ : published_.load(std::memory_order_relaxed);
      if (swapped) b.tags = {tags::all};
      b.progress = std::move(told);
      listeners_->deliver(b);
    }
  }

  // Compares a dry run's shadow with the live model, kComparedPerStep keys
  // at a time; once done, reports and drops the shadow.
  void step_comparison(detail::model_slot& s, std::vector<rebuild_progress>& told) {
    constexpr std::size_t kComparedPerStep = 50'000;
    dry_run_report r;
    {
      std::lock_guard<std::mutex> lk(status_mu_);
      r = s.report;
    }
    auto done = s.comparison->diff->step(kComparedPerStep, r);
    if (!done) return fail_shadow(s, "dry run: " + done.error(), told);
    auto p = progress_of(s, true);
    p.target = p.position;  // compared at the shadow's position, whatever the live models do meanwhile
    p.keys_compared = s.comparison->diff->keys_compared();
    if (*done) {
      r.what = dry_run_report::state::done;
      r.position = r.target = p.position;
      p.differences = r.only_live + r.only_shadow + r.differing;
      spdlog::info("projections: dry run of {} at position {}: {} (live {} entries, shadow {}; {} only live, {} only "
                   "in the shadow, {} differ)",
                   s.name, r.position, r.equal() ? "equal" : "DIFFERS", r.live_entries, r.shadow_entries, r.only_live,
                   r.only_shadow, r.differing);
      p.done = true;
    }
    if (p.done) s.drop_shadow(*db_);
    {
      std::lock_guard<std::mutex> lk(status_mu_);
      s.report = std::move(r);
      if (p.done) s.use.store(detail::shadow_use::none, std::memory_order_release);
    }
    if (p.done || due(s)) told.push_back(std::move(p));
  }

  // Ends a shadow that cannot go on (its family could not be made, or a dry
  // run's comparison could not read): the model's last_error says why, a
  // dry run is reported failed, and the listeners are told.
  void fail_shadow(detail::model_slot& s, std::string message, std::vector<rebuild_progress>& told) {
    const bool dry = s.use.load(std::memory_order_acquire) == detail::shadow_use::dry_run;
    spdlog::warn("projections: {} of {} stopped: {}", dry ? "dry run" : "rebuild", s.name, message);
    auto p = progress_of(s, dry);
    s.drop_shadow(*db_);
    {
      std::lock_guard<std::mutex> lk(status_mu_);
      s.last_error = message;
      if (dry) {
        s.report.what = dry_run_report::state::failed;
        s.report.error = message;
      }
      s.use.store(detail::shadow_use::none, std::memory_order_release);
    }
    p.error = std::move(message);
    told.push_back(std::move(p));
  }

  // The progress of `s`'s shadow now; for a dry run, its report follows it.
  rebuild_progress progress_of(detail::model_slot& s, bool dry) {
    rebuild_progress p;
    p.name = s.name;
    p.dry_run = dry;
    p.position = s.rebuild_position.load(std::memory_order_relaxed);
    p.target = applied_;
    s.progress_told = clock_type::now();
    if (dry) {
      std::lock_guard<std::mutex> lk(status_mu_);
      s.report.position = p.position;
      s.report.target = p.target;
    }
    return p;
  }

  // Whether `s`'s progress is due to be told again.
  bool due(const detail::model_slot& s) const { return clock_type::now() - s.progress_told >= opt_.progress_interval; }

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

  // The models' database; meta_ writes its default family (meta records,
  // open carts, routed history). batch_ gathers one publish's writes.
  std::shared_ptr<detail::model_db> db_;
  std::unique_ptr<detail::kv_writer> meta_;
  rocksdb::WriteBatch batch_;
  std::unique_ptr<detail::model_writer> writer_;

  // Runner-thread state.
  log_position applied_ = 0;
  uuid last_event_id_;
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

std::string default_models_path(const std::string& store_path) {
  auto store = std::filesystem::path(store_path);
  if (!store.has_filename()) store = store.parent_path();  // "./data/store/"
  return store.filename() == "store" ? (store.parent_path() / "projections").string() : store.string() + "-projections";
}

// ---- projection_runner --------------------------------------------------------------

projection_runner::projection_runner(eventstore::event_store& store, runner_options options)
    : impl_(std::make_shared<impl>(store, options)) {}

projection_runner::~projection_runner() { impl_->stop(); }

agora::expected<void, std::string> projection_runner::start() { return impl_->start(); }
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

agora::expected<void, std::string> projection_runner::dry_run(std::string_view name) { return impl_->dry_run(name); }

agora::expected<dry_run_report, std::string> projection_runner::dry_run_result(std::string_view name) const {
  return impl_->dry_run_result(name);
}

std::vector<projection_status> projection_runner::status() const { return impl_->status(); }

storage_stats projection_runner::storage() const { return impl_->storage(); }

}  // namespace agora::projections
