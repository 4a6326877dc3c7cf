// The offline replay (replay.hpp): the runner's models fed by one scan.

#include "projections/replay.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "eventstore/event_store.hpp"
#include "eventstore/store_lock.hpp"
#include "projections/src/accounts_model.hpp"
#include "projections/src/catalog_model.hpp"
#include "projections/src/codec.hpp"
#include "projections/src/dashboard_model.hpp"
#include "projections/src/model_diff.hpp"
#include "projections/src/model_writer.hpp"
#include "projections/src/orders_model.hpp"

namespace agora::projections {

namespace {

using clock_type = std::chrono::steady_clock;
// Timing every apply would cost more than some applies; every 16th event
// gives each model's share within a few per cent over a large log.
constexpr std::uint64_t kSampleEvery = 16;
constexpr std::size_t kBatch = 10'000;
constexpr std::size_t kHotOrders = 50'000;
constexpr std::size_t kStageEvery = 100'000;

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

// One model being replayed, with the slot it publishes into.
struct replay_slot {
  std::string name;
  std::unique_ptr<detail::model> model;
  std::function<std::pair<std::uint64_t, std::uint64_t>()> sum_and_entries;
  clock_type::duration sampled{};
  clock_type::duration publish{};
};

// A stopped node's read models, opened read-only, to compare a replay with.
class stored_models {
 public:
  /// Opens `dir` and checks that every model stored there is of this build's
  /// format, at one position, built from `store`'s log.
  static agora::expected<std::unique_ptr<stored_models>, std::string> open(const std::string& dir,
                                                                         const eventstore::event_store& store) {
    const auto lock = eventstore::probe_store_lock(dir);
    if (lock.state == eventstore::store_lock_state::status::no_store) {
      return agora::unexpected{"no read models at " + dir + " (no CURRENT file): give the node's projections.path"};
    }
    if (lock.state == eventstore::store_lock_state::status::held) {
      return agora::unexpected{"the read models at " + dir + " are held by a running agorad" +
                               (lock.holder_pid > 0 ? " (process " + std::to_string(lock.holder_pid) + ")" : "") +
                               ": its dry run is `agoractl replay --dry-run --url`"};
    }
    std::vector<std::string> names;
    auto st = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
    if (!st.ok()) return agora::unexpected{"reading " + dir + ": " + st.ToString()};
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::unique_ptr<stored_models> m(new stored_models());
    rocksdb::DB* raw = nullptr;
    st = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, cfs, &m->handles_, &raw);
    if (!st.ok()) return agora::unexpected{"opening the read models at " + dir + ": " + st.ToString()};
    m->db_.reset(raw);
    m->dir_ = dir;
    for (auto* h : m->handles_) m->by_name_[h->GetName()] = h;
    // The log they were built from must be this one (as the runner checks at start).
    std::string log;
    if (!m->db_->Get(rocksdb::ReadOptions(), "log", &log).ok()) {
      return agora::unexpected{"the read models at " + dir + " have no log record: not a node's read models"};
    }
    detail::bin_reader r(log);
    std::string id;
    r.u64(m->position);
    r.str(id);
    if (!r.done()) return agora::unexpected{"the read models at " + dir + " have a malformed log record"};
    if (m->position > store.last_position()) {
      return agora::unexpected{"the read models at " + dir + " are at position " + std::to_string(m->position) +
                               ", past the end of this log (" + std::to_string(store.last_position()) +
                               "): built from another store?"};
    }
    std::string found;
    if (m->position > 0) {
      auto n = store.scan_log(m->position, 1, [&](const eventstore::event_view& ev) {
        if (ev.position == m->position) found = ev.id.to_string();
        return false;
      });
      if (!n) return agora::unexpected{"reading the log: " + n.error().message};
      if (found != id) {
        return agora::unexpected{"the read models at " + dir + " were built from another log (the event at position " +
                                 std::to_string(m->position) + " differs): agorad rebuilds them at its next start"};
      }
    }
    return m;
  }

  ~stored_models() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
  }

  /// Compares model `name` as stored with `family` of `replayed` at `snap`.
  agora::expected<dry_run_report, std::string> compare(const std::string& name, detail::model_db& replayed,
                                                        rocksdb::ColumnFamilyHandle& family,
                                                        const detail::snapshot_ptr& snap) const {
    std::string v;
    if (!db_->Get(rocksdb::ReadOptions(), detail::model_db::meta_key(name), &v).ok()) {
      return agora::unexpected{"the read models at " + dir_ + " have no " + name + " model"};
    }
    const auto meta = detail::model_db::decode_meta(v);
    if (!meta) return agora::unexpected{"the read models at " + dir_ + " have a malformed record for " + name};
    const std::uint32_t format = format_of(name);
    if (meta->format != format) {
      return agora::unexpected{name + " at " + dir_ + " is stored in format " + std::to_string(meta->format) +
                               ", this build writes " + std::to_string(format) +
                               ": agorad rebuilds it at its next start; nothing to compare"};
    }
    if (meta->position != position) {
      return agora::unexpected{name + " at " + dir_ + " is at position " + std::to_string(meta->position) +
                               ", the other models at " + std::to_string(position) +
                               " (a start that did not finish): start agorad once, stop it, and run the dry run again"};
    }
    auto h = by_name_.find(detail::model_db::family_name(name, meta->generation));
    if (h == by_name_.end()) return agora::unexpected{"the read models at " + dir_ + " lack " + name + "'s family"};
    rocksdb::ReadOptions stored_ro;
    stored_ro.fill_cache = false;
    rocksdb::ReadOptions replayed_ro;
    replayed_ro.snapshot = snap.get();
    detail::model_diff diff(name, std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(stored_ro, h->second)),
                            std::unique_ptr<rocksdb::Iterator>(replayed.db()->NewIterator(replayed_ro, &family)));
    dry_run_report r;
    r.name = name;
    for (;;) {
      auto done = diff.step(std::size_t{1} << 20, r);
      if (!done) return agora::unexpected{name + ": " + done.error()};
      if (*done) break;
    }
    r.what = dry_run_report::state::done;
    r.position = r.target = meta->position;
    return r;
  }

  /// The position the models are stored at.
  eventstore::log_position position = 0;

 private:
  stored_models() = default;
  static std::uint32_t format_of(const std::string& name) {
    if (name == "catalog") return detail::formats::catalog;
    if (name == "orders") return detail::formats::orders;
    if (name == "accounts") return detail::formats::accounts;
    return detail::formats::dashboard;
  }

  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

}  // namespace

const std::vector<std::string>& replayable_models() {
  static const std::vector<std::string> names{"catalog", "orders", "accounts", "dashboard"};
  return names;
}

agora::expected<replay_report, std::string> replay_models(const eventstore::event_store& store,
                                                          const std::vector<std::string>& names,
                                                          eventstore::log_position after,
                                                          const replay_progress& progress,
                                                          const std::string& scratch_dir,
                                                          eventstore::log_position up_to) {
  replay_options o;
  o.after = after;
  o.progress = progress;
  o.scratch_dir = scratch_dir;
  o.up_to = up_to;
  return replay_models(store, names, o);
}

agora::expected<replay_report, std::string> replay_models(const eventstore::event_store& store,
                                                          const std::vector<std::string>& names,
                                                          const replay_options& options) {
  const eventstore::log_position after = options.after;
  const replay_progress& progress = options.progress;
  eventstore::log_position up_to = options.up_to;
  std::unique_ptr<stored_models> stored;
  if (!options.compare_with.empty()) {
    if (after > 0 || up_to > 0) return agora::unexpected{std::string("a comparison replays the whole log up to the stored models")};
    auto s = stored_models::open(options.compare_with, store);
    if (!s) return agora::unexpected{std::move(s).error()};
    stored = std::move(*s);
    up_to = stored->position;
    if (up_to == 0) return agora::unexpected{"the read models at " + options.compare_with + " hold no event yet"};
  }
  for (const auto& n : names) {
    const auto& all = replayable_models();
    if (std::find(all.begin(), all.end(), n) == all.end()) {
      return agora::unexpected{"unknown read model: " + n + " (catalog, orders, accounts, dashboard)"};
    }
  }
  auto wanted = [&](const std::string& n) {
    return names.empty() || std::find(names.begin(), names.end(), n) != names.end();
  };
  detail::model_db_options dbo;
  dbo.path = options.scratch_dir;
  auto db = detail::model_db::open(dbo);
  if (!db) return agora::unexpected{std::move(db).error()};
  auto kv_for = [&](const std::string& name) -> agora::expected<detail::kv_writer, std::string> {
    auto f = (*db)->family(name, 1);
    if (!f) return agora::unexpected{std::move(f).error()};
    return detail::kv_writer(*db, *f);
  };
  auto w_catalog = kv_for("catalog");
  auto w_orders = kv_for("orders");
  auto w_accounts = kv_for("accounts");
  auto w_dashboard = kv_for("dashboard");
  for (const auto* w : {&w_catalog, &w_orders, &w_accounts, &w_dashboard}) {
    if (!*w) return agora::unexpected{w->error()};
  }
  std::shared_ptr<const catalog_snapshot> catalog;
  std::shared_ptr<const orders_snapshot> orders;
  std::shared_ptr<const accounts_snapshot> accounts;
  std::shared_ptr<const dashboard_snapshot> dashboard;
  std::vector<replay_slot> slots;
  if (wanted("catalog")) {
    slots.push_back({"catalog", std::make_unique<detail::catalog_model>(&catalog, *w_catalog),
                     [&] { return std::make_pair(catalog->checksum(), std::uint64_t{catalog->product_count()}); }});
  }
  if (wanted("orders")) {
    slots.push_back({"orders", std::make_unique<detail::orders_model>(&orders, *w_orders, kHotOrders),
                     [&] { return std::make_pair(orders->checksum(), std::uint64_t{orders->count()}); }});
  }
  if (wanted("accounts")) {
    slots.push_back({"accounts", std::make_unique<detail::accounts_model>(&accounts, *w_accounts),
                     [&] { return std::make_pair(accounts->checksum(), std::uint64_t{accounts->count()}); }});
  }
  if (wanted("dashboard")) {
    slots.push_back({"dashboard", std::make_unique<detail::dashboard_model>(&dashboard, *w_dashboard, kHotOrders), [&] {
                       return std::make_pair(dashboard->checksum(), std::uint64_t{dashboard->total_orders});
                     }});
  }

  replay_report rep;
  rep.after = after;
  eventstore::log_position target = store.last_position();
  if (up_to > target) {
    return agora::unexpected{"the log ends at position " + std::to_string(target) + ", before " + std::to_string(up_to)};
  }
  if (up_to > 0) target = up_to;
  const auto start = clock_type::now();
  eventstore::log_position next = after + 1;
  std::uint64_t n_seen = 0;
  std::size_t since_stage = 0;
  detail::model_writer writer(*db);
  // Each batch is reserved at the last one's size: grown by doubling, a
  // batch of tens of megabytes was copied a dozen times on its way there.
  std::size_t last_batch_bytes = 0;
  auto stage = [&] {
    if (!writer.wait()) return false;
    rocksdb::WriteBatch batch(last_batch_bytes + last_batch_bytes / 8);
    for (auto& s : slots) {
      const auto t0 = clock_type::now();
      s.model->flush(batch);
      s.publish += clock_type::now() - t0;
    }
    last_batch_bytes = batch.GetDataSize();
    return writer.submit(std::move(batch));
  };
  while (next <= target) {
    auto n = store.scan_log(next, kBatch, [&](const eventstore::event_view& v) {
      if (v.position > target) return false;
      next = v.position + 1;
      rep.to = v.position;
      ++rep.events_read;
      auto d = detail::decode(v);
      if (!d) {
        if (rep.undecodable++ == 0) {
          rep.first_undecodable = "position " + std::to_string(v.position) + " (" + std::string(v.stream) + " " +
                                  std::string(v.type) + "): " + d.error();
        }
        return true;
      }
      if (++n_seen % kSampleEvery != 0) {
        for (auto& s : slots) s.model->apply(*d);
        return true;
      }
      for (auto& s : slots) {
        const auto t0 = clock_type::now();
        s.model->apply(*d);
        s.sampled += clock_type::now() - t0;
      }
      return true;
    });
    if (!n) return agora::unexpected{"reading the log at position " + std::to_string(next) + ": " + n.error().message};
    if (*n == 0) break;
    // Every kStageEvery events the changes go to disk as the runner's do
    // (memory stays bounded), written by the writer thread while the next
    // events are applied; each model's flush time is its own.
    since_stage += *n;
    if (since_stage >= kStageEvery) {
      since_stage = 0;
      if (!stage()) return agora::unexpected{"writing the models: " + writer.error()};
    }
    if (progress) progress(rep.to, target);
  }
  if (!stage() || !writer.wait()) return agora::unexpected{"writing the models: " + writer.error()};
  auto snap = (*db)->snapshot();
  for (auto& s : slots) s.model->publish(rep.to, snap);
  rep.seconds = seconds(clock_type::now() - start);
  for (auto& s : slots) {
    replayed_model m;
    m.name = s.name;
    m.events_applied = rep.events_read;
    m.apply_seconds = seconds(s.sampled) * static_cast<double>(kSampleEvery) + seconds(s.publish);
    const auto [sum, entries] = s.sum_and_entries();
    m.checksum = sum;
    m.entries = entries;
    if (stored) {
      auto family = (*db)->family(s.name, 1);
      if (!family) return agora::unexpected{std::move(family).error()};
      auto c = stored->compare(s.name, **db, **family, snap);
      if (!c) return agora::unexpected{std::move(c).error()};
      m.compared = std::move(*c);
    }
    rep.models.push_back(std::move(m));
  }
  return rep;
}

}  // namespace agora::projections
