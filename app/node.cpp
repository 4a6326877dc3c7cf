#include "app/node.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

namespace agora {

agora::expected<std::unique_ptr<node>, std::string> node::start(config& cfg) {
  std::unique_ptr<node> n(new node());
  auto store_opts = eventstore::store_options::from_config(cfg);

  std::error_code ec;
  std::filesystem::create_directories(store_opts.path, ec);
  if (ec) return agora::unexpected{"cannot create " + store_opts.path + ": " + ec.message()};
  auto store = eventstore::event_store::open(store_opts);
  if (!store) return agora::unexpected{std::move(store).error().message};
  n->store_ = std::move(*store);

  const auto abs = std::filesystem::absolute(store_opts.path, ec).lexically_normal();
  spdlog::info("event store open at {} (last position {}, sync {})", ec ? store_opts.path : abs.string(),
               n->store_->last_position(), store_opts.sync ? "on" : "OFF: acknowledged writes may be lost on power failure");

  const auto actor_opts = actors::actor_options::from_config(cfg);
  auto commands = actors::command_service::start(*n->store_, actor_opts, system_clock::instance(),
                                                 std::make_shared<actors::simulated_payments>());
  if (!commands) return agora::unexpected{"cannot start the actor system: " + commands.error()};
  n->commands_ = std::move(*commands);
  spdlog::info("actor system started ({} scheduler threads); payments: simulated provider (moves no money)",
               actor_opts.scheduler_threads);
  return n;
}

void node::declare_config(config& cfg) {
  (void)eventstore::store_options::from_config(cfg);
  (void)actors::actor_options::from_config(cfg);
}

node::~node() { stop(); }

void node::stop() {
  if (commands_) {
    const auto s = commands_->stats();
    commands_.reset();
    spdlog::info("actor system stopped ({} commands, {} activations this run)", s.commands, s.activations);
  }
  if (store_) {
    const auto s = store_->stats();
    store_.reset();
    spdlog::info("event store closed ({} appends, {} events, {} group commits this run)", s.appends, s.events,
                 s.batches);
  }
}

}  // namespace agora
