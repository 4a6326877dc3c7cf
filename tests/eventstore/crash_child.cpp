// The process the crash test kills. It appends to the store from several
// threads, and writes one line to stdout for each append the store has
// acknowledged:
//
//   ACK <append-id> <stream> <new-version> <first-position> <last-position> <events>
//
// Each event's data is {"a":"<append-id>","i":<index>,"n":<events>} so the
// parent can tell whole appends from partial ones after the kill.
// Usage: eventstore_crash_child <store-path> <run-id> <seed>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_store.hpp"

using namespace agora::eventstore;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <store-path> <run-id> <seed>\n", argv[0]);
    return 2;
  }
  store_options o;
  o.path = argv[1];
  o.sync = true;
  auto opened = event_store::open(o);
  if (!opened) {
    std::fprintf(stderr, "open failed: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;
  const std::string run = argv[2];
  const unsigned seed = static_cast<unsigned>(std::strtoul(argv[3], nullptr, 10));

  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(seed * 31 + static_cast<unsigned>(t));
      for (std::uint64_t n = 0;; ++n) {
        const std::string append_id = run + "-" + std::to_string(t) + "-" + std::to_string(n);
        const std::string stream = "crash-" + std::to_string(rng() % 40);
        const int k = 1 + static_cast<int>(rng() % 5);
        std::vector<new_event> events;
        for (int i = 0; i < k; ++i) {
          new_event e;
          e.type = "Appended";
          e.data = "{\"a\":\"" + append_id + "\",\"i\":" + std::to_string(i) + ",\"n\":" + std::to_string(k) +
                   ",\"pad\":\"" + std::string(200, 'p') + "\"}";
          events.push_back(std::move(e));
        }
        auto r = store.append(stream, expected_version::any(), std::move(events));
        if (!r) {
          std::fprintf(stderr, "append failed: %s\n", r.error().message.c_str());
          std::_Exit(1);
        }
        char line[256];
        const int len = std::snprintf(line, sizeof line, "ACK %s %s %llu %llu %llu %d\n", append_id.c_str(),
                                      stream.c_str(), static_cast<unsigned long long>(r->version),
                                      static_cast<unsigned long long>(r->first_position),
                                      static_cast<unsigned long long>(r->last_position), k);
        // One write() per line: lines under PIPE_BUF never interleave.
        if (::write(1, line, static_cast<std::size_t>(len)) != len) std::_Exit(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  return 0;
}
