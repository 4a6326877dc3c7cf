// The read models' database (model_db.hpp).

#include "projections/src/model_db.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <algorithm>

#include "projections/src/codec.hpp"

namespace agora::projections::detail {

std::string model_db::meta_key(std::string_view name) { return "model/" + std::string(name); }

std::string model_db::family_name(std::string_view name, std::uint64_t generation) {
  return std::string(name) + "." + std::to_string(generation);
}

std::optional<model_meta> model_db::decode_meta(std::string_view bytes) {
  bin_reader r(bytes);
  model_meta m;
  std::uint64_t format = 0;
  r.u64(format);
  r.u64(m.generation);
  r.u64(m.position);
  if (!r.done()) return std::nullopt;
  m.format = static_cast<std::uint32_t>(format);
  return m;
}

agora::expected<std::shared_ptr<model_db>, std::string> model_db::open(const model_db_options& o) {
  std::shared_ptr<model_db> m(new model_db());
  rocksdb::DBOptions dbo;
  dbo.create_if_missing = true;
  dbo.create_missing_column_families = true;
  // Memtables of every family are flushed together: with the WAL off, this
  // is what keeps the families and the meta records at one position on disk.
  dbo.atomic_flush = true;
  dbo.db_write_buffer_size = o.write_buffer_bytes;
  dbo.max_background_jobs = 2;
  dbo.keep_log_file_num = 4;
  std::string path = o.path;
  if (path.empty()) {
    m->env_.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    dbo.env = m->env_.get();
    path = "/agora-read-models";
  }
  // Index and filter blocks live in the block cache too (memory stays within
  // projections.block_cache whatever the history), partitioned so that a
  // read loads a 4 KiB piece of a table's index rather than all of it, and
  // kept in the cache's high-priority pool so that a stream of reads over
  // old orders does not push them out.
  rocksdb::LRUCacheOptions co;
  co.capacity = o.block_cache_bytes;
  co.high_pri_pool_ratio = 0.25;
  m->cache_ = rocksdb::NewLRUCache(co);
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = m->cache_;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.cache_index_and_filter_blocks = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  t.partition_filters = true;
  t.metadata_block_size = 4096;
  t.pin_top_level_index_and_filter = true;
  // Reads are point reads of an order, an account, a page's orders spread
  // over years: small blocks decompress little per read.
  t.block_size = 4 * 1024;
  m->cf_options_.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  m->cf_options_.write_buffer_size = std::max<std::size_t>(o.write_buffer_bytes / 4, 4u << 20);
  m->cf_options_.max_write_buffer_number = 3;
  // LZ4 on every level: most reads land in the bottommost level, and LZ4
  // decompresses several times faster than ZSTD for a little more disk.
  m->cf_options_.compression = rocksdb::kLZ4Compression;
  m->cf_options_.level_compaction_dynamic_level_bytes = true;
  // Most writer-side reads miss (is this order new?): a bloom filter over
  // the memtables answers those without a search.
  m->cf_options_.memtable_whole_key_filtering = true;
  m->cf_options_.memtable_prefix_bloom_size_ratio = 0.05;

  std::vector<std::string> names;
  auto ls = rocksdb::DB::ListColumnFamilies(dbo, path, &names);
  if (!ls.ok() || names.empty()) names = {rocksdb::kDefaultColumnFamilyName};
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) descs.emplace_back(n, m->cf_options_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(dbo, path, descs, &handles, &raw);
  if (!s.ok()) return agora::unexpected{"cannot open the read models at " + o.path + ": " + s.ToString()};
  m->db_.reset(raw);
  for (auto* h : handles) {
    if (h->GetName() == rocksdb::kDefaultColumnFamilyName) {
      m->db_->DestroyColumnFamilyHandle(h);  // DefaultColumnFamily() serves it
    } else {
      m->unclaimed_[h->GetName()] = h;
    }
  }
  return m;
}

model_db::~model_db() {
  if (!db_) return;
  if (!in_memory()) (void)flush();
  for (auto& [name, h] : unclaimed_) db_->DestroyColumnFamilyHandle(h);
  unclaimed_.clear();
  (void)db_->Close();
  db_.reset();
}

std::optional<model_meta> model_db::meta(std::string_view name) const {
  auto v = get_latest(meta_family(), meta_key(name));
  if (!v) return std::nullopt;
  return decode_meta(*v);
}

void model_db::put_meta(rocksdb::WriteBatch& batch, std::string_view name, const model_meta& m) const {
  std::string v;
  bin_writer(v).u64(m.format).u64(m.generation).u64(m.position);
  batch.Put(meta_family(), meta_key(name), v);
}

agora::expected<family_ptr, std::string> model_db::family(std::string_view name, std::uint64_t generation) {
  const std::string fname = family_name(name, generation);
  std::lock_guard<std::mutex> lk(mu_);
  if (auto c = claimed_.find(fname); c != claimed_.end()) {
    if (auto f = c->second.lock()) return f;
    claimed_.erase(c);
  }
  if (std::find(dropped_.begin(), dropped_.end(), fname) != dropped_.end()) {
    return agora::unexpected{"column family " + fname + " was dropped"};
  }
  rocksdb::ColumnFamilyHandle* h = nullptr;
  if (auto u = unclaimed_.find(fname); u != unclaimed_.end()) {
    h = u->second;
    unclaimed_.erase(u);
  } else {
    auto s = db_->CreateColumnFamily(cf_options_, fname, &h);
    if (!s.ok()) return agora::unexpected{"cannot create column family " + fname + ": " + s.ToString()};
  }
  // The deleter lets go of the database as it runs: claimed_'s weak_ptr
  // keeps the control block (and a deleter's captures) alive, which must not
  // keep the database open.
  struct release {
    std::shared_ptr<model_db> db;
    void operator()(rocksdb::ColumnFamilyHandle* x) {
      db->db_->DestroyColumnFamilyHandle(x);
      db.reset();
    }
  };
  family_ptr f(h, release{shared_from_this()});
  claimed_[fname] = f;
  return f;
}

void model_db::drop_others(std::string_view name, std::uint64_t keep_generation) {
  const std::string keep = family_name(name, keep_generation);
  const std::string prefix = std::string(name) + ".";
  std::lock_guard<std::mutex> lk(mu_);
  for (auto it = unclaimed_.begin(); it != unclaimed_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) == 0 && it->first != keep) {
      (void)db_->DropColumnFamily(it->second);
      db_->DestroyColumnFamilyHandle(it->second);
      dropped_.push_back(it->first);
      it = unclaimed_.erase(it);
    } else {
      ++it;
    }
  }
}

void model_db::drop(const family_ptr& f) {
  if (!f) return;
  std::lock_guard<std::mutex> lk(mu_);
  (void)db_->DropColumnFamily(f.get());
  dropped_.push_back(f->GetName());
  claimed_.erase(f->GetName());
}

rocksdb::ColumnFamilyHandle* model_db::meta_family() const noexcept { return db_->DefaultColumnFamily(); }

agora::expected<void, std::string> model_db::write(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  auto s = db_->Write(wo, &batch);
  if (!s.ok()) return agora::unexpected{"writing the read models: " + s.ToString()};
  return {};
}

snapshot_ptr model_db::snapshot() {
  struct release {
    std::shared_ptr<model_db> db;
    void operator()(const rocksdb::Snapshot* s) {
      db->db_->ReleaseSnapshot(s);
      db.reset();
    }
  };
  return snapshot_ptr(db_->GetSnapshot(), release{shared_from_this()});
}

agora::expected<void, std::string> model_db::flush() {
  std::vector<rocksdb::ColumnFamilyHandle*> all{db_->DefaultColumnFamily()};
  std::vector<family_ptr> held;  // kept open while flushing
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& [n, h] : unclaimed_) all.push_back(h);
    for (auto& [n, w] : claimed_) {
      if (auto f = w.lock()) {
        all.push_back(f.get());
        held.push_back(std::move(f));
      }
    }
  }
  rocksdb::FlushOptions fo;
  fo.wait = true;
  auto s = db_->Flush(fo, all);
  if (!s.ok()) return agora::unexpected{"flushing the read models: " + s.ToString()};
  return {};
}

std::uint64_t model_db::memory_bytes() const {
  std::uint64_t mem = 0;
  db_->GetAggregatedIntProperty("rocksdb.size-all-mem-tables", &mem);
  return mem + cache_->GetUsage();
}

std::uint64_t model_db::disk_bytes() const {
  std::uint64_t bytes = 0;
  db_->GetAggregatedIntProperty("rocksdb.total-sst-files-size", &bytes);
  return bytes;
}

std::optional<std::string> model_db::get_latest(rocksdb::ColumnFamilyHandle* f, std::string_view key) const {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), f, rocksdb::Slice(key.data(), key.size()), &v);
  if (!s.ok()) return std::nullopt;
  return v;
}

std::optional<std::string> kv_view::get(std::string_view key) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snap_.get();
  std::string v;
  auto s = db_->db()->Get(ro, family_.get(), rocksdb::Slice(key.data(), key.size()), &v);
  if (!s.ok()) return std::nullopt;
  return v;
}

std::vector<std::optional<std::string>> kv_view::multi_get(const std::vector<std::string>& keys) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snap_.get();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->db()->MultiGet(ro, family_.get(), keys.size(), slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) out[i] = values[i].ToString();
  }
  return out;
}

std::unique_ptr<rocksdb::Iterator> kv_view::iterator() const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snap_.get();
  return std::unique_ptr<rocksdb::Iterator>(db_->db()->NewIterator(ro, family_.get()));
}

std::optional<std::string> kv_writer::get(const std::string& key) const {
  if (auto p = pending_.find(key); p != pending_.end()) return p->second;
  if (auto p = inflight_.find(key); p != inflight_.end()) return p->second;
  return db_->get_latest(family_.get(), key);
}

void kv_writer::flush(rocksdb::WriteBatch& batch) {
  inflight_ = std::move(pending_);
  pending_.clear();
  for (auto& [k, v] : inflight_) {
    if (v) {
      batch.Put(family_.get(), k, *v);
    } else {
      batch.Delete(family_.get(), k);
    }
  }
}

agora::expected<void, std::string> stored_count::load(const kv_writer& store) {
  auto v = store.get(key_);
  if (!v) return {};
  bin_reader r(*v);
  std::uint64_t n = 0;
  if (!r.u64(n) || !r.done()) return agora::unexpected{"unreadable count under key '" + key_ + "'"};
  n_ = static_cast<std::size_t>(n);
  return {};
}

void stored_count::flush(kv_writer& store) {
  if (!dirty_) return;
  std::string v;
  bin_writer(v).u64(n_);
  store.put(key_, std::move(v));
  dirty_ = false;
}

}  // namespace agora::projections::detail
