// The process the relay crash test kills. It runs an outbox relay over the
// store at <store-path>, publishing to the broker at <bootstrap>.
//
//   append: also appends events to order-c-<k> streams without end, and prints
//           "DELIVERED <position>" about every 20 ms; the parent kills it.
//   drain:  publishes what the log holds, prints "DRAINED <position>", stops
//           the relay (which writes its checkpoint) and exits 0.
//
// usage: bus_relay_crash_child <store-path> <bootstrap> append|drain <run-id>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "bus/outbox_relay.hpp"
#include "eventstore/event_store.hpp"

using namespace agora;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s <store-path> <bootstrap> append|drain <run-id>\n", argv[0]);
    return 2;
  }
  eventstore::store_options so;
  so.path = argv[1];
  so.sync = false;  // a process crash loses nothing either way
  auto opened = eventstore::event_store::open(so);
  if (!opened) {
    std::fprintf(stderr, "open failed: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;
  const std::string mode = argv[3];
  const std::string run = argv[4];

  bus::relay_options o;
  o.mode = bus::broker_mode::external;
  o.bootstrap_servers = argv[2];
  o.linger_ms = 2;
  o.checkpoint_interval_ms = 20;
  o.checkpoint_events = 100;
  bus::outbox_relay relay(store, o);
  if (auto r = relay.start(); !r) {
    std::fprintf(stderr, "relay: %s\n", r.error().c_str());
    return 1;
  }

  if (mode == "drain") {
    const auto last = store.last_position();
    if (!relay.wait_for_delivered(last, 30000)) {
      std::fprintf(stderr, "drain timed out: %s\n", relay.stats().last_error.c_str());
      return 1;
    }
    relay.stop();
    std::printf("DRAINED %llu\n", static_cast<unsigned long long>(last));
    return 0;
  }

  std::thread appender([&] {
    for (unsigned n = 0;; ++n) {
      eventstore::new_event e;
      e.type = "CrashTested";
      e.data = "{\"run\":\"" + run + "\",\"n\":" + std::to_string(n) + ",\"pad\":\"" + std::string(200, 'p') + "\"}";
      std::vector<eventstore::new_event> events;
      events.push_back(std::move(e));
      auto r = store.append("order-c-" + std::to_string(n % 16), eventstore::expected_version::any(), std::move(events));
      if (!r) {
        std::fprintf(stderr, "append failed: %s\n", r.error().message.c_str());
        std::_Exit(1);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  for (;;) {
    char line[64];
    const int len = std::snprintf(line, sizeof line, "DELIVERED %llu\n",
                                  static_cast<unsigned long long>(relay.stats().last_delivered_position));
    if (::write(1, line, static_cast<std::size_t>(len)) != len) std::_Exit(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}
