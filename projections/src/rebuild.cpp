#include "projections/src/rebuild.hpp"

#include <algorithm>

#include "eventstore/event_store.hpp"

namespace agora::projections::detail {

void model_slot::take_rebuild_request() {
  if (!rebuild_requested) return;
  rebuild_requested = false;
  rebuild_pending = true;
}

agora::expected<void, std::string> model_slot::start_rebuild(model_db& db) {
  if (!rebuild_pending) return {};
  rebuild_pending = false;
  if (rebuilt) return {};
  auto f = db.family(name, generation + 1);
  if (!f) return agora::unexpected{std::move(f).error()};
  rebuilt_family = *f;
  rebuilt = make(kv_writer(db.shared_from_this(), rebuilt_family));
  rebuild_position.store(0);
  rebuilding.store(true, std::memory_order_release);
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
  db.put_meta(batch, name, model_meta{format, generation + 1, at});
  if (auto w = db.write(batch); !w) return agora::unexpected{"rebuild: " + w.error()};
  db.drop(family);  // readers of older snapshots keep reading it until they let go
  live = std::move(rebuilt);
  family = std::move(rebuilt_family);
  ++generation;
  position = at;
  live->publish(at, db.snapshot());
  rebuilding.store(false, std::memory_order_release);
  return {};
}

}  // namespace agora::projections::detail
