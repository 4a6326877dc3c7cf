#pragma once
// Putting a directory in place whole: import, backup and restore build their
// result in a temporary directory beside the target (same file system) and
// only then move it there with one rename, so an interrupted run leaves the
// target as it was (and, at worst, a temporary directory to delete).

#include <string>

#include "common/expected.hpp"

namespace agora::agoractl {

/// "<target>.<what>-<pid>": a temporary sibling of `target`.
std::string sibling_temp(const std::string& target, const char* what);

/// Fails, naming it, when the directory that would hold `target` does not
/// exist (the temporary sibling is created there).
expected<void, std::string> check_parent(const std::string& target);

/// Whether `path` is missing or an empty directory.
bool missing_or_empty(const std::string& path);

/// Syncs every file under `dir`, then `dir` itself.
expected<void, std::string> sync_tree(const std::string& dir);

/// Moves `tmp` to `target`: one rename when `target` is missing or empty;
/// otherwise (the caller decided it may be replaced) an atomic exchange
/// (renameat2 RENAME_EXCHANGE), after which the old contents, now at `tmp`,
/// are deleted. The parent directory is synced, so the swap survives a crash.
expected<void, std::string> install_dir(const std::string& tmp, const std::string& target);

/// Deletes `path` and everything under it; errors are ignored (cleanup).
void remove_tree(const std::string& path);

/// A temporary directory (see sibling_temp) deleted on scope exit unless
/// keep() was called once it was installed: every early return cleans up.
class temp_dir_guard {
 public:
  explicit temp_dir_guard(std::string dir) : dir_(std::move(dir)) { remove_tree(dir_); }
  ~temp_dir_guard() {
    if (!keep_) remove_tree(dir_);
  }
  temp_dir_guard(const temp_dir_guard&) = delete;
  temp_dir_guard& operator=(const temp_dir_guard&) = delete;
  const std::string& path() const noexcept { return dir_; }
  void keep() noexcept { keep_ = true; }

 private:
  std::string dir_;
  bool keep_ = false;
};

}  // namespace agora::agoractl
