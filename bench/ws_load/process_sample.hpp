#pragma once
// What /proc says about a process (the server under test): resident memory
// and CPU time, all threads together.
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace agora::bench {

/// One reading of a process; both fields 0 when it could not be read.
struct process_sample {
  std::uint64_t rss_kib = 0;
  double cpu_seconds = 0;

  /// Reads /proc/<pid>/status (VmRSS) and /proc/<pid>/stat (utime + stime).
  static process_sample of(pid_t pid) {
    process_sample s;
    if (pid <= 0) return s;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::stoull(line.substr(6));
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string all;
    std::getline(stat, all);  // one line
    const auto close = all.rfind(')');  // the command name may hold spaces
    if (close != std::string::npos) {
      unsigned long utime = 0;
      unsigned long stime = 0;
      // Fields after the name: state(3) ... utime(14) stime(15).
      if (std::sscanf(all.c_str() + close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) == 2)
        s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
    return s;
  }

  /// This process's own CPU time (every thread).
  static double self_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }
};

}  // namespace agora::bench
