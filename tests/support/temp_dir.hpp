#pragma once
// A directory under $TMPDIR (or /tmp) that is removed with everything in it
// when the object goes away. For tests that need a real disk.

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace agora::testing {

class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "agora-test") {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    path_ = templ;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  /// A path inside the directory (not created).
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace agora::testing
