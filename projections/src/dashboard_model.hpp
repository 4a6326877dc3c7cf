#pragma once
// Internal to agora_projections: the dashboard model. Its own bookkeeping (per
// order status and lines, per item stock) keeps it independent of the other
// models, so it can be rebuilt on its own.
//
// The figures are small (per status, currency, SKU) and stay in memory; what
// grows with history, each order's facts, is on disk. In the model's column
// family, each entry written when it changes and read back at start:
//
//   'o' <order id>  -> the order's status, currency, lines, whether counted
//   's' <status>    -> orders in it        'r' <currency> -> gross, refunded
//   'u' <sku>       -> units sold          'p' <sku>      -> product facts
//   'i' <sku>       -> stock figures       'n'            -> the totals

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/domain/inventory.hpp"
#include "projections/dashboard.hpp"
#include "projections/src/lru_map.hpp"
#include "projections/src/model.hpp"
#include "projections/src/stock_figures.hpp"

namespace agora::projections::detail {

/// The dashboard model.
class dashboard_model final : public model {
 public:
  /// Publishes into `*slot` with std::atomic_store.
  /// Keeps at most `hot_orders` orders' facts in memory between events.
  dashboard_model(std::shared_ptr<const dashboard_snapshot>* slot, kv_writer store, std::size_t hot_orders);

  void apply(const decoded_event& e) override;
  void flush(rocksdb::WriteBatch& batch) override;
  void publish(eventstore::log_position position, const snapshot_ptr& snap) override;
  agora::expected<void, std::string> load() override;

 private:
  struct order_facts {
    std::string status;
    std::string currency;
    std::vector<std::pair<std::string, std::int64_t>> lines;  // sku, quantity
    bool units_counted = false;
  };
  struct product_facts {
    std::string id;
    std::string name;
    bool discontinued = false;
  };
  struct money_facts {
    std::int64_t gross = 0;
    std::int64_t refunded = 0;
  };

  using facts_ptr = std::shared_ptr<order_facts>;
  /// The order's facts as last applied, or null.
  facts_ptr find_order(const std::string& id);
  void apply_order(const std::string& id, const domain::order::event& ev);
  void set_status(order_facts& o, std::string to);
  void count_units(order_facts& o, std::int64_t sign);

  std::shared_ptr<const dashboard_snapshot>* slot_;
  kv_writer store_;
  lru_map<facts_ptr> hot_;
  std::unordered_map<std::string, facts_ptr> dirty_orders_;
  std::size_t total_orders_ = 0;
  // What changed since the last flush.
  bool totals_dirty_ = false;
  std::set<std::string> dirty_status_, dirty_revenue_, dirty_units_, dirty_products_, dirty_stock_;
  std::map<std::string, std::size_t> by_status_;
  std::map<std::string, money_facts> revenue_;
  std::unordered_map<std::string, std::int64_t> units_;  // by sku
  // SKUs with units > 0, most units first (ties by SKU), kept in step with
  // units_: the top products are its first entries, so a publish does not
  // rank every SKU again (with many SKUs that was most of a publish).
  struct rank_less {
    bool operator()(const std::pair<std::int64_t, std::string>& a,
                    const std::pair<std::int64_t, std::string>& b) const {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    }
  };
  std::set<std::pair<std::int64_t, std::string>, rank_less> ranking_;
  std::unordered_map<std::string, product_facts> products_by_sku_;
  std::unordered_map<std::string, std::string> sku_of_product_;
  std::size_t active_products_ = 0;
  std::size_t customers_ = 0;
  std::unordered_map<std::string, stock_figures> inventory_;
  std::set<std::string> low_;
};

}  // namespace agora::projections::detail
