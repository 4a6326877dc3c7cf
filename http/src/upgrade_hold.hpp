#pragma once
// Private: the server's hold on a connection it handed over (the
// upgrade_ticket of http/upgrade.hpp). It replaces the HTTP session in the
// books, so the connection keeps its places (max_connections, per IP) while
// the session itself, with its parser, buffers and request slots, is freed:
// a WebSocket that stays open for hours costs the HTTP server only this.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "http/src/connection.hpp"
#include "http/upgrade.hpp"

namespace agora::http {

struct shared_state;

class upgrade_hold final : public connection, public upgrade_ticket {
 public:
  /// Takes over the place `id` holds in st->books.
  upgrade_hold(std::shared_ptr<shared_state> st, std::uint64_t id);
  /// Frees the place.
  ~upgrade_hold() override;

  // upgrade_ticket
  void on_stop(std::function<void()> close) override;

  // connection: stop() calls the taker's hook; the rest is the taker's.
  void begin_stop() override;
  void force_close() override {}
  void shed() override {}

 private:
  std::shared_ptr<shared_state> st_;
  std::uint64_t id_;
  std::mutex mu_;
  bool stop_called_ = false;
  std::function<void()> hook_;
};

}  // namespace agora::http
