#include "projections/src/rebuild.hpp"

#include <algorithm>

#include "eventstore/event_store.hpp"

namespace agora::projections::detail {

agora::expected<void, std::string> model_slot::request_shadow(shadow_use what) {
  shadow_use now = shadow_use::none;
  if (use.compare_exchange_strong(now, what, std::memory_order_acq_rel) || now == what) return {};
  return agora::unexpected{std::string(now == shadow_use::rebuild ? "a rebuild" : "a dry run") + " of " + name +
                           " is under way; ask again when it is done"};
}

agora::expected<void, std::string> model_slot::start_shadow(model_db& db) {
  if (rebuilt || comparison || !shadow_work()) return {};
  const std::uint64_t g = std::max(generation, last_shadow_generation) + 1;
  auto f = db.family(name, g);
  if (!f) return agora::unexpected{std::move(f).error()};
  last_shadow_generation = g;
  rebuilt_generation = g;
  rebuilt_family = *f;
  rebuilt = make(kv_writer(db.shared_from_this(), rebuilt_family));
  rebuild_position.store(0);
  return {};
}

agora::expected<bool, std::string> model_slot::step_rebuild(const eventstore::event_store& store, model_db& db,
                                                            eventstore::log_position target,
                                                            std::size_t batch_events) {
  eventstore::log_position pos = rebuild_position.load(std::memory_order_relaxed);
  if (pos < target) {
    const auto max = static_cast<std::size_t>(std::min<eventstore::log_position>(batch_events, target - pos));
    auto n = store.scan_log(pos + 1, max, [&](const eventstore::event_view& v) {
      // An event no codec accepts is skipped here as in the live models (the
      // live run has reported it already).
      if (auto d = decode(v)) rebuilt->apply(*d);
      pos = v.position;
      return true;
    });
    if (!n) return agora::unexpected{"rebuild: reading the log: " + n.error().message};
    rocksdb::WriteBatch batch;
    rebuilt->flush(batch);
    if (auto w = db.write(batch); !w) return agora::unexpected{"rebuild: " + w.error()};
    events_applied.fetch_add(*n, std::memory_order_relaxed);
    rebuild_position.store(pos, std::memory_order_relaxed);
  }
  return pos >= target;
}

agora::expected<void, std::string> model_slot::swap_in_rebuilt(model_db& db, eventstore::log_position at) {
  rocksdb::WriteBatch batch;
  rebuilt->flush(batch);
  db.put_meta(batch, name, model_meta{format, rebuilt_generation, at});
  if (auto w = db.write(batch); !w) return agora::unexpected{"rebuild: " + w.error()};
  db.drop(family);  // readers of older snapshots keep reading it until they let go
  live = std::move(rebuilt);
  family = std::move(rebuilt_family);
  generation = rebuilt_generation;
  position = at;
  live->publish(at, db.snapshot());
  use.store(shadow_use::none, std::memory_order_release);
  return {};
}

void model_slot::start_comparison(model_db& db) {
  auto c = std::make_unique<shadow_comparison>();
  c->snap = db.snapshot();
  c->live = family;
  c->shadow = rebuilt_family;
  // A dry run reads every key once: it must not push the readers' hot
  // blocks out of the block cache.
  rocksdb::ReadOptions ro;
  ro.snapshot = c->snap.get();
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  c->diff = std::make_unique<model_diff>(name, std::unique_ptr<rocksdb::Iterator>(db.db()->NewIterator(ro, c->live.get())),
                                         std::unique_ptr<rocksdb::Iterator>(db.db()->NewIterator(ro, c->shadow.get())));
  rebuilt.reset();  // its pending changes are written; the family holds it all
  comparison = std::move(c);
}

void model_slot::drop_shadow(model_db& db) {
  comparison.reset();
  rebuilt.reset();
  if (rebuilt_family) db.drop(rebuilt_family);
  rebuilt_family.reset();
}

}  // namespace agora::projections::detail
