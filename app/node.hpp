#pragma once
// One Agora node: the parts a process runs, started in dependency order from
// the configuration and stopped in reverse. agorad is a thin main() around it.

#include <memory>
#include <string>

#include "common/config.hpp"
#include "common/expected.hpp"
#include "actors/command_service.hpp"
#include "eventstore/event_store.hpp"

namespace agora {

/// A running node. Not copyable; stop() (or the destructor) shuts it down.
class node {
 public:
  /// Reads the store.* and actors.* keys from `cfg`, opens the event store
  /// (creating its directory), then starts the actor system (which resumes
  /// aggregates with pending work). Fails with a message naming what could
  /// not be started. Unknown configuration keys are reported by the caller
  /// after start (see config::unknown_keys()).
  [[nodiscard]] static agora::expected<std::unique_ptr<node>, std::string> start(config& cfg);

  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Reads every key the node's parts use (with their defaults), without
  /// starting anything: after it, cfg.print() and cfg.unknown_keys() are complete.
  static void declare_config(config& cfg);

  /// Stops every part, in reverse order of start. Idempotent.
  void stop();

  eventstore::event_store& store() noexcept { return *store_; }
  actors::command_service& commands() noexcept { return *commands_; }

 private:
  node() = default;
  // Declared in start order; stop() tears down in reverse.
  std::unique_ptr<eventstore::event_store> store_;
  std::unique_ptr<actors::command_service> commands_;
};

}  // namespace agora
