// The catalog: the model that folds product and inventory events into the
// indexes, and the snapshot queries over them.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "projections/src/catalog_model.hpp"
#include "projections/src/codec.hpp"
#include "projections/src/text.hpp"

namespace agora::projections {

namespace {

// BM25 parameters: the usual ones (Robertson et al.; Lucene's defaults).
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
// Field weights (a simple BM25F): a word in the name or SKU says more about a
// product than the same word in its description.
constexpr float kNameWeight = 3.0F;
constexpr float kSkuWeight = 3.0F;
constexpr float kCategoryWeight = 2.0F;
constexpr float kDescriptionWeight = 1.0F;
// Bounds on the work of one query.
constexpr std::size_t kMaxListSkips = 10'000;    // discontinued entries skipped per page
constexpr std::size_t kMaxSuggestTerms = 500;    // name words expanded from a prefix
constexpr std::size_t kMaxSuggestDocs = 5'000;   // candidate products per suggestion

std::string name_key(const product_view& p) { return detail::ascii_lower(p.name) + '\0' + p.id; }
std::string category_key(const product_view& p) { return p.category + '\0' + name_key(p); }

std::size_t clamp_limit(std::size_t limit) {
  return std::min(std::max<std::size_t>(limit, 1), max_page_size);
}

// The weighted term frequencies of a product and its weighted length.
std::unordered_map<std::string, float> weighted_terms(const product_view& p, double& length) {
  std::unordered_map<std::string, float> tf;
  length = 0;
  auto add = [&](std::string_view text, float w) {
    for (auto& t : detail::tokenize(text)) {
      tf[std::move(t)] += w;
      length += w;
    }
  };
  add(p.name, kNameWeight);
  add(p.sku, kSkuWeight);
  add(p.category, kCategoryWeight);
  add(p.description, kDescriptionWeight);
  return tf;
}

std::vector<std::string> distinct_name_terms(const product_view& p) {
  auto t = detail::tokenize(p.name);
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  return t;
}

catalog_item make_item(const catalog_snapshot::state& s, std::shared_ptr<const product_view> p) {
  catalog_item item;
  if (const auto* st = s.stock.find(p->sku)) item.stock = *st;
  item.available_for_sale = !p->discontinued && item.stock && item.stock->available > 0;
  item.product = std::move(p);
  return item;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string search_cursor(double score, const std::string& id) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &score, sizeof bits);
  return detail::fixed_hex(bits) + detail::hex_encode(id);
}

bool parse_search_cursor(std::string_view c, double& score, std::string& id) {
  if (c.size() < 16) return false;
  auto bits_bytes = detail::hex_decode(c.substr(0, 16));
  auto id_bytes = detail::hex_decode(c.substr(16));
  if (!bits_bytes || !id_bytes) return false;
  std::uint64_t bits = 0;
  for (char b : *bits_bytes) bits = (bits << 8) | static_cast<unsigned char>(b);
  std::memcpy(&score, &bits, sizeof score);
  id = std::move(*id_bytes);
  return true;
}

}  // namespace

// ---- snapshot queries ---------------------------------------------------------

catalog_snapshot::catalog_snapshot(std::shared_ptr<const state> s) noexcept : s_(std::move(s)) {}

eventstore::log_position catalog_snapshot::position() const noexcept { return s_->position; }

std::optional<catalog_item> catalog_snapshot::product(std::string_view product_id) const {
  const auto* p = s_->products.find(std::string(product_id));
  if (p == nullptr) return std::nullopt;
  return make_item(*s_, *p);
}

std::optional<catalog_item> catalog_snapshot::product_by_sku(std::string_view sku) const {
  const auto* id = s_->product_by_sku.find(std::string(sku));
  if (id == nullptr) return std::nullopt;
  return product(*id);
}

std::shared_ptr<const stock_view> catalog_snapshot::stock(std::string_view sku) const {
  const auto* st = s_->stock.find(std::string(sku));
  return st == nullptr ? nullptr : *st;
}

page<catalog_item> catalog_snapshot::list(const list_query& q) const {
  page<catalog_item> out;
  const std::size_t limit = clamp_limit(q.limit);
  std::string after;  // sort key (without category) of the last item shown
  if (!q.cursor.empty()) {
    if (auto k = detail::hex_decode(q.cursor)) after = std::move(*k);
  }
  const bool by_cat = !q.category.empty();
  const std::string prefix = by_cat ? q.category + '\0' : std::string();
  const std::string from = prefix + after;
  const auto& index = by_cat ? s_->by_category : s_->by_name;
  std::size_t skipped = 0;
  std::string last_key;
  bool more = false;
  index.scan_up(&from, [&](const std::string& key, const std::string& id) {
    if (!starts_with(key, prefix)) return false;
    std::string_view sort_key = std::string_view(key).substr(prefix.size());
    if (!after.empty() && sort_key == after) return true;
    const auto* p = s_->products.find(id);
    if (p == nullptr) return true;
    if ((*p)->discontinued && !q.include_discontinued) {
      // Bounded: a page never scans an unbounded run of hidden products; it
      // ends early with a cursor past them instead.
      if (++skipped > kMaxListSkips) {
        last_key = std::string(sort_key);
        more = true;
        return false;
      }
      return true;
    }
    if (out.items.size() == limit) {
      more = true;
      return false;
    }
    out.items.push_back(make_item(*s_, *p));
    last_key = std::string(sort_key);
    return true;
  });
  if (more && !last_key.empty()) out.next_cursor = detail::hex_encode(last_key);
  return out;
}

std::vector<category_count> catalog_snapshot::categories() const {
  std::vector<category_count> out;
  if (!s_->categories) return out;
  for (const auto& [name, n] : *s_->categories) {
    if (n > 0) out.push_back(category_count{name, n});
  }
  return out;
}

page<search_hit> catalog_snapshot::search(const search_query& q) const {
  page<search_hit> out;
  auto terms = detail::tokenize(q.text);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  if (terms.size() > max_query_terms) terms.resize(max_query_terms);
  const double n = static_cast<double>(s_->docs.size());
  if (terms.empty() || n == 0) return out;
  const double avg_len = std::max(s_->total_length / n, 1e-9);

  std::unordered_map<std::uint32_t, double> scores;
  for (const auto& t : terms) {
    const auto* pl = s_->terms.find(t);
    if (pl == nullptr) continue;
    const double df = static_cast<double>((*pl)->size());
    const double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    for (const auto& post : **pl) {
      const auto* doc = s_->docs.find(post.doc);
      if (doc == nullptr) continue;
      const double tf = post.tf;
      const double norm = kK1 * (1.0 - kB + kB * doc->length / avg_len);
      scores[post.doc] += idf * tf * (kK1 + 1.0) / (tf + norm);
    }
  }

  std::vector<search_hit> hits;
  hits.reserve(scores.size());
  for (const auto& [doc_id, score] : scores) {
    const auto* doc = s_->docs.find(doc_id);
    if (doc == nullptr) continue;
    const auto& p = doc->product;
    if (p->discontinued && !q.include_discontinued) continue;
    if (!q.category.empty() && p->category != q.category) continue;
    hits.push_back(search_hit{catalog_item{p, nullptr, false}, score});
  }
  auto before = [](const search_hit& a, const search_hit& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.item.product->id < b.item.product->id;
  };
  std::sort(hits.begin(), hits.end(), before);

  std::size_t start = 0;
  double c_score = 0;
  std::string c_id;
  if (!q.cursor.empty() && parse_search_cursor(q.cursor, c_score, c_id)) {
    start = static_cast<std::size_t>(
        std::partition_point(hits.begin(), hits.end(),
                             [&](const search_hit& h) {
                               return h.score > c_score ||
                                      (h.score == c_score && h.item.product->id <= c_id);
                             }) -
        hits.begin());
  }
  const std::size_t limit = clamp_limit(q.limit);
  for (std::size_t i = start; i < hits.size() && out.items.size() < limit; ++i) {
    auto h = hits[i];
    h.item = make_item(*s_, h.item.product);
    out.items.push_back(std::move(h));
  }
  if (start + out.items.size() < hits.size() && !out.items.empty()) {
    const auto& last = out.items.back();
    out.next_cursor = search_cursor(last.score, last.item.product->id);
  }
  return out;
}

std::vector<std::string> catalog_snapshot::suggest(std::string_view prefix, std::size_t limit) const {
  std::vector<std::string> out;
  auto tokens = detail::tokenize(prefix);
  if (tokens.empty() || limit == 0) return out;
  limit = std::min(limit, max_page_size);
  const std::string last = tokens.back();
  tokens.pop_back();

  std::unordered_set<std::uint32_t> candidates;
  std::size_t terms_seen = 0;
  s_->name_terms.scan_up(&last, [&](const std::string& term,
                                    const std::shared_ptr<const std::vector<std::uint32_t>>& docs) {
    if (!starts_with(term, last) || ++terms_seen > kMaxSuggestTerms) return false;
    for (auto d : *docs) {
      if (candidates.size() >= kMaxSuggestDocs) return false;
      candidates.insert(d);
    }
    return true;
  });

  struct ranked {
    bool whole_prefix;
    bool in_stock;
    const product_view* p;
  };
  const std::string lower_prefix = detail::ascii_lower(prefix);
  std::vector<ranked> ranking;
  for (auto d : candidates) {
    const auto* doc = s_->docs.find(d);
    if (doc == nullptr || doc->product->discontinued) continue;
    const auto& p = *doc->product;
    if (!tokens.empty()) {
      const auto name_tokens = detail::tokenize(p.name);
      const bool all = std::all_of(tokens.begin(), tokens.end(), [&](const std::string& t) {
        return std::find(name_tokens.begin(), name_tokens.end(), t) != name_tokens.end();
      });
      if (!all) continue;
    }
    const auto* st = s_->stock.find(p.sku);
    ranking.push_back(ranked{starts_with(detail::ascii_lower(p.name), lower_prefix),
                             st != nullptr && (*st)->available > 0, &p});
  }
  std::sort(ranking.begin(), ranking.end(), [](const ranked& a, const ranked& b) {
    if (a.whole_prefix != b.whole_prefix) return a.whole_prefix;
    if (a.in_stock != b.in_stock) return a.in_stock;
    if (a.p->name.size() != b.p->name.size()) return a.p->name.size() < b.p->name.size();
    if (a.p->name != b.p->name) return a.p->name < b.p->name;
    return a.p->id < b.p->id;
  });
  for (const auto& r : ranking) {
    if (out.size() == limit) break;
    if (std::find(out.begin(), out.end(), r.p->name) == out.end()) out.push_back(r.p->name);
  }
  return out;
}

page<std::shared_ptr<const stock_view>> catalog_snapshot::low_stock(std::size_t limit,
                                                                    std::string_view cursor) const {
  page<std::shared_ptr<const stock_view>> out;
  limit = clamp_limit(limit);
  std::string after;
  if (!cursor.empty()) {
    if (auto k = detail::hex_decode(cursor)) after = std::move(*k);
  }
  bool more = false;
  s_->low.scan_up(after.empty() ? nullptr : &after,
                  [&](const std::string& sku, const std::shared_ptr<const stock_view>& st) {
                    if (!after.empty() && sku == after) return true;
                    if (out.items.size() == limit) {
                      more = true;
                      return false;
                    }
                    out.items.push_back(st);
                    return true;
                  });
  if (more) out.next_cursor = detail::hex_encode(out.items.back()->sku);
  return out;
}

std::size_t catalog_snapshot::low_stock_count() const noexcept { return s_->low.size(); }
std::size_t catalog_snapshot::product_count() const noexcept { return s_->products.size(); }
std::size_t catalog_snapshot::inventory_count() const noexcept { return s_->stock.size(); }

// ---- the model ------------------------------------------------------------------

namespace detail {

catalog_model::catalog_model(std::shared_ptr<const catalog_snapshot>* slot, kv_writer store)
    : slot_(slot), store_(std::move(store)) {}

void catalog_model::flush(rocksdb::WriteBatch& batch) {
  // Straight into the batch: the catalog never reads its entries back while
  // applying (load() reads them at start), so the kv_writer's pending map and
  // its copy of each value would only cost; a repriced catalogue writes
  // every product once per flush.
  auto* f = store_.family().get();
  std::string v;
  for (const auto doc : dirty_docs_) {
    doc_dirty_[doc] = false;
    const auto* d = st_.docs.find(doc);
    if (d == nullptr || d->product == nullptr) continue;
    v.clear();
    encode_product(*d->product, v);
    put_prefixed(batch, f, 'p', d->product->id, v);
  }
  dirty_docs_.clear();
  for (const auto& sku : dirty_stock_) {
    const auto* s = st_.stock.find(sku);
    auto inv = inventory_.find(sku);
    if (s == nullptr || inv == inventory_.end()) continue;
    v.clear();
    encode_stock(inv->second, (*s)->inventory_version, v);
    put_prefixed(batch, f, 'i', sku, v);
  }
  dirty_stock_.clear();
  store_.flush(batch);
}

agora::expected<void, std::string> catalog_model::load() {
  std::unique_ptr<rocksdb::Iterator> it(
      store_.db()->db()->NewIterator(rocksdb::ReadOptions(), store_.family().get()));
  for (it->Seek("p"); it->Valid() && it->key().starts_with("p"); it->Next()) {
    auto p = std::make_shared<product_view>();
    if (!decode_product(std::string_view(it->value().data(), it->value().size()), *p)) {
      return agora::unexpected{"catalog: unreadable product " + it->key().ToString().substr(1)};
    }
    add_product(std::move(p));
  }
  for (it->Seek("i"); it->Valid() && it->key().starts_with("i"); it->Next()) {
    const std::string sku = it->key().ToString().substr(1);
    auto& inv = inventory_[sku];
    eventstore::stream_version version = 0;
    if (!decode_stock(std::string_view(it->value().data(), it->value().size()), inv, version)) {
      return agora::unexpected{"catalog: unreadable stock of " + sku};
    }
    put_stock(sku, inv, version);
  }
  if (!it->status().ok()) return agora::unexpected{"catalog: " + it->status().ToString()};
  return {};
}

void catalog_model::add_product(std::shared_ptr<product_view> p) {
  const std::string id = p->id;
  const std::uint32_t doc = next_ordinal_++;
  ordinals_[id] = doc;
  st_.product_by_sku.put(p->sku, id);
  st_.by_name.put(name_key(*p), id);
  st_.by_category.put(category_key(*p), id);
  if (!p->discontinued) {
    ++categories_[p->category];
    categories_dirty_ = true;
  }
  index_doc(doc, *p);
  put_product(std::move(p));
}

void catalog_model::apply(const decoded_event& e) {
  if (const auto* p = std::get_if<domain::product::event>(&e.event)) {
    apply_product(e.id, e, *p);
  } else if (const auto* i = std::get_if<domain::inventory::event>(&e.event)) {
    apply_inventory(e.id, e, *i);
  }
}

void catalog_model::publish(eventstore::log_position position, const snapshot_ptr&) {
  st_.position = position;
  // Readers may hold every list from now on.
  fresh_terms_.clear();
  fresh_names_.clear();
  if (categories_dirty_) {
    st_.categories = std::make_shared<const std::map<std::string, std::size_t>>(categories_);
    categories_dirty_ = false;
  }
  // Copying the state copies each index's chunk pointers; the chunks are shared.
  auto snap = std::make_shared<const catalog_snapshot>(
      std::make_shared<const catalog_snapshot::state>(st_));
  std::atomic_store(slot_, std::move(snap));
}

const std::string* catalog_model::product_id_for_sku(const std::string& sku) const {
  return st_.product_by_sku.find(sku);
}

std::optional<bool> catalog_model::is_low(const std::string& sku) const {
  const auto* st = st_.stock.find(sku);
  if (st == nullptr) return std::nullopt;
  return (*st)->is_low();
}

void catalog_model::put_product(std::shared_ptr<const product_view> next) {
  // Every product has an ordinal and a search doc (add_product), which
  // flush() finds it by.
  auto ord = ordinals_.find(next->id);
  if (ord != ordinals_.end()) {
    const std::uint32_t doc_id = ord->second;
    if (const auto* doc = st_.docs.find(doc_id)) {
      st_.docs.put(doc_id, search_doc{next, doc->length});
      if (doc_id >= doc_dirty_.size()) doc_dirty_.resize(std::size_t{doc_id} + 1, false);
      if (!doc_dirty_[doc_id]) {
        doc_dirty_[doc_id] = true;
        dirty_docs_.push_back(doc_id);
      }
    }
  }
  const std::string id = next->id;
  st_.products.put(id, std::move(next));
}

// Posting lists are copied before a change so that published snapshots never
// see one move, except a list this writer made since the last publish: no
// reader can hold that one, and it changes in place (a catch-up that adds
// thousands of products to a term copied its whole list per product).
posting_list& catalog_model::writable_terms(const std::string& term) {
  const auto* old = st_.terms.find(term);
  if (old != nullptr && fresh_terms_.count(term) != 0) return const_cast<posting_list&>(**old);
  auto pl = old ? std::make_shared<posting_list>(**old) : std::make_shared<posting_list>();
  posting_list& ref = *pl;
  st_.terms.put(term, std::move(pl));
  fresh_terms_.insert(term);
  return ref;
}

std::vector<std::uint32_t>& catalog_model::writable_names(const std::string& term) {
  const auto* old = st_.name_terms.find(term);
  if (old != nullptr && fresh_names_.count(term) != 0) return const_cast<std::vector<std::uint32_t>&>(**old);
  auto dl = old ? std::make_shared<std::vector<std::uint32_t>>(**old) : std::make_shared<std::vector<std::uint32_t>>();
  auto& ref = *dl;
  st_.name_terms.put(term, std::move(dl));
  fresh_names_.insert(term);
  return ref;
}

void catalog_model::index_doc(std::uint32_t doc, const product_view& p) {
  double length = 0;
  for (auto& [term, tf] : weighted_terms(p, length)) {
    auto& pl = writable_terms(term);
    auto it = std::lower_bound(pl.begin(), pl.end(), doc, [](const posting& a, std::uint32_t d) { return a.doc < d; });
    pl.insert(it, posting{doc, tf});
  }
  for (const auto& term : distinct_name_terms(p)) {
    auto& dl = writable_names(term);
    dl.insert(std::lower_bound(dl.begin(), dl.end(), doc), doc);
  }
  st_.total_length += length;
  // The doc's product pointer is set by put_product; the caller calls it next.
  st_.docs.put(doc, search_doc{nullptr, length});
}

void catalog_model::unindex_doc(std::uint32_t doc, const product_view& p) {
  double length = 0;
  for (auto& [term, tf] : weighted_terms(p, length)) {
    if (st_.terms.find(term) == nullptr) continue;
    auto& pl = writable_terms(term);
    pl.erase(std::remove_if(pl.begin(), pl.end(), [&](const posting& x) { return x.doc == doc; }), pl.end());
    if (pl.empty()) {
      st_.terms.erase(term);
      fresh_terms_.erase(term);
    }
  }
  for (const auto& term : distinct_name_terms(p)) {
    if (st_.name_terms.find(term) == nullptr) continue;
    auto& dl = writable_names(term);
    dl.erase(std::remove(dl.begin(), dl.end(), doc), dl.end());
    if (dl.empty()) {
      st_.name_terms.erase(term);
      fresh_names_.erase(term);
    }
  }
  st_.total_length -= length;
}

void catalog_model::apply_product(std::string_view id_view, const decoded_event& e,
                                  const domain::product::event& ev) {
  namespace pd = domain::product;
  const std::string id(id_view);
  if (const auto* c = std::get_if<pd::product_created>(&ev)) {
    if (st_.products.find(id) != nullptr) return;  // a second creation cannot happen; ignore
    auto p = std::make_shared<product_view>();
    p->id = id;
    p->sku = c->sku;
    p->name = c->name;
    p->description = c->description;
    p->price = c->price.minor;
    p->currency = c->price.currency;
    p->category = c->category;
    p->image_urls = c->image_urls;
    p->created_at = c->at;
    p->updated_at = c->at;
    p->version = e.view->version;
    add_product(std::move(p));
    return;
  }

  const auto* cur = st_.products.find(id);
  if (cur == nullptr) return;  // events of a product never created: nothing to show
  std::shared_ptr<const product_view> old = *cur;
  auto next = std::make_shared<product_view>(*old);
  next->version = e.view->version;
  bool text_changed = false;
  if (const auto* u = std::get_if<pd::product_details_updated>(&ev)) {
    if (u->name) next->name = *u->name;
    if (u->description) next->description = *u->description;
    if (u->category) next->category = *u->category;
    if (u->image_urls) next->image_urls = *u->image_urls;
    next->updated_at = u->at;
    text_changed = u->name || u->description || u->category;
  } else if (const auto* pc = std::get_if<pd::product_price_changed>(&ev)) {
    next->price = pc->new_price.minor;
    next->currency = pc->new_price.currency;
    next->updated_at = pc->at;
  } else if (const auto* d = std::get_if<pd::product_discontinued>(&ev)) {
    next->discontinued = true;
    next->updated_at = d->at;
  }
  if (old->name != next->name || old->category != next->category) {
    st_.by_name.erase(name_key(*old));
    st_.by_category.erase(category_key(*old));
    st_.by_name.put(name_key(*next), id);
    st_.by_category.put(category_key(*next), id);
  }
  if (old->category != next->category || old->discontinued != next->discontinued) {
    if (!old->discontinued) {
      if (--categories_[old->category] == 0) categories_.erase(old->category);
    }
    if (!next->discontinued) ++categories_[next->category];
    categories_dirty_ = true;
  }
  if (text_changed) {
    const std::uint32_t doc = ordinals_[id];
    unindex_doc(doc, *old);
    index_doc(doc, *next);
  }
  put_product(std::move(next));
}

void catalog_model::apply_inventory(std::string_view sku_view, const decoded_event& e,
                                    const domain::inventory::event& ev) {
  const std::string sku(sku_view);
  auto& inv = inventory_[sku];
  inv.apply(ev);
  dirty_stock_.insert(sku);
  put_stock(sku, inv, e.view->version);
}

void catalog_model::put_stock(const std::string& sku, const stock_figures& inv, eventstore::stream_version version) {
  auto st = std::make_shared<stock_view>();
  st->sku = sku;
  st->on_hand = inv.on_hand;
  st->reserved = inv.reserved;
  st->held = inv.held;
  st->available = inv.available();
  st->low_stock_threshold = inv.low_stock_threshold;
  st->inventory_version = version;
  st->created_at = inv.created_at;
  st->updated_at = inv.updated_at;
  const bool low = st->is_low();
  if (low) {
    st_.low.put(sku, st);
  } else {
    st_.low.erase(sku);
  }
  st_.stock.put(sku, std::move(st));
}

}  // namespace detail
}  // namespace agora::projections
