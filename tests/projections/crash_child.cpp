// A process for the kill -9 test (on_disk_test.cpp): opens the store and a
// projection runner with its models on disk, and prints the published
// position as it moves ("position N" lines) until it is killed. Small write
// buffers and batches make the models flush to disk many times on the way.
//
//   projections_crash_child STORE_DIR MODELS_DIR

#include <chrono>
#include <cstdio>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "eventstore/event_store.hpp"
#include "projections/projection_runner.hpp"

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("child"));
  if (argc != 3) {
    std::fprintf(stderr, "usage: projections_crash_child STORE_DIR MODELS_DIR\n");
    return 2;
  }
  agora::eventstore::store_options so;
  so.path = argv[1];
  so.sync = false;
  auto store = agora::eventstore::event_store::open(so);
  if (!store) {
    std::fprintf(stderr, "store: %s\n", store.error().message.c_str());
    return 1;
  }
  agora::projections::runner_options ro;
  ro.path = argv[2];
  ro.batch_events = 500;
  ro.publish_every_events = 2'000;
  ro.write_buffer_bytes = std::size_t{1} << 20;
  ro.hot_orders = 100;
  ro.history_events = 1000;
  agora::projections::projection_runner runner(**store, ro);
  if (auto r = runner.start(); !r) {
    std::fprintf(stderr, "runner: %s\n", r.error().c_str());
    return 1;
  }
  agora::eventstore::log_position last = ~agora::eventstore::log_position{0};
  while (true) {
    const auto p = runner.position();
    if (p != last) {
      std::printf("position %llu\n", static_cast<unsigned long long>(p));
      std::fflush(stdout);
      last = p;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}
