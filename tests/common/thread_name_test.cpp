// Thread names: set, read back through /proc as top and ps see them, and cut
// at the kernel's 15 bytes.

#include "common/thread_name.hpp"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace agora {
namespace {

std::string comm_of_this_thread() {
  std::ifstream in("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// The name a new thread shows after it sets `name`.
std::string shown_after_setting(const std::string& name) {
  std::string seen;
  std::thread t([&] {
    set_current_thread_name(name);
    seen = comm_of_this_thread();
  });
  t.join();
  return seen;
}

TEST(ThreadName, IsWhatTopShows) { EXPECT_EQ(shown_after_setting("store-writer"), "store-writer"); }

TEST(ThreadName, LongNamesAreCutAt15Bytes) {
  EXPECT_EQ(shown_after_setting("a-name-much-longer-than-fifteen-bytes"), "a-name-much-lon");
}

}  // namespace
}  // namespace agora
