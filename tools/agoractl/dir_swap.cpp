#include "tools/agoractl/dir_swap.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace agora::agoractl {

namespace fs = std::filesystem;

namespace {

expected<void, std::string> sync_path(const std::string& path, bool dir) {
  const int fd = ::open(path.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return unexpected{"opening " + path + " to sync it: " + std::strerror(errno)};
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return unexpected{"syncing " + path + ": " + std::strerror(err)};
  return {};
}

std::string parent_of(const std::string& path) {
  auto p = fs::absolute(fs::path(path)).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // a trailing slash
  return p.parent_path().string();
}

}  // namespace

std::string sibling_temp(const std::string& target, const char* what) {
  std::string t = target;
  while (t.size() > 1 && t.back() == '/') t.pop_back();
  return t + "." + what + "-" + std::to_string(::getpid());
}

expected<void, std::string> check_parent(const std::string& target) {
  const std::string parent = parent_of(target);
  std::error_code ec;
  if (!fs::is_directory(parent, ec)) {
    return unexpected{"the directory " + parent + " (where " + target + " would go) does not exist"};
  }
  return {};
}

bool missing_or_empty(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  return fs::is_directory(path, ec) && fs::is_empty(path, ec);
}

expected<void, std::string> sync_tree(const std::string& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    const bool is_dir = it->is_directory(type_ec);
    if (!is_dir && !it->is_regular_file(type_ec)) continue;
    if (auto r = sync_path(it->path().string(), is_dir); !r) return r;
  }
  if (ec) return unexpected{"listing " + dir + ": " + ec.message()};
  return sync_path(dir, true);
}

expected<void, std::string> install_dir(const std::string& tmp, const std::string& target) {
  std::error_code ec;
  if (!fs::exists(target, ec) || missing_or_empty(target)) {
    // rename(2) replaces an empty directory atomically too.
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      return unexpected{"renaming " + tmp + " to " + target + ": " + std::strerror(errno)};
    }
  } else {
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
      return unexpected{"exchanging " + tmp + " and " + target + ": " + std::strerror(errno)};
    }
    remove_tree(tmp);  // the old contents
  }
  return sync_path(parent_of(target), true);
}

void remove_tree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace agora::agoractl
