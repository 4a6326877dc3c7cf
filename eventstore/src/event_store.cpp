// Opening and closing the store, the read path, snapshots, checkpoints, verify.

#include "eventstore/event_store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <future>
#include <unordered_map>

#include "common/config.hpp"
#include "eventstore/src/byte_order.hpp"
#include "eventstore/src/envelope_codec.hpp"
#include "eventstore/src/store_impl.hpp"
#include "common/thread_name.hpp"

namespace agora::eventstore {

namespace {

// Column families, in the order of impl::handles_.
constexpr const char* kLogCf = "log";
constexpr const char* kStreamsCf = "streams";
constexpr const char* kSnapshotsCf = "snapshots";
constexpr const char* kCheckpointsCf = "checkpoints";
constexpr const char* kWakeupsCf = "wakeups";

// A key in the default family that marks the on-disk format, so a future
// incompatible layout is refused instead of misread.
constexpr const char* kFormatKey = "agora.store.format";
constexpr const char* kFormatValue = "1";

store_error io_error(const rocksdb::Status& s, std::string_view what) {
  return store_error{s.IsCorruption() ? errc::corruption : errc::io_error,
                     std::string(what) + ": " + s.ToString(), 0};
}

// The stream part of an index key ("order-1\0<version>" -> "order-1\0"). RocksDB keeps one memtable insert
// hint per prefix: each stream's new key lands next to that stream's previous
// one, so an insert starts there instead of searching the skiplist from the
// top. Appends interleave many streams, which otherwise makes every index
// insert a full search (measured: most of the writer's CPU).
class stream_prefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "agora.stream_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), 0, key.size());
    if (nul == nullptr) return key;
    return rocksdb::Slice(key.data(), static_cast<std::size_t>(static_cast<const char*>(nul) - key.data()) + 1);
  }
  bool InDomain(const rocksdb::Slice& /*key*/) const override { return true; }
};

rocksdb::CompressionType pick_compression() {
  for (auto c : rocksdb::GetSupportedCompressions()) {
    if (c == rocksdb::kLZ4Compression) return c;
  }
  return rocksdb::kNoCompression;
}

}  // namespace

const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::wrong_expected_version: return "wrong_expected_version";
    case errc::invalid_stream_id: return "invalid_stream_id";
    case errc::invalid_event: return "invalid_event";
    case errc::too_large: return "too_large";
    case errc::overloaded: return "overloaded";
    case errc::shutting_down: return "shutting_down";
    case errc::io_error: return "io_error";
    case errc::corruption: return "corruption";
    case errc::open_failed: return "open_failed";
    case errc::invalid_argument: return "invalid_argument";
  }
  return "unknown";
}

std::string expected_version::to_string() const {
  if (is_any()) return "any";
  if (value_ == 0) return "no_stream";
  return std::to_string(value_);
}

recorded_event event_view::to_owned() const {
  recorded_event e;
  e.id = id;
  e.stream.assign(stream);
  e.version = version;
  e.position = position;
  e.type.assign(type);
  e.schema_version = schema_version;
  e.timestamp = timestamp;
  e.correlation_id.assign(correlation_id);
  e.causation_id.assign(causation_id);
  e.actor.assign(actor);
  e.data.assign(data);
  return e;
}

namespace {

// A count read with get_int: refused when below `min`, before the cast to an
// unsigned type could turn a negative into a huge limit.
expected<std::int64_t, option_error> count_at_least(config& cfg, const char* key, std::int64_t def,
                                                    const char* help, std::int64_t min) {
  const auto v = cfg.get_int(key, def, help);
  if (v < min) return unexpected(make_option_error(key, "must be >= " + std::to_string(min)));
  return v;
}

}  // namespace

expected<store_options, option_error> store_options::from_config(config& cfg) {
  store_options o;
  o.path = cfg.get_string("store.path", o.path, "directory of the RocksDB event store");
  o.sync = cfg.get_bool("store.sync", o.sync, "fsync each group commit before acknowledging");
  const auto batch_appends = count_at_least(cfg, "store.max_batch_appends",
                                            static_cast<std::int64_t>(o.max_batch_appends),
                                            "appends per group commit at most", 1);
  o.max_batch_bytes = cfg.get_bytes("store.max_batch_bytes", o.max_batch_bytes,
                                    "bytes per group commit at most (and per append)");
  const auto queued_appends =
      count_at_least(cfg, "store.max_queued_appends", static_cast<std::int64_t>(o.max_queued_appends),
                     "appends waiting for the writer before new ones are refused (overloaded)", 1);
  o.max_event_bytes = cfg.get_bytes("store.max_event_bytes", o.max_event_bytes,
                                    "data bytes of one event at most");
  const auto events_per_append = count_at_least(cfg, "store.max_events_per_append",
                                                static_cast<std::int64_t>(o.max_events_per_append),
                                                "events in one append at most", 0);
  o.validate_json = cfg.get_bool("store.validate_json", o.validate_json,
                                 "check that event data is JSON before storing it");
  const auto background_jobs = count_at_least(cfg, "store.rocksdb.max_background_jobs", o.max_background_jobs,
                                              "RocksDB flush/compaction threads", 1);
  o.write_buffer_bytes = cfg.get_bytes("store.rocksdb.write_buffer", o.write_buffer_bytes,
                                       "RocksDB memtable size per column family");
  o.block_cache_bytes = cfg.get_bytes("store.rocksdb.block_cache", o.block_cache_bytes,
                                      "RocksDB block cache shared by all column families");
  // Every key is read (and so declared for --print-config) before the first
  // refusal is answered.
  for (const auto* v : {&batch_appends, &queued_appends, &events_per_append, &background_jobs}) {
    if (!*v) return unexpected(v->error());
  }
  o.max_batch_appends = static_cast<std::size_t>(*batch_appends);
  o.max_queued_appends = static_cast<std::size_t>(*queued_appends);
  o.max_events_per_append = static_cast<std::size_t>(*events_per_append);
  o.max_background_jobs = static_cast<int>(*background_jobs);
  if (auto valid = o.validate(); !valid) return unexpected(std::move(valid).error());
  return o;
}

expected<void, option_error> store_options::validate() const {
  if (max_batch_appends == 0) return unexpected(make_option_error("store.max_batch_appends", "must be >= 1"));
  if (max_queued_appends == 0) return unexpected(make_option_error("store.max_queued_appends", "must be >= 1"));
  // No key: set by hand only (tests), named by its member.
  if (max_stream_id_bytes == 0 || max_stream_id_bytes > 65535) {
    return unexpected(make_option_error("max_stream_id_bytes", "must be in 1..65535"));
  }
  if (max_event_bytes == 0 || max_event_bytes > 0xFFFFFFFFu) {
    return unexpected(make_option_error("store.max_event_bytes", "must be in 1..4294967295 bytes"));
  }
  return {};
}

// ---------------------------------------------------------------------------
// impl: open and close

event_store::impl::impl(const store_options& opts, const clock& clk) : opts_(opts), clock_(&clk) {}

event_store::impl::~impl() { close(); }

store_result<void> event_store::impl::open() {
  if (auto valid = opts_.validate(); !valid) {
    return agora::unexpected{store_error{errc::invalid_argument, std::move(valid).error().message, 0}};
  }
  if (opts_.mode == open_mode::secondary && opts_.secondary_path.empty()) {
    return agora::unexpected{
        store_error{errc::invalid_argument, "a secondary instance needs store_options::secondary_path", 0}};
  }
  rocksdb::DBOptions dbo;
  if (opts_.env != nullptr) dbo.env = opts_.env;  // tests: fault injection
  dbo.create_if_missing = opts_.mode == open_mode::read_write && opts_.create_if_missing;
  dbo.create_missing_column_families = opts_.mode == open_mode::read_write;
  // A secondary instance must keep every table file open: the owner may delete
  // one (compaction) between the secondary's reads of the MANIFEST.
  if (opts_.mode == open_mode::secondary) dbo.max_open_files = -1;
  dbo.max_background_jobs = opts_.max_background_jobs;
  dbo.bytes_per_sync = 1u << 20;
  dbo.keep_log_file_num = 5;
  // RocksDB's info LOG stays in the DB directory; our own logs go through spdlog.

  auto cache = rocksdb::NewLRUCache(opts_.block_cache_bytes);
  auto hint = std::make_shared<stream_prefix>();
  auto make_cf = [&](bool bloom, bool stream_keyed = false) {
    rocksdb::ColumnFamilyOptions cfo;
    if (stream_keyed) cfo.memtable_insert_with_hint_prefix_extractor = hint;
    cfo.write_buffer_size = opts_.write_buffer_bytes;
    cfo.compression = pick_compression();
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    // Point lookups (versions, snapshots, checkpoints, stream index) skip files
    // that cannot hold the key. The log is read by position scans and needs none.
    if (bloom) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    cfo.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    return cfo;
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, make_cf(false)},
      {kLogCf, make_cf(false)},
      {kStreamsCf, make_cf(true, true)},
      {kSnapshotsCf, make_cf(true)},
      {kCheckpointsCf, make_cf(true)},
      {kWakeupsCf, make_cf(true)},
  };
  rocksdb::Status s;
  switch (opts_.mode) {
    case open_mode::read_write: s = rocksdb::DB::Open(dbo, opts_.path, cfs, &handles_, &db_); break;
    case open_mode::read_only: s = rocksdb::DB::OpenForReadOnly(dbo, opts_.path, cfs, &handles_, &db_); break;
    case open_mode::secondary:
      s = rocksdb::DB::OpenAsSecondary(dbo, opts_.path, opts_.secondary_path, cfs, &handles_, &db_);
      break;
  }
  if (!s.ok()) {
    return agora::unexpected{
        store_error{errc::open_failed, "cannot open event store at " + opts_.path + ": " + s.ToString(), 0}};
  }
  log_cf_ = handles_[1];
  streams_cf_ = handles_[2];
  snapshots_cf_ = handles_[3];
  checkpoints_cf_ = handles_[4];
  wakeups_cf_ = handles_[5];

  std::string format;
  s = db_->Get(rocksdb::ReadOptions(), handles_[0], kFormatKey, &format);
  if (s.IsNotFound() && opts_.mode == open_mode::read_write) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db_->Put(wo, handles_[0], kFormatKey, kFormatValue);
    if (!s.ok()) return agora::unexpected{io_error(s, "writing the format marker")};
  } else if (!s.ok() && !s.IsNotFound()) {
    return agora::unexpected{io_error(s, "reading the format marker")};
  } else if (s.ok() && format != kFormatValue) {
    return agora::unexpected{store_error{
        errc::open_failed, "event store at " + opts_.path + " has format '" + format +
                               "'; this build reads format " + kFormatValue,
        0}};
  }

  auto last = read_last_position();
  if (!last) return agora::unexpected{std::move(last).error()};
  next_position_ = *last;
  last_position_.store(next_position_, std::memory_order_release);

  if (opts_.mode == open_mode::read_write) {
    writer_ = std::thread([this] {
      set_current_thread_name("store-writer");
      run_writer();
    });
    if (opts_.sync) {
      syncer_ = std::thread([this] {
        set_current_thread_name("store-syncer");
        run_syncer();
      });
    }
  }
  return {};
}

void event_store::impl::close() {
  {
    std::lock_guard<std::mutex> lk(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();  // writes what was queued, then tells the syncer
  if (syncer_.joinable()) syncer_.join();  // syncs and answers the rest
  if (db_ == nullptr) return;
  // Debian's RocksDB asserts on a careless close: handles first, then Close().
  for (auto* h : handles_) {
    auto s = db_->DestroyColumnFamilyHandle(h);
    if (!s.ok()) spdlog::warn("eventstore: destroying a column family handle: {}", s.ToString());
  }
  handles_.clear();
  auto s = db_->Close();
  if (!s.ok()) spdlog::warn("eventstore: close: {}", s.ToString());
  delete db_;
  db_ = nullptr;
}

store_result<log_position> event_store::impl::read_last_position() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_cf_));
  it->SeekToLast();
  if (it->Valid()) {
    if (it->key().size() != 8) {
      return agora::unexpected{store_error{errc::corruption, "log key of unexpected size", 0}};
    }
    return detail::get_be64(it->key().data());
  }
  if (!it->status().ok()) return agora::unexpected{io_error(it->status(), "reading the end of the log")};
  return log_position{0};
}

store_result<stream_version> event_store::impl::read_version(std::string_view stream) const {
  // A stream's version is the version in its last index key. No separate
  // "current version" record: rewriting one per append costs a full memtable
  // search each time (a new entry for a key sorts before the older ones), and
  // this lookup runs only when the writer's cache misses.
  std::string lower(stream);
  lower.push_back('\0');
  std::string upper(stream);
  upper.push_back('\x01');
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, streams_cf_));
  it->SeekToLast();
  if (!it->Valid()) {
    if (!it->status().ok()) return agora::unexpected{io_error(it->status(), "reading a stream version")};
    return stream_version{0};
  }
  const auto key = it->key();
  if (key.size() != stream.size() + 9) {
    return agora::unexpected{store_error{errc::corruption, "stream index key of unexpected size", 0}};
  }
  return detail::get_be64(key.data() + stream.size() + 1);
}

// ---------------------------------------------------------------------------
// event_store

event_store::event_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
event_store::~event_store() = default;

store_result<std::unique_ptr<event_store>> event_store::open(const store_options& options,
                                                             const clock& clk) {
  auto p = std::make_unique<impl>(options, clk);
  if (auto r = p->open(); !r) return agora::unexpected{std::move(r).error()};
  return std::unique_ptr<event_store>(new event_store(std::move(p)));
}

void event_store::async_append(std::string stream, expected_version expected,
                               std::vector<new_event> events, append_callback done, append_options options) {
  impl_->async_append(std::move(stream), expected, std::move(events), std::move(done), options);
}

store_result<append_result> event_store::append(std::string stream, expected_version expected,
                                                std::vector<new_event> events) {
  std::promise<store_result<append_result>> promise;
  auto future = promise.get_future();
  impl_->async_append(std::move(stream), expected, std::move(events),
                      [&promise](store_result<append_result> r) { promise.set_value(std::move(r)); }, {});
  return future.get();
}

store_result<std::vector<recorded_event>> event_store::read_stream(std::string_view stream,
                                                                   stream_version from_version,
                                                                   std::size_t max) const {
  std::vector<recorded_event> out;
  if (auto err = validate_stream_id(stream, impl_->opts_.max_stream_id_bytes)) {
    return agora::unexpected{std::move(*err)};
  }
  if (max == 0) return out;
  if (from_version == 0) from_version = 1;

  // Index entries of this stream only: [stream NUL from, stream \x01).
  std::string upper(stream);
  upper.push_back('\x01');
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  // One snapshot for the index scan and the log lookups, so they agree.
  const read_snapshot snap(impl_->db_, impl_->opts_.mode);
  ro.snapshot = snap.get();

  // Events written but not yet durable are not shown (see last_position_).
  const log_position durable = last_position();
  std::vector<std::string> keys;
  {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(ro, impl_->streams_cf_));
    for (it->Seek(detail::stream_version_key(stream, from_version)); it->Valid() && keys.size() < max;
         it->Next()) {
      if (it->value().size() != 8) {
        return agora::unexpected{store_error{errc::corruption, "stream index value of unexpected size", 0}};
      }
      // A stream's positions rise with its versions: the first one past the
      // durable position ends the durable part.
      if (detail::get_be64(it->value().data()) > durable) break;
      keys.emplace_back(it->value().data(), 8);
    }
    if (!it->status().ok()) {
      return agora::unexpected{io_error(it->status(), "reading a stream index")};
    }
  }
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values(keys.size());
  rocksdb::ReadOptions get_ro;
  get_ro.snapshot = snap.get();
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), impl_->log_cf_);
  auto statuses = impl_->db_->MultiGet(get_ro, cfs, slices, &values);

  out.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!statuses[i].ok()) {
      return agora::unexpected{io_error(statuses[i], "reading an indexed event")};
    }
    auto v = detail::decode_envelope(values[i], detail::get_be64(keys[i].data()));
    if (!v) return agora::unexpected{store_error{errc::corruption, v.error(), 0}};
    out.push_back(v->to_owned());
  }
  return out;
}

store_result<std::size_t> event_store::scan_log(
    log_position from_position, std::size_t max,
    const std::function<bool(const event_view&)>& visit) const {
  if (max == 0) return std::size_t{0};
  if (from_position == 0) from_position = 1;
  // Only durable events: with sync on, RocksDB shows a batch before its WAL
  // sync, and the relay must never publish an event a power cut could undo.
  const log_position durable = last_position();
  if (from_position > durable) return std::size_t{0};
  const detail::position_key upper(durable + 1);
  const rocksdb::Slice upper_slice(upper.bytes, 8);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  // Long scans (replays, rebuilds) read ahead and stay out of the block cache
  // that the request path relies on.
  if (max > 4096) {
    ro.readahead_size = 2u << 20;
    ro.fill_cache = false;
  }
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(ro, impl_->log_cf_));
  std::size_t n = 0;
  for (it->Seek(detail::position_key(from_position).view()); it->Valid() && n < max; it->Next()) {
    const auto key = it->key();
    if (key.size() != 8) return agora::unexpected{store_error{errc::corruption, "log key of unexpected size", 0}};
    const auto value = it->value();
    auto v = detail::decode_envelope(std::string_view(value.data(), value.size()),
                                     detail::get_be64(key.data()));
    if (!v) return agora::unexpected{store_error{errc::corruption, v.error(), 0}};
    ++n;
    if (!visit(*v)) break;
  }
  if (!it->status().ok()) return agora::unexpected{io_error(it->status(), "reading the log")};
  return n;
}

store_result<std::vector<recorded_event>> event_store::read_log(log_position from_position,
                                                                std::size_t max) const {
  std::vector<recorded_event> out;
  out.reserve(std::min<std::size_t>(max, 4096));
  auto r = scan_log(from_position, max, [&out](const event_view& v) {
    out.push_back(v.to_owned());
    return true;
  });
  if (!r) return agora::unexpected{std::move(r).error()};
  return out;
}

log_position event_store::last_position() const noexcept {
  return impl_->last_position_.load(std::memory_order_acquire);
}

store_result<stream_version> event_store::current_version(std::string_view stream) const {
  if (auto err = validate_stream_id(stream, impl_->opts_.max_stream_id_bytes)) {
    return agora::unexpected{std::move(*err)};
  }
  return impl_->read_version(stream);
}

subscription event_store::subscribe(commit_listener listener) {
  auto reg = impl_->listeners_;
  std::uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lk(reg->mu);
    id = reg->next_id++;
    reg->listeners.emplace(id, std::move(listener));
  }
  std::weak_ptr<listener_registry> weak = reg;
  return subscription([weak, id] {
    if (auto r = weak.lock()) {
      // Taking the mutex waits for a listener call in progress to finish.
      std::lock_guard<std::mutex> lk(r->mu);
      r->listeners.erase(id);
    }
  });
}

bool event_store::wait_for_position(log_position position, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lk(impl_->position_mu_);
  return impl_->position_cv_.wait_for(lk, timeout, [&] {
    return impl_->last_position_.load(std::memory_order_acquire) >= position;
  });
}

store_result<void> event_store::put_snapshot(std::string_view stream, const snapshot& snap) {
  if (auto err = validate_stream_id(stream, impl_->opts_.max_stream_id_bytes)) {
    return agora::unexpected{std::move(*err)};
  }
  if (impl_->opts_.mode != open_mode::read_write) {
    return agora::unexpected{store_error{errc::invalid_argument, "the store was opened read-only", 0}};
  }
  std::string value(12 + snap.state.size(), '\0');
  detail::put_le<std::uint64_t>(value.data(), snap.version);
  detail::put_le<std::uint32_t>(value.data() + 8, snap.schema_version);
  if (!snap.state.empty()) std::memcpy(value.data() + 12, snap.state.data(), snap.state.size());
  rocksdb::WriteOptions wo;
  wo.sync = false;  // see the contract: a lost snapshot only lengthens a replay
  auto s = impl_->db_->Put(wo, impl_->snapshots_cf_, rocksdb::Slice(stream.data(), stream.size()), value);
  if (!s.ok()) return agora::unexpected{io_error(s, "writing a snapshot")};
  return {};
}

store_result<std::optional<snapshot>> event_store::get_snapshot(std::string_view stream) const {
  if (auto err = validate_stream_id(stream, impl_->opts_.max_stream_id_bytes)) {
    return agora::unexpected{std::move(*err)};
  }
  std::string value;
  auto s = impl_->db_->Get(rocksdb::ReadOptions(), impl_->snapshots_cf_,
                           rocksdb::Slice(stream.data(), stream.size()), &value);
  if (s.IsNotFound()) return std::optional<snapshot>{};
  if (!s.ok()) return agora::unexpected{io_error(s, "reading a snapshot")};
  if (value.size() < 12) return agora::unexpected{store_error{errc::corruption, "snapshot too short", 0}};
  snapshot snap;
  snap.version = detail::get_le<std::uint64_t>(value.data());
  snap.schema_version = detail::get_le<std::uint32_t>(value.data() + 8);
  snap.state.assign(value.data() + 12, value.size() - 12);
  return std::optional<snapshot>(std::move(snap));
}

store_result<void> event_store::put_checkpoint(std::string_view name, log_position position) {
  if (name.empty() || name.size() > 256) {
    return agora::unexpected{store_error{errc::invalid_argument, "checkpoint name must be 1..256 bytes", 0}};
  }
  if (impl_->opts_.mode != open_mode::read_write) {
    return agora::unexpected{store_error{errc::invalid_argument, "the store was opened read-only", 0}};
  }
  char be[8];
  detail::put_be64(be, position);
  rocksdb::WriteOptions wo;
  wo.sync = impl_->opts_.sync;
  auto s = impl_->db_->Put(wo, impl_->checkpoints_cf_, rocksdb::Slice(name.data(), name.size()),
                           rocksdb::Slice(be, 8));
  if (!s.ok()) return agora::unexpected{io_error(s, "writing a checkpoint")};
  return {};
}

store_result<std::optional<log_position>> event_store::get_checkpoint(std::string_view name) const {
  std::string value;
  auto s = impl_->db_->Get(rocksdb::ReadOptions(), impl_->checkpoints_cf_,
                           rocksdb::Slice(name.data(), name.size()), &value);
  if (s.IsNotFound()) return std::optional<log_position>{};
  if (!s.ok()) return agora::unexpected{io_error(s, "reading a checkpoint")};
  if (value.size() != 8) return agora::unexpected{store_error{errc::corruption, "checkpoint of unexpected size", 0}};
  return std::optional<log_position>(detail::get_be64(value.data()));
}

store_result<std::vector<std::pair<std::string, log_position>>> event_store::list_checkpoints() const {
  std::vector<std::pair<std::string, log_position>> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(rocksdb::ReadOptions(), impl_->checkpoints_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value().size() != 8) {
      return agora::unexpected{store_error{errc::corruption, "checkpoint of unexpected size", 0}};
    }
    out.emplace_back(it->key().ToString(), detail::get_be64(it->value().data()));
  }
  if (!it->status().ok()) return agora::unexpected{io_error(it->status(), "reading checkpoints")};
  return out;
}

store_result<void> event_store::set_wakeup(std::string_view stream, std::optional<timestamp_us> due) {
  if (auto err = validate_stream_id(stream, impl_->opts_.max_stream_id_bytes)) {
    return agora::unexpected{std::move(*err)};
  }
  if (impl_->opts_.mode != open_mode::read_write) {
    return agora::unexpected{store_error{errc::invalid_argument, "the store was opened read-only", 0}};
  }
  rocksdb::WriteOptions wo;
  wo.sync = impl_->opts_.sync;
  const rocksdb::Slice key(stream.data(), stream.size());
  rocksdb::Status s;
  if (due) {
    char be[8];
    detail::put_be64(be, static_cast<std::uint64_t>(*due));
    s = impl_->db_->Put(wo, impl_->wakeups_cf_, key, rocksdb::Slice(be, 8));
  } else {
    s = impl_->db_->Delete(wo, impl_->wakeups_cf_, key);
  }
  if (!s.ok()) return agora::unexpected{io_error(s, "writing a wake-up")};
  return {};
}

store_result<std::vector<wakeup>> event_store::list_wakeups(std::size_t max) const {
  std::vector<wakeup> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(rocksdb::ReadOptions(), impl_->wakeups_cf_));
  for (it->SeekToFirst(); it->Valid() && out.size() < max; it->Next()) {
    if (it->value().size() != 8) return agora::unexpected{store_error{errc::corruption, "wake-up of unexpected size", 0}};
    out.push_back(wakeup{it->key().ToString(), static_cast<timestamp_us>(detail::get_be64(it->value().data()))});
  }
  if (!it->status().ok()) return agora::unexpected{io_error(it->status(), "reading wake-ups")};
  return out;
}

store_result<integrity_report> event_store::verify() const {
  integrity_report rep;
  auto problem = [&rep](std::string p) {
    rep.ok = false;
    if (rep.problems.size() < 100) rep.problems.push_back(std::move(p));
  };
  rocksdb::ReadOptions ro;
  const read_snapshot snap(impl_->db_, impl_->opts_.mode);
  ro.snapshot = snap.get();
  ro.fill_cache = false;
  // The index lookups jump between streams but come back to the same blocks
  // (a stream's next version sits beside its last): cached, each block is
  // read and decompressed once instead of once per event (measured: verify
  // of 1,000,000 events 8.0 s -> see bench/RESULTS.md, agoractl).
  rocksdb::ReadOptions index_ro = ro;
  index_ro.fill_cache = true;

  std::unordered_map<std::string, stream_version> versions;
  {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(ro, impl_->log_cf_));
    log_position expect = 1;
    std::string pos_value;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 8) {
        problem("log key of size " + std::to_string(it->key().size()));
        continue;
      }
      const log_position pos = detail::get_be64(it->key().data());
      if (pos != expect) problem("log gap: expected position " + std::to_string(expect) + ", found " + std::to_string(pos));
      expect = pos + 1;
      rep.last_position = pos;
      ++rep.events;
      auto v = detail::decode_envelope(std::string_view(it->value().data(), it->value().size()), pos);
      if (!v) {
        problem("position " + std::to_string(pos) + ": " + v.error());
        continue;
      }
      auto& last = versions[std::string(v->stream)];
      if (v->version != last + 1) {
        problem("stream '" + std::string(v->stream) + "': version " + std::to_string(v->version) +
                " at position " + std::to_string(pos) + " follows version " + std::to_string(last));
      }
      last = v->version;
      auto s = impl_->db_->Get(index_ro, impl_->streams_cf_, detail::stream_version_key(v->stream, v->version),
                               &pos_value);
      if (!s.ok() || pos_value.size() != 8 || detail::get_be64(pos_value.data()) != pos) {
        problem("stream '" + std::string(v->stream) + "' version " + std::to_string(v->version) +
                " is not indexed at position " + std::to_string(pos));
      }
    }
    if (!it->status().ok()) return agora::unexpected{io_error(it->status(), "verify: reading the log")};
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(ro, impl_->streams_cf_));
    std::uint64_t entries = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++entries;
    if (!it->status().ok()) return agora::unexpected{io_error(it->status(), "verify: reading the index")};
    if (entries != rep.events) {
      problem("stream index has " + std::to_string(entries) + " entries for " + std::to_string(rep.events) + " events");
    }
  }
  for (const auto& [stream, last] : versions) {
    auto v = impl_->read_version(stream);
    if (!v) return agora::unexpected{std::move(v).error()};
    if (*v != last) {
      problem("stream '" + stream + "' reads as version " + std::to_string(*v) + " but the log has " +
              std::to_string(last));
    }
  }
  rep.streams = versions.size();
  return rep;
}

store_stats event_store::stats() const {
  store_stats s;
  const auto& i = *impl_;
  s.appends = i.appends_.load(std::memory_order_relaxed);
  s.append_errors = i.append_errors_.load(std::memory_order_relaxed);
  s.events = i.events_.load(std::memory_order_relaxed);
  s.batches = i.batches_.load(std::memory_order_relaxed);
  s.batch_appends_max = i.batch_appends_max_.load(std::memory_order_relaxed);
  s.queued_appends = i.queued_.load(std::memory_order_relaxed);
  s.sync_writes = i.sync_writes_.load(std::memory_order_relaxed);
  s.write_micros = i.write_micros_.load(std::memory_order_relaxed);
  s.last_position = last_position();
  return s;
}

const store_options& event_store::options() const noexcept { return impl_->opts_; }

store_result<log_position> event_store::catch_up() {
  if (impl_->opts_.mode != open_mode::secondary) return last_position();
  auto s = impl_->db_->TryCatchUpWithPrimary();
  if (!s.ok()) return agora::unexpected{io_error(s, "catching up with the owning node")};
  auto last = impl_->read_last_position();
  if (!last) return agora::unexpected{std::move(last).error()};
  // The owner only ever adds to the log: never move backwards.
  if (*last > last_position()) impl_->last_position_.store(*last, std::memory_order_release);
  return last_position();
}

}  // namespace agora::eventstore
