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

TEST(ThreadName, IsWhatTopShows) {
  std::string seen;
  std::thread t([&] {
    set_current_thread_name("store-writer");
    seen = comm_of_this_thread();
  });
  t.join();
  EXPECT_EQ(seen, "store-writer");
}

TEST(ThreadName, LongNamesAreCutAt15Bytes) {
  std::string seen;
  std::thread t([&] {
    set_current_thread_name("a-name-much-longer-than-fifteen-bytes");
    seen = comm_of_this_thread();
  });
  t.join();
  EXPECT_EQ(seen, "a-name-much-lon");
}

}  // namespace
}  // namespace agora
