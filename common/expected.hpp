#pragma once
// expected<T, E>: a value or an error, for C++17 (std::expected is C++23).
// Errors are values in Agora: nothing throws across an actor or I/O callback.

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace agora {

/// Wraps an error so it can be returned where an expected<T, E> is due.
template <class E>
struct unexpected {
  // A constructor, not an aggregate: C++17 has no parenthesized aggregate
  // initialization, so `return unexpected(err);` needs it.
  explicit unexpected(E e) : error(std::move(e)) {}
  E error;
};
template <class E>
unexpected(E) -> unexpected<E>;

/// Holds either a T (success) or an E (failure). [[nodiscard]]: a result that is
/// dropped unchecked is a warning (an error in our builds).
template <class T, class E>
class [[nodiscard]] expected {
 public:
  using value_type = T;
  using error_type = E;

  // Excludes expected itself: otherwise copying a non-const expected<bool, E>
  // would pick this constructor (through explicit operator bool) over the copy
  // constructor and silently turn the copy into a `true` value.
  template <class U = T,
            class = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                     !std::is_same_v<std::decay_t<U>, expected>>>
  expected(U&& v) : v_(std::in_place_index<0>, std::forward<U>(v)) {}  // NOLINT: implicit by design
  template <class G>
  expected(unexpected<G> e) : v_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  E& error() & { assert(!has_value()); return std::get<1>(v_); }
  const E& error() const& { assert(!has_value()); return std::get<1>(v_); }
  E&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, E> v_;
};

/// expected<void, E>: success carries no value.
template <class E>
class [[nodiscard]] expected<void, E> {
 public:
  expected() = default;
  template <class G>
  expected(unexpected<G> e) : err_(std::move(e.error)), ok_(false) {}  // NOLINT

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const { assert(ok_); }
  const E& error() const& { assert(!ok_); return err_; }
  E&& error() && { assert(!ok_); return std::move(err_); }

 private:
  E err_{};
  bool ok_ = true;
};

}  // namespace agora
