#include "projections/src/model_writer.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/thread_name.hpp"

namespace agora::projections::detail {

model_writer::model_writer(std::shared_ptr<model_db> db) : db_(std::move(db)) {
  thread_ = std::thread([this] {
    set_current_thread_name("models-writer");
    run();
  });
}

model_writer::~model_writer() {
  stop();
  join();
}

void model_writer::join() {
  if (thread_.joinable()) thread_.join();
}

void model_writer::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

bool model_writer::submit(rocksdb::WriteBatch batch) {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [&] { return !pending_ || stop_; });
  if (stop_) return false;
  pending_.emplace(std::move(batch));
  cv_.notify_all();
  return true;
}

bool model_writer::wait() {
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [&] { return !pending_ || stop_; });
  return !pending_;
}

std::string model_writer::error() const {
  std::lock_guard<std::mutex> lk(mu_);
  return error_;
}

void model_writer::run() {
  std::unique_lock<std::mutex> lk(mu_);
  while (true) {
    cv_.wait(lk, [&] { return pending_ || stop_; });
    if (!pending_) return;  // stopping, nothing left
    lk.unlock();
    auto w = db_->write(*pending_);
    lk.lock();
    if (w) {
      pending_.reset();
      error_.clear();
      cv_.notify_all();
      continue;
    }
    if (error_ != w.error()) spdlog::error("projections: {} (retrying every 100 ms)", w.error());
    error_ = w.error();
    // Kept and retried: the models in memory are ahead of the disk by it.
    if (cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return stop_; })) return;
  }
}

}  // namespace agora::projections::detail
