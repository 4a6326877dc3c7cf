#pragma once
// Running code that is not ours (a listener, a callback, a queued job, a
// handler) from a thread that must survive it: errors are values in Agora,
// but a callback is foreign code, and an exception escaping it would end the
// thread (std::terminate) or unwind through a loop that must go on.

#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

namespace agora {

/// Runs `f()`. An exception it throws does not escape: `on_error` is called
/// with its message (what() of a std::exception, "a non-std exception"
/// otherwise) and false is returned; true when `f` returned normally.
/// `on_error` must not throw.
template <class F, class OnError,
          class = std::enable_if_t<std::is_invocable_v<OnError&, std::string_view>>>
bool call_guarded(F&& f, OnError&& on_error) noexcept {
  try {
    std::forward<F>(f)();
    return true;
  } catch (const std::exception& e) {
    on_error(std::string_view(e.what()));
  } catch (...) {
    on_error(std::string_view("a non-std exception"));
  }
  return false;
}

/// Logs an exception call_guarded() stopped: "`what` threw: `message`" at
/// error level.
void log_guarded_failure(std::string_view what, std::string_view message) noexcept;

/// Runs `f()`; an exception it throws is logged ("`what` threw: ...", e.g.
/// what = "eventstore: append callback") and does not escape. True when `f`
/// returned normally.
template <class F>
bool call_guarded(std::string_view what, F&& f) noexcept {
  return call_guarded(std::forward<F>(f), [what](std::string_view message) { log_guarded_failure(what, message); });
}

}  // namespace agora
