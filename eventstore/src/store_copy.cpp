// Copies of a store for backups and bulk loads: flush(), create_checkpoint(),
// copy_to(), and the lock probe tools ask before they open a store.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rocksdb/utilities/checkpoint.h>

#include <memory>

#include "eventstore/event_store.hpp"
#include "eventstore/src/byte_order.hpp"
#include "eventstore/src/store_impl.hpp"
#include "eventstore/store_lock.hpp"

namespace agora::eventstore {

namespace {

store_error status_error(const rocksdb::Status& s, std::string_view what) {
  return store_error{s.IsCorruption() ? errc::corruption : errc::io_error, std::string(what) + ": " + s.ToString(),
                     0};
}

store_result<void> flush_db(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  auto s = db.FlushWAL(/*sync=*/true);
  if (!s.ok()) return agora::unexpected{status_error(s, "syncing the write-ahead log")};
  rocksdb::FlushOptions fo;
  fo.wait = true;
  s = db.Flush(fo, handles);
  if (!s.ok()) return agora::unexpected{status_error(s, "flushing the memtables")};
  return {};
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

store_result<void> event_store::flush() {
  if (impl_->opts_.mode != open_mode::read_write) {
    return agora::unexpected{store_error{errc::invalid_argument, "flush: the store was opened read-only", 0}};
  }
  return flush_db(*impl_->db_, impl_->handles_);
}

store_result<void> event_store::create_checkpoint(const std::string& dir) const {
  if (impl_->opts_.mode != open_mode::read_write) {
    return agora::unexpected{store_error{
        errc::invalid_argument, "a checkpoint needs the store opened for writing (use copy_to for a read-only one)",
        0}};
  }
  if (exists(dir)) return agora::unexpected{store_error{errc::invalid_argument, dir + " already exists", 0}};
  rocksdb::Checkpoint* raw = nullptr;
  auto s = rocksdb::Checkpoint::Create(impl_->db_, &raw);
  if (!s.ok()) return agora::unexpected{status_error(s, "preparing a checkpoint")};
  std::unique_ptr<rocksdb::Checkpoint> cp(raw);
  // log_size_for_flush 0: memtables are flushed first, so the checkpoint is
  // table files only (hard links) and needs no WAL replay when opened.
  s = cp->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
  if (!s.ok()) return agora::unexpected{status_error(s, "writing a checkpoint to " + dir)};
  return {};
}

store_result<std::uint64_t> event_store::copy_to(const std::string& dir) const {
  if (exists(dir)) return agora::unexpected{store_error{errc::invalid_argument, dir + " already exists", 0}};
  store_options dst_opts = impl_->opts_;
  dst_opts.path = dir;
  dst_opts.mode = open_mode::read_write;
  dst_opts.create_if_missing = true;
  dst_opts.sync = false;  // one flush at the end makes it durable
  dst_opts.env = nullptr;
  // The destination is written through its RocksDB handle directly (the same
  // column families and options as any store), never through its writer,
  // which stays idle: entries are copied as they are, positions included.
  event_store::impl dst(dst_opts, *impl_->clock_);
  if (auto r = dst.open(); !r) return agora::unexpected{std::move(r).error()};

  rocksdb::ReadOptions ro;
  const read_snapshot snap(impl_->db_, impl_->opts_.mode);
  ro.snapshot = snap.get();
  ro.fill_cache = false;
  ro.readahead_size = 2u << 20;

  std::uint64_t events = 0;
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;  // flushed to table files at the end; a failure discards the copy
  for (std::size_t cf = 0; cf < impl_->handles_.size(); ++cf) {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(ro, impl_->handles_[cf]));
    rocksdb::WriteBatch batch;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      // The log holds only durable events for readers (last_position()); the
      // copy stops at the same place so it never holds an event the source
      // could still lose.
      if (impl_->handles_[cf] == impl_->log_cf_) {
        if (it->key().size() == 8 && detail::get_be64(it->key().data()) > last_position()) break;
        ++events;
      }
      auto s = batch.Put(dst.handles_[cf], it->key(), it->value());
      if (!s.ok()) return agora::unexpected{status_error(s, "copying")};
      if (batch.GetDataSize() >= (4u << 20)) {
        s = dst.db_->Write(wo, &batch);
        if (!s.ok()) return agora::unexpected{status_error(s, "writing the copy")};
        batch.Clear();
      }
    }
    if (!it->status().ok()) return agora::unexpected{status_error(it->status(), "reading the store")};
    auto s = dst.db_->Write(wo, &batch);
    if (!s.ok()) return agora::unexpected{status_error(s, "writing the copy")};
  }
  if (auto r = flush_db(*dst.db_, dst.handles_); !r) return agora::unexpected{std::move(r).error()};
  dst.close();
  return events;
}

store_lock_state probe_store_lock(const std::string& path) {
  store_lock_state st;
  if (!exists(path + "/CURRENT")) return st;
  st.state = store_lock_state::status::free;
  const int fd = ::open((path + "/LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return st;  // no LOCK file: nobody has opened it for writing yet
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;
  if (::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
    st.state = store_lock_state::status::held;
    st.holder_pid = static_cast<long>(fl.l_pid);
  }
  ::close(fd);
  return st;
}

}  // namespace agora::eventstore
