#pragma once
// The one-shot handle through which an asynchronous handler answers.

#include <functional>
#include <optional>

#include "http/response.hpp"

namespace agora::http {

/// Answers one request, exactly once, from any thread. Move-only.
///
/// Handlers are asynchronous: they send a command to an actor and answer from
/// the actor's callback, on another thread. Calling the responder posts the
/// response back to the connection's strand; it never blocks and never runs
/// the write inline.
///
/// If a responder is destroyed without having been called (a lost callback, an
/// exception), the connection still gets an answer: 500 Problem Details, and
/// the server logs it. So a connection never hangs on a forgotten request.
/// Answers that arrive after the request deadline (503 already sent) or after
/// the connection closed are dropped.
class responder {
 public:
  /// Receives the response, or nullopt when the responder was dropped unused.
  /// Runs on the thread that calls (or drops) the responder.
  using sink = std::function<void(std::optional<response>)>;

  /// An empty responder (calling it does nothing).
  responder() = default;
  explicit responder(sink s) : sink_(std::move(s)) {}
  responder(responder&& other) noexcept : sink_(std::move(other.sink_)) { other.sink_ = nullptr; }
  responder& operator=(responder&& other) noexcept {
    if (this != &other) {
      drop();
      sink_ = std::move(other.sink_);
      other.sink_ = nullptr;
    }
    return *this;
  }
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;
  ~responder() { drop(); }

  /// Sends `r`. Later calls are ignored (and assert in debug builds).
  void operator()(response r) { send(std::move(r)); }
  void send(response r) {
    if (!sink_) return;
    auto s = std::move(sink_);
    sink_ = nullptr;
    s(std::move(r));
  }
  /// True until the responder was called or moved from.
  bool pending() const noexcept { return static_cast<bool>(sink_); }

 private:
  void drop() noexcept {
    if (!sink_) return;
    auto s = std::move(sink_);
    sink_ = nullptr;
    try {
      s(std::nullopt);
    } catch (...) {  // a destructor must not throw; the server logs lost answers itself
    }
  }

  sink sink_;
};

}  // namespace agora::http
