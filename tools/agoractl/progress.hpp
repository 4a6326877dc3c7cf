#pragma once
// Progress of a long command (export, import, backup, verify) on stderr: on a
// terminal one line redrawn in place with the rate and the time left; when
// stderr is a file or a pipe (cron, CI, `2>log`) a plain line every few
// seconds, so logs stay readable. Silent with --quiet.

#include <chrono>
#include <cstdint>
#include <string>

namespace agora::agoractl {

class progress {
 public:
  /// `what` names the work ("export"); `total` is the expected count of
  /// `unit`s, 0 when unknown (no percentage, no ETA).
  progress(std::string what, std::uint64_t total, std::string unit = "events", bool quiet = false);
  ~progress();
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;

  /// `done` units so far. Cheap: looks at the clock once per 1024 calls.
  void update(std::uint64_t done);
  /// update() for slow loops (a node polled every 500 ms): looks at the
  /// clock at every call.
  void poll(std::uint64_t done);
  /// Prints the last line (with the mean rate) and ends it.
  void finish(std::uint64_t done);

 private:
  void print(std::uint64_t done, bool last);

  std::string what_, unit_;
  std::uint64_t total_;
  bool quiet_, tty_;
  bool finished_ = false;
  bool printed_ = false;
  std::uint64_t calls_ = 0;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace agora::agoractl
