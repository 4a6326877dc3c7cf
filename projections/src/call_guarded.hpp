#pragma once
// Internal to agora_projections: runs foreign code (a change listener, a wait
// callback) on the runner thread without letting an exception reach it.

#include <spdlog/spdlog.h>

#include <exception>

namespace agora::projections::detail {

/// Calls `f()`; an exception it throws is logged (naming `what`) and dropped.
/// Errors are values in Agora, but callbacks are not ours.
template <class F>
void call_guarded(const char* what, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("projections: {} threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("projections: {} threw a non-std exception", what);
  }
}

}  // namespace agora::projections::detail
