#include "tools/agoractl/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace agora::agoractl {

namespace {

// A redraw every 200 ms is smooth enough on a terminal; a plain line every
// 5 s keeps a log of a long run short.
constexpr auto kTtyEvery = std::chrono::milliseconds(200);
constexpr auto kPlainEvery = std::chrono::seconds(5);

std::string duration_text(double seconds) {
  char buf[32];
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", s);
  }
  return buf;
}

}  // namespace

progress::progress(std::string what, std::uint64_t total, std::string unit, bool quiet)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      quiet_(quiet),
      tty_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

progress::~progress() {
  // An early return (an error) leaves the terminal on a fresh line.
  if (!finished_ && tty_ && !quiet_ && calls_ > 0) std::fputc('\n', stderr);
}

void progress::update(std::uint64_t done) {
  if (quiet_ || (++calls_ & 1023u) != 0) return;
  poll(done);
}

void progress::poll(std::uint64_t done) {
  if (quiet_) return;
  calls_ |= 1u;  // something was drawn or may be: the destructor ends the line
  const auto now = std::chrono::steady_clock::now();
  if (now - last_print_ < (tty_ ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(kTtyEvery)
                                : std::chrono::duration_cast<std::chrono::steady_clock::duration>(kPlainEvery))) {
    return;
  }
  last_print_ = now;
  print(done, false);
}

void progress::finish(std::uint64_t done) {
  if (finished_) return;
  finished_ = true;
  if (quiet_) return;
  // A plain log gets the closing line of a run long enough to matter; a
  // quick one (most runs in scripts) stays silent.
  const auto took = std::chrono::steady_clock::now() - start_;
  if (tty_ || printed_ || took >= std::chrono::seconds(1)) print(done, true);
}

void progress::print(std::uint64_t done, bool last) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  char line[256];
  int n = 0;
  if (total_ > 0) {
    const double pct = 100.0 * static_cast<double>(done) / static_cast<double>(total_);
    n = std::snprintf(line, sizeof line, "%s: %llu/%llu %s (%.0f%%), %.0f %s/s", what_.c_str(),
                      static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), unit_.c_str(),
                      pct, rate, unit_.c_str());
  } else {
    n = std::snprintf(line, sizeof line, "%s: %llu %s, %.0f %s/s", what_.c_str(),
                      static_cast<unsigned long long>(done), unit_.c_str(), rate, unit_.c_str());
  }
  std::string text(line, n > 0 ? static_cast<std::size_t>(n) : 0);
  if (last) {
    text += ", " + duration_text(secs);
  } else if (total_ > done && rate > 0) {
    text += ", ETA " + duration_text(static_cast<double>(total_ - done) / rate);
  }
  printed_ = true;
  if (tty_) {
    // \r and clear to the end of the line: the line shrinks without leftovers.
    std::fprintf(stderr, "\r\033[K%s%s", text.c_str(), last ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

}  // namespace agora::agoractl
