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
  return n;
}

void node::declare_config(config& cfg) { (void)eventstore::store_options::from_config(cfg); }

node::~node() { stop(); }

void node::stop() {
  if (store_) {
    const auto s = store_->stats();
    store_.reset();
    spdlog::info("event store closed ({} appends, {} events, {} group commits this run)", s.appends, s.events,
                 s.batches);
  }
}

}  // namespace agora
