#pragma once
// A registration that ends with its handle: the store's commit listeners and
// the projections' change listeners both hand one out, so a listener can never
// outlive the object it calls into by accident.

#include <functional>
#include <utility>

namespace agora {

/// Keeps a listener registered; unregisters it when reset or destroyed.
/// Move-only. The registry that made it decides what unregistering waits for
/// (see the subscribe() that returned it); the handle only makes sure it
/// happens exactly once, and that moving one handle onto another ends the
/// registration the target held.
class subscription {
 public:
  /// Registers nothing.
  subscription() = default;
  /// Holds `cancel`, which unregisters the listener; it runs exactly once, from
  /// reset() or the destructor, and must not throw.
  explicit subscription(std::function<void()> cancel) noexcept : cancel_(std::move(cancel)) {}
  subscription(subscription&& other) noexcept : cancel_(std::exchange(other.cancel_, nullptr)) {}
  /// Ends this handle's registration, then takes over `other`'s.
  subscription& operator=(subscription&& other) noexcept {
    if (this != &other) {
      reset();
      cancel_ = std::exchange(other.cancel_, nullptr);
    }
    return *this;
  }
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;
  ~subscription() { reset(); }

  /// Unregisters now (nothing if already done or never registered).
  void reset() noexcept {
    // Cleared before the call, so a cancel that ends up destroying or
    // resetting this handle finds nothing left to do.
    if (auto cancel = std::exchange(cancel_, nullptr)) cancel();
  }

  /// Whether a listener is still registered through this handle.
  bool active() const noexcept { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

}  // namespace agora
