#pragma once
// Internal to agora_projections: the catalog's state (shared by its snapshots)
// and the model that builds it.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/domain/inventory.hpp"
#include "projections/catalog.hpp"
#include "projections/src/cow_map.hpp"
#include "projections/src/model.hpp"
#include "projections/src/stock_figures.hpp"

namespace agora::projections {

/// One product in the search index.
struct search_doc {
  std::shared_ptr<const product_view> product;
  double length = 0;  ///< weighted token count (BM25's document length)
};

/// A term's documents, by ordinal, with the term's weighted frequency.
struct posting {
  std::uint32_t doc = 0;
  float tf = 0;
};
using posting_list = std::vector<posting>;

struct catalog_snapshot::state {
  eventstore::log_position position = 0;
  detail::cow_map<std::string, std::shared_ptr<const product_view>> products;  // by id
  detail::cow_map<std::string, std::string> product_by_sku;                     // sku -> id
  detail::cow_map<std::string, std::shared_ptr<const stock_view>> stock;        // by sku
  detail::cow_map<std::string, std::shared_ptr<const stock_view>> low;          // by sku
  // Listing keys: "<lower name>\0<id>" and "<category>\0<lower name>\0<id>".
  detail::cow_map<std::string, std::string> by_name;
  detail::cow_map<std::string, std::string> by_category;
  std::shared_ptr<const std::map<std::string, std::size_t>> categories;
  // Search.
  detail::cow_map<std::uint32_t, search_doc> docs;
  detail::cow_map<std::string, std::shared_ptr<const posting_list>> terms;
  detail::cow_map<std::string, std::shared_ptr<const std::vector<std::uint32_t>>> name_terms;
  double total_length = 0;
};

namespace detail {

/// The catalog model: products, inventory, listing and search indexes.
///
/// It stays in memory: it grows with the catalogue, not with history (a
/// product and an inventory item each), and search wants its indexes at
/// hand. It is kept on disk for restarts, in the model's column family, each
/// entry written when it changes:
///
///   'p' <product id> -> the product       'i' <sku> -> the item's stock figures
///
/// and load() rebuilds the indexes from them at start instead of the log.
class catalog_model final : public model {
 public:
  /// Publishes into `*slot` with std::atomic_store.
  catalog_model(std::shared_ptr<const catalog_snapshot>* slot, kv_writer store);

  void apply(const decoded_event& e) override;
  void flush(rocksdb::WriteBatch& batch) override;
  void publish(eventstore::log_position position, const snapshot_ptr& snap) override;
  agora::expected<void, std::string> load() override;

  /// The id of the product with `sku`, or null.
  const std::string* product_id_for_sku(const std::string& sku) const;
  /// Whether `sku`'s item is low on stock; nullopt when there is no item.
  std::optional<bool> is_low(const std::string& sku) const;

 private:
  void apply_product(std::string_view id, const decoded_event& e, const domain::product::event& ev);
  void apply_inventory(std::string_view sku, const decoded_event& e,
                       const domain::inventory::event& ev);
  void put_product(std::shared_ptr<const product_view> next);
  /// Adds a product as its creation does (ordinal, listing and search entries).
  void add_product(std::shared_ptr<product_view> p);
  /// Makes the stock view of `sku` from its figures.
  void put_stock(const std::string& sku, const stock_figures& inv, eventstore::stream_version version);
  void index_doc(std::uint32_t doc, const product_view& p);
  /// The posting (name) list of `term` to change: a copy put in place of the
  /// published one, or the list itself if this writer made it since the
  /// last publish.
  posting_list& writable_terms(const std::string& term);
  std::vector<std::uint32_t>& writable_names(const std::string& term);
  void unindex_doc(std::uint32_t doc, const product_view& p);

  std::shared_ptr<const catalog_snapshot>* slot_;
  kv_writer store_;
  // Changed since the last flush: products by search ordinal (each once in
  // dirty_docs_, flagged in doc_dirty_), items by SKU.
  std::vector<std::uint32_t> dirty_docs_;
  std::vector<bool> doc_dirty_;
  std::unordered_set<std::string> dirty_stock_;
  std::unordered_set<std::string> fresh_terms_, fresh_names_;     // lists made since the last publish
  catalog_snapshot::state st_;
  std::map<std::string, std::size_t> categories_;
  bool categories_dirty_ = true;
  // Writer-only state: each item's folded inventory state (its per-order and
  // per-cart bookkeeping decides what a release or expiry gives back), and
  // each product's search ordinal.
  std::unordered_map<std::string, stock_figures> inventory_;
  std::unordered_map<std::string, std::uint32_t> ordinals_;
  std::uint32_t next_ordinal_ = 0;
};

}  // namespace detail
}  // namespace agora::projections
