#pragma once
// Who holds a store: RocksDB takes an fcntl write lock on <store>/LOCK while a
// process has the database open for writing (agorad, or agoractl writing
// offline). Tools ask before they open, to choose a secondary instance for
// reads and to refuse offline writes with a message that names the holder.

#include <string>

namespace agora::eventstore {

/// What probe_store_lock() found.
struct store_lock_state {
  enum class status {
    /// `path` holds no store (no CURRENT file).
    no_store,
    /// A store nobody has open for writing.
    free,
    /// Another process has it open for writing (pid when the OS tells it).
    held,
  };
  status state = status::no_store;
  /// The holder's process id when `held` (0 when unknown).
  long holder_pid = 0;
};

/// Looks at `path` without opening the database. A lock held by this very
/// process reads as `free` (fcntl locks do not conflict with their owner):
/// callers are separate tool processes. Racy by nature: the answer may be
/// stale by the time the caller acts, so opening still checks.
store_lock_state probe_store_lock(const std::string& path);

}  // namespace agora::eventstore
