#pragma once
// Internal to agora_projections: the orders' state (shared by snapshots) and
// the model that builds it, on disk in the model's column family:
//
//   'o' <order id>                                  -> the order without its history
//   'h' <order id> \0 <version, 8 bytes big-endian> -> one history entry
//   'a' <order key>                                 -> order id  (all, newest first)
//   's' <status> \0 <order key>                     -> order id
//   'c' <customer id> \0 <order key>                -> order id
//   'd' <customer id> \0 <status> \0 <order key>    -> order id
//   '#'                                             -> how many orders
//
// The order key is 16 hex digits of the inverted OrderPlaced position, so
// ascending key order is newest first and a page cursor is a key. History
// entries are written once each; an event rewrites only the order's head and,
// when the status moves, its two status index entries.

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "projections/orders.hpp"
#include "projections/src/lru_map.hpp"
#include "projections/src/model.hpp"

namespace agora::projections {

struct orders_snapshot::state {
  eventstore::log_position position = 0;
  /// Null: the empty model (before the runner publishes).
  std::shared_ptr<const detail::kv_view> view;
  std::size_t count = 0;
};

namespace detail {

/// The orders model.
class orders_model final : public model {
 public:
  /// Publishes into `*slot` with std::atomic_store; keeps at most
  /// `hot_orders` decoded orders in memory for the events that follow.
  orders_model(std::shared_ptr<const orders_snapshot>* slot, kv_writer store, std::size_t hot_orders);

  void apply(const decoded_event& e) override;
  void flush(rocksdb::WriteBatch& batch) override;
  void publish(eventstore::log_position position, const snapshot_ptr& snap) override;
  agora::expected<void, std::string> load() override;

  /// The customer of order `order_id`, or null when the order is unknown.
  /// Valid until the next apply().
  const std::string* customer_of(const std::string& order_id);

 private:
  using head_ptr = std::shared_ptr<const order_view>;
  /// The order as last applied (without history), or null.
  head_ptr find(const std::string& id);
  void put(const head_ptr& old, head_ptr next);
  void put_history(const std::string& id, const order_history_entry& h);

  std::shared_ptr<const orders_snapshot>* slot_;
  kv_writer store_;
  lru_map<head_ptr> hot_;
  // Orders changed since the last flush, with what their index entries on
  // disk say (so that a flush moves them once), and their new history entries.
  struct dirty_entry {
    head_ptr next;
    bool on_disk = false;
    std::string disk_status;
  };
  std::unordered_map<std::string, dirty_entry> dirty_;
  // The last flush's orders, readable until the next flush (see kv_writer).
  std::unordered_map<std::string, head_ptr> inflight_;
  std::vector<std::pair<std::string, std::string>> history_;
  stored_count count_{"#"};
};

}  // namespace detail
}  // namespace agora::projections
