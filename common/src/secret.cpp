#include "common/secret.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace agora {

namespace {

constexpr std::size_t k_max_secret_file_bytes = 64 * 1024;

// Empirical Shannon entropy, in bits per symbol, of the counts.
double shannon_bits(const std::array<std::size_t, 256>& counts, std::size_t total) noexcept {
  if (total == 0) return 0;
  double h = 0;
  for (const std::size_t c : counts) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / static_cast<double>(total);
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace

double estimate_entropy_bits(std::string_view key) noexcept {
  if (key.empty()) return 0;
  std::array<std::size_t, 256> values{};
  std::array<std::size_t, 256> steps{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto b = static_cast<unsigned char>(key[i]);
    ++values[b];
    if (i > 0) ++steps[static_cast<unsigned char>(b - static_cast<unsigned char>(key[i - 1]))];
  }
  const double per_byte = shannon_bits(values, key.size());
  // One byte has no step; judge it by its value alone.
  const double per_step = key.size() > 1 ? shannon_bits(steps, key.size() - 1) : per_byte;
  return static_cast<double>(key.size()) * std::min(per_byte, per_step);
}

expected<void, std::string> check_key_strength(std::string_view key, std::string_view name, std::size_t min_bytes,
                                               double min_bits) {
  const std::string how = "; make one with `openssl rand -hex 32` (or `openssl rand -base64 48`)";
  if (key.size() < min_bytes) {
    return unexpected(std::string(name) + " must be at least " + std::to_string(min_bytes) + " bytes (it has " +
                      std::to_string(key.size()) + ")" + how);
  }
  const double bits = estimate_entropy_bits(key);
  if (bits < min_bits) {
    return unexpected(std::string(name) + " looks guessable: an estimated " +
                      std::to_string(static_cast<long>(bits)) + " bits of entropy, at least " +
                      std::to_string(static_cast<long>(min_bits)) +
                      " are required (repeated characters, few distinct ones or a pattern)" + how);
  }
  return {};
}

expected<std::string, std::string> read_secret_file(const std::string& path, std::string_view name) {
  const std::string what = std::string(name) + " (" + path + ")";
  // O_NOFOLLOW is not used: a symlink into a secrets mount (Kubernetes) is
  // normal; the checks below are on the file it points to.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(what + ": cannot open: " + std::strerror(errno));
  struct fd_closer {
    int fd;
    ~fd_closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return unexpected(what + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return unexpected(what + ": not a regular file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return unexpected(what + ": the file is accessible by its group or others (mode " + mode +
                      "); make it readable by agorad's user only: chmod 600 " + path);
  }
  if (st.st_size <= 0) return unexpected(what + ": the file is empty");
  if (static_cast<std::size_t>(st.st_size) > k_max_secret_file_bytes) {
    return unexpected(what + ": the file is larger than 64 KiB");
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unexpected(what + ": read error: " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  if (!out.empty() && out.back() == '\r') out.pop_back();
  if (out.empty()) return unexpected(what + ": the file is empty");
  return out;
}

}  // namespace agora
