#include "projections/src/rebuild.hpp"

#include <algorithm>

#include "eventstore/event_store.hpp"

namespace agora::projections::detail {

void model_slot::take_rebuild_request() {
  if (!rebuild_requested) return;
  rebuild_requested = false;
  if (rebuilt) return;
  rebuilt = make();
  rebuild_position.store(0);
  rebuilding.store(true, std::memory_order_release);
}

agora::expected<bool, std::string> model_slot::step_rebuild(const eventstore::event_store& store,
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
    events_applied.fetch_add(*n, std::memory_order_relaxed);
    rebuild_position.store(pos, std::memory_order_relaxed);
  }
  return pos >= target;
}

void model_slot::swap_in_rebuilt(eventstore::log_position position) {
  live = std::move(rebuilt);
  live->publish(position);
  rebuilding.store(false, std::memory_order_release);
}

}  // namespace agora::projections::detail
