#pragma once
// Options of the event store, with the defaults a production node runs with.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/expected.hpp"
#include "common/option_error.hpp"

namespace agora {
class config;
}
namespace rocksdb {
class Env;
}

namespace agora::eventstore {

/// How the store opens its database.
enum class open_mode : std::uint8_t {
  /// The owning node: reads and writes; takes RocksDB's lock.
  read_write,
  /// A tool on a stopped node's data: reads only, no writer thread, no lock.
  /// Sees the store as it was when opened.
  read_only,
  /// A tool beside a running node (which holds the lock): a RocksDB secondary
  /// instance, reads only, which follows the owner's writes when told to
  /// (event_store::catch_up()). Needs store_options::secondary_path.
  secondary,
};

struct store_options {
  /// Directory of the RocksDB database; created when missing (read_write only).
  std::string path = "./data/store";
  open_mode mode = open_mode::read_write;
  /// read_write only: create the database when path holds none. Tools that
  /// write to an existing store turn it off, so a mistyped path fails instead
  /// of becoming a new, empty store. No config key.
  bool create_if_missing = true;
  /// secondary only: a directory of the tool's own where RocksDB keeps the
  /// secondary instance's info log (created when missing). No config key.
  std::string secondary_path;

  /// fsync the write-ahead log before acknowledging an append. Off trades the
  /// durability of the last few milliseconds on power loss for latency; a
  /// process crash loses nothing either way (the WAL is in the OS page cache).
  bool sync = true;

  // Group commit: the writer takes whatever is queued, up to these limits, into
  // one WriteBatch and one synced write.
  /// Appends per batch at most.
  std::size_t max_batch_appends = 1024;
  /// Encoded bytes per batch at most (a single larger append still goes alone).
  std::size_t max_batch_bytes = 8u << 20;
  /// Appends waiting for the writer at most; past it appends fail fast with
  /// errc::overloaded instead of queueing without bound.
  std::size_t max_queued_appends = 65536;

  // Limits on what one append may carry.
  std::size_t max_stream_id_bytes = 256;
  std::size_t max_event_bytes = 1u << 20;
  std::size_t max_events_per_append = 10000;
  /// Validate that each event's data parses as JSON (simdjson) before queueing.
  bool validate_json = true;

  /// Stream versions kept in the writer's memory (streams beyond it are read
  /// back from RocksDB on their next append).
  std::size_t version_cache_entries = 1u << 20;

  // RocksDB tuning, small by default for a 2-core node.
  int max_background_jobs = 2;
  std::size_t write_buffer_bytes = 64u << 20;
  std::size_t block_cache_bytes = 128u << 20;

  /// For tests only (fault injection): the RocksDB Env the database is opened
  /// with, e.g. one whose file system fails writes or syncs on demand. Not owned;
  /// must outlive the store. Null (default): RocksDB's own. No config key.
  rocksdb::Env* env = nullptr;

  /// Reads store.* keys from `cfg` (store.path, store.sync, ...), defaults as
  /// above, and checks them (validate()); a value out of range is refused,
  /// naming its key, rather than clamped.
  static expected<store_options, option_error> from_config(config& cfg);
  /// Checks the limits open() needs (batch, queue, stream id and event sizes);
  /// the error names the key. open() runs it too, for options built by hand.
  [[nodiscard]] expected<void, option_error> validate() const;
};

}  // namespace agora::eventstore
