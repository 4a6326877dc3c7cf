#pragma once
// Internal to agora_projections: the RocksDB database that holds the read
// models on disk (projections.path, ./data/projections by default), apart
// from the event store's: the models' writes never share the log's WAL or
// its fsyncs, and the models can be dropped and rebuilt without touching it.
//
// Layout. Each model lives in a column family of its own named
// "<model>.<generation>"; a rebuild fills the next generation beside the live
// one and swaps it in. The default column family holds what belongs to no one
// model: each model's meta record (format version, generation, position),
// the log identity check, the router's open carts and the routed history.
//
// Durability. Models are derived data: the WAL is off. Every runner publish is
// one WriteBatch (the models' changes and their positions together), and
// memtables are flushed atomically across column families, so what a restart
// finds is always the models at one published position: after kill -9 an
// earlier one (at most about write_buffer_bytes of changes back), which the
// runner then catches up from the log. A clean stop flushes, and the next
// start resumes where it stopped.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "common/expected.hpp"
#include "eventstore/event.hpp"

namespace rocksdb {
class Env;
class Cache;
}  // namespace rocksdb

namespace agora::projections::detail {

/// How the read models' database is opened.
struct model_db_options {
  /// Its directory; empty: in memory (tests, offline replays), gone at close.
  std::string path;
  /// The block cache shared by every model: the bound on cached reads.
  std::size_t block_cache_bytes = std::size_t{128} << 20;
  /// Memtables of all column families together: the bound on unflushed
  /// changes, and so on what a kill -9 makes the runner apply again.
  std::size_t write_buffer_bytes = std::size_t{64} << 20;
};

/// One model's meta record.
struct model_meta {
  std::uint32_t format = 0;
  std::uint64_t generation = 0;
  eventstore::log_position position = 0;
};

class model_db;

/// A column family handle that keeps the database open while held; dropping
/// a family keeps it readable by those who still hold it.
using family_ptr = std::shared_ptr<rocksdb::ColumnFamilyHandle>;
/// A RocksDB snapshot, released when the last holder lets go.
using snapshot_ptr = std::shared_ptr<const rocksdb::Snapshot>;

/// The database. Writes come from the runner thread only; reads from any thread.
class model_db : public std::enable_shared_from_this<model_db> {
 public:
  /// Opens (or creates) the database with every column family it has.
  static agora::expected<std::shared_ptr<model_db>, std::string> open(const model_db_options& options);
  /// Flushes (unless in memory) and closes.
  ~model_db();
  model_db(const model_db&) = delete;
  model_db& operator=(const model_db&) = delete;

  /// Model `name`'s meta record, or nullopt (never written, or unreadable).
  std::optional<model_meta> meta(std::string_view name) const;
  /// The key of model `name`'s meta record in the default family, and the
  /// record read back (nullopt when malformed): for tools that open a
  /// models' database read-only (projections::replay_models).
  static std::string meta_key(std::string_view name);
  static std::optional<model_meta> decode_meta(std::string_view bytes);
  /// The family name of model `name`'s generation `generation`.
  static std::string family_name(std::string_view name, std::uint64_t generation);
  /// Adds the put of `name`'s meta record to `batch`.
  void put_meta(rocksdb::WriteBatch& batch, std::string_view name, const model_meta& m) const;

  /// The family "<name>.<generation>", created when missing.
  agora::expected<family_ptr, std::string> family(std::string_view name, std::uint64_t generation);
  /// Drops every family of model `name` but `keep_generation`'s (leftovers
  /// of an interrupted rebuild or of an older format).
  void drop_others(std::string_view name, std::uint64_t keep_generation);
  /// Drops `f`: its data goes once the last holder lets go.
  void drop(const family_ptr& f);
  /// The default family (meta, routing state, routed history).
  rocksdb::ColumnFamilyHandle* meta_family() const noexcept;

  /// Writes `batch` atomically (no WAL: see the file comment).
  agora::expected<void, std::string> write(rocksdb::WriteBatch& batch);
  /// A snapshot of everything written so far.
  snapshot_ptr snapshot();
  /// Flushes all memtables atomically. For clean stops and tools.
  agora::expected<void, std::string> flush();
  /// Bytes in memtables and the block cache (for /metrics and benchmarks).
  std::uint64_t memory_bytes() const;
  /// Bytes of table files on disk, all families together.
  std::uint64_t disk_bytes() const;
  /// The latest value of `key` in `f` (writer-side reads), or nullopt.
  std::optional<std::string> get_latest(rocksdb::ColumnFamilyHandle* f, std::string_view key) const;
  rocksdb::DB* db() const noexcept { return db_.get(); }
  /// Whether the database is in memory (options.path was empty).
  bool in_memory() const noexcept { return env_ != nullptr; }

 private:
  model_db() = default;

  std::unique_ptr<rocksdb::Env> env_;  // the in-memory Env, or null
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> db_;
  mutable std::mutex mu_;
  // Guarded by mu_. Families opened at open and not yet handed out are
  // owned here; once handed out, the last family_ptr destroys the handle
  // (and RocksDB then deletes a dropped family's files).
  std::map<std::string, rocksdb::ColumnFamilyHandle*> unclaimed_;
  std::map<std::string, std::weak_ptr<rocksdb::ColumnFamilyHandle>> claimed_;
  std::vector<std::string> dropped_;  // names dropped: never handed out again
  rocksdb::ColumnFamilyOptions cf_options_;
};

/// One model's consistent read view: its family at one snapshot. Immutable;
/// any thread.
class kv_view {
 public:
  kv_view(std::shared_ptr<model_db> db, family_ptr family, snapshot_ptr snap) noexcept
      : db_(std::move(db)), family_(std::move(family)), snap_(std::move(snap)) {}

  /// The value of `key`, or nullopt.
  std::optional<std::string> get(std::string_view key) const;
  /// The values of `keys` (nullopt where absent), looked up together: one
  /// pass over the memtables and each table file for all of them.
  std::vector<std::optional<std::string>> multi_get(const std::vector<std::string>& keys) const;
  /// An iterator over the family at the snapshot (Seek it first).
  std::unique_ptr<rocksdb::Iterator> iterator() const;

 private:
  std::shared_ptr<model_db> db_;
  family_ptr family_;
  snapshot_ptr snap_;
};

/// The writer side of one model's family: the changes since the last flush
/// (the last change to a key wins), read through to the database. The changes
/// of the last flush stay readable until the next one: the runner writes a
/// batch while it applies the next events (model_writer), and calls flush()
/// again only once that write is done.
class kv_writer {
 public:
  kv_writer(std::shared_ptr<model_db> db, family_ptr family) noexcept
      : db_(std::move(db)), family_(std::move(family)) {}

  void put(std::string key, std::string value) { pending_[std::move(key)] = std::move(value); }
  void erase(std::string key) { pending_[std::move(key)] = std::nullopt; }
  /// The value as the model last left it: pending first, then the database.
  std::optional<std::string> get(const std::string& key) const;
  /// Moves the pending changes into `batch`.
  void flush(rocksdb::WriteBatch& batch);
  /// A read view of the family at `snap`.
  std::shared_ptr<const kv_view> view(snapshot_ptr snap) const {
    return std::make_shared<const kv_view>(db_, family_, std::move(snap));
  }
  const family_ptr& family() const noexcept { return family_; }
  const std::shared_ptr<model_db>& db() const noexcept { return db_; }

 private:
  std::shared_ptr<model_db> db_;
  family_ptr family_;
  std::unordered_map<std::string, std::optional<std::string>> pending_;
  std::unordered_map<std::string, std::optional<std::string>> inflight_;  // the last flush's
};

/// A count kept under one key of a model's family (orders, accounts): read
/// back at start, written with the first flush after it changed.
class stored_count {
 public:
  explicit stored_count(std::string key) : key_(std::move(key)) {}
  /// Reads the stored value (none stored: 0). An error for a malformed one.
  agora::expected<void, std::string> load(const kv_writer& store);
  void increment() noexcept {
    ++n_;
    dirty_ = true;
  }
  /// Puts the value into `store`'s pending changes if it changed.
  void flush(kv_writer& store);
  std::size_t value() const noexcept { return n_; }

 private:
  std::string key_;
  std::size_t n_ = 0;
  bool dirty_ = false;
};

}  // namespace agora::projections::detail
