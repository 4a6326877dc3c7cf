#pragma once
// The catalog read model: products joined with their stock, listing, full-text
// search (BM25 over an inverted index), prefix suggestions, categories and the
// low-stock list.
//
// A catalog_snapshot is immutable: the projection runner builds the next one
// from the log and swaps it in, so a reader keeps a consistent view for as long
// as it holds the shared_ptr and never waits for the writer.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "eventstore/event.hpp"

namespace agora::projections {

/// A product as the catalogue shows it (stream `product-<id>`).
struct product_view {
  std::string id;
  std::string sku;
  std::string name;
  std::string description;
  std::int64_t price = 0;  ///< minor units of `currency`
  std::string currency;
  std::string category;
  std::vector<std::string> image_urls;
  bool discontinued = false;
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;
  eventstore::stream_version version = 0;  ///< the product stream's version
};

/// The stock of one SKU (stream `inventory-<sku>`).
struct stock_view {
  std::string sku;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t held = 0;
  std::int64_t available = 0;  ///< on_hand - reserved - held
  std::int64_t low_stock_threshold = 0;
  eventstore::stream_version inventory_version = 0;
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;

  /// available <= low_stock_threshold.
  bool is_low() const noexcept { return available <= low_stock_threshold; }
};

/// A product with its stock (null when no inventory item has its SKU yet).
struct catalog_item {
  std::shared_ptr<const product_view> product;
  std::shared_ptr<const stock_view> stock;
  /// Not discontinued and stock->available > 0.
  bool available_for_sale = false;
};

/// A category and how many listed (not discontinued) products it has.
struct category_count {
  std::string category;
  std::size_t count = 0;
};

/// A page of a listing. `next_cursor` is empty on the last page.
template <class T>
struct page {
  std::vector<T> items;
  std::string next_cursor;
};

/// What list() returns: products by name (ASCII case-insensitive), then id.
struct list_query {
  /// Only this category (exact match) when non-empty.
  std::string category;
  bool include_discontinued = false;
  /// 1..max_page_size; larger values are clamped.
  std::size_t limit = 20;
  /// A next_cursor from an earlier page of the same query, or empty for the first.
  /// It holds the sort key of the last item shown, so inserts and removals
  /// elsewhere neither repeat nor skip items.
  std::string cursor;
};

/// What search() returns.
struct search_query {
  std::string text;
  std::string category;  ///< exact category filter when non-empty
  bool include_discontinued = false;
  std::size_t limit = 20;
  std::string cursor;  ///< a next_cursor of the same query, or empty
};

/// One search hit.
struct search_hit {
  catalog_item item;
  double score = 0;
};

/// The largest page any catalog, order or low-stock query returns.
inline constexpr std::size_t max_page_size = 200;
/// Search considers at most this many distinct query terms (the rest are ignored).
inline constexpr std::size_t max_query_terms = 16;

/// One immutable version of the catalog. All members are const and thread-safe.
class catalog_snapshot {
 public:
  struct state;
  /// Built by the projection; readers get it from projection_runner::catalog().
  explicit catalog_snapshot(std::shared_ptr<const state> s) noexcept;

  /// The log position this version includes (every event up to it applied).
  eventstore::log_position position() const noexcept;

  /// A product by id (discontinued ones too), or nullopt.
  std::optional<catalog_item> product(std::string_view product_id) const;
  /// A product by SKU, or nullopt.
  std::optional<catalog_item> product_by_sku(std::string_view sku) const;
  /// The stock of a SKU (an item may exist before or without a product), or null.
  std::shared_ptr<const stock_view> stock(std::string_view sku) const;

  /// Products by name, then id, paginated by cursor. An invalid cursor yields
  /// the first page (cursors are opaque; a client cannot do better with it).
  page<catalog_item> list(const list_query& q) const;
  /// Categories of listed products, by name, with their counts.
  std::vector<category_count> categories() const;

  /// Full-text search over name, description, category and SKU, ranked by BM25
  /// (ties by product id). Any query term may match (OR); documents matching
  /// more terms score higher. A query without terms or without matches is empty.
  page<search_hit> search(const search_query& q) const;
  /// Names of listed products with a name word starting with the last word of
  /// `prefix` (earlier words must match name words exactly), most relevant
  /// first: whole name starts with the prefix, then in stock, then shorter
  /// name, then alphabetical. At most `limit` (<= max_page_size) distinct names.
  std::vector<std::string> suggest(std::string_view prefix, std::size_t limit) const;

  /// Inventory items with available <= threshold, by SKU, paginated by cursor.
  page<std::shared_ptr<const stock_view>> low_stock(std::size_t limit,
                                                    std::string_view cursor = {}) const;
  /// How many items are low on stock.
  std::size_t low_stock_count() const noexcept;
  /// Products known (discontinued included).
  std::size_t product_count() const noexcept;
  /// Inventory items known.
  std::size_t inventory_count() const noexcept;
  /// A fingerprint of the model's contents (every product and stock item, field by field, and the category counts; the search and listing indexes are derived from them), hashed in key order:
  /// equal for models that applied the same events, whatever the batching,
  /// publishing or restarts; the position is left out. Costs a walk of the model.
  std::uint64_t checksum() const;

 private:
  std::shared_ptr<const state> s_;
};

}  // namespace agora::projections
