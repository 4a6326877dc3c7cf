#include "common/thread_name.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstring>

namespace agora {

void set_current_thread_name(std::string_view name) noexcept {
  char buf[16];  // the kernel's TASK_COMM_LEN, with the terminating NUL
  const std::size_t n = std::min(name.size(), sizeof buf - 1);
  std::memcpy(buf, name.data(), n);
  buf[n] = '\0';
  (void)pthread_setname_np(pthread_self(), buf);
}

}  // namespace agora
