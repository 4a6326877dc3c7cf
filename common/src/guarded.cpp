#include "common/guarded.hpp"

#include <spdlog/spdlog.h>

namespace agora {

void log_guarded_failure(std::string_view what, std::string_view message) noexcept {
  try {
    spdlog::error("{} threw: {}", what, message);
  } catch (...) {  // logging must not turn a caught exception into an escaped one
  }
}

}  // namespace agora
