#include "http/src/upgrade_hold.hpp"

#include "common/guarded.hpp"
#include "http/metrics.hpp"
#include "http/src/session.hpp"

namespace agora::http {

upgrade_hold::upgrade_hold(std::shared_ptr<shared_state> st, std::uint64_t id) : st_(std::move(st)), id_(id) {
  if (st_->upgraded_gauge) st_->upgraded_gauge->inc();
}

upgrade_hold::~upgrade_hold() {
  const std::size_t now = st_->books.release(id_);
  if (st_->connections_gauge) st_->connections_gauge->set(static_cast<double>(now));
  if (st_->upgraded_gauge) st_->upgraded_gauge->dec();
}

void upgrade_hold::on_stop(std::function<void()> close) {
  {
    std::lock_guard lock(mu_);
    if (!stop_called_) {
      hook_ = std::move(close);
      return;
    }
  }
  // The server is stopping already.
  if (close) call_guarded("http upgrade stop hook", [&] { close(); });
}

void upgrade_hold::begin_stop() {
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    if (stop_called_) return;
    stop_called_ = true;
    hook = std::move(hook_);
    hook_ = nullptr;
  }
  if (hook) call_guarded("http upgrade stop hook", [&] { hook(); });
}

}  // namespace agora::http
