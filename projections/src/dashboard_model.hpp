#pragma once
// Internal to agora_projections: the dashboard model. Its own bookkeeping (per
// order status and lines, per item stock) keeps it independent of the other
// models, so it can be rebuilt on its own.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/domain/inventory.hpp"
#include "projections/dashboard.hpp"
#include "projections/src/model.hpp"
#include "projections/src/stock_figures.hpp"

namespace agora::projections::detail {

/// The dashboard model.
class dashboard_model final : public model {
 public:
  /// Publishes into `*slot` with std::atomic_store.
  explicit dashboard_model(std::shared_ptr<const dashboard_snapshot>* slot);

  void apply(const decoded_event& e) override;
  void publish(eventstore::log_position position) override;

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

  void apply_order(const std::string& id, const domain::order::event& ev);
  void set_status(order_facts& o, std::string to);
  void count_units(order_facts& o, std::int64_t sign);

  std::shared_ptr<const dashboard_snapshot>* slot_;
  std::unordered_map<std::string, order_facts> orders_;
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
