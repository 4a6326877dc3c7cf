// agora-relay-bench: outbox relay throughput to a Kafka broker.
//
// Fills a fresh store with N events whose published envelope is --size bytes,
// then times one outbox relay publishing the whole log from checkpoint 0 until
// every event is confirmed (acks=all, idempotent producer). Also writes the
// input of the limit to compare against, `kcat -P -l` (bench/run_relay_bench.sh
// runs both in one run):
//   --kcat-file PATH        N values of the same size, one per line;
//   PATH.keyed              the same N values, each after its relay key and a
//                           tab (for kcat -K '\t'): the same messages as the
//                           relay's but for the header values, which the
//                           script gives kcat with -H at the same sizes.
//
// usage: agora-relay-bench --bootstrap HOST:PORT,... [--events N] [--size BYTES]
//                          [--dir DIR] [--kcat-file PATH] [--linger MS] [--scan-batch N]
//                          [--keep 1 (keep the store; reuse one that has the events)]
// Output: "relay_events_per_sec <rate>" and a human line.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bus/outbox_relay.hpp"
#include "eventstore/event_json.hpp"
#include "eventstore/event_store.hpp"

using namespace agora;

int main(int argc, char** argv) {
  std::string bootstrap, dir, kcat_file;
  std::size_t events = 200000, size = 300;
  std::int64_t linger = 5;
  bool keep = false;
  std::size_t scan_batch = bus::relay_options{}.scan_batch;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--bootstrap") bootstrap = v;
    else if (k == "--events") events = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--size") size = std::strtoull(v.c_str(), nullptr, 10);
    else if (k == "--dir") dir = v;
    else if (k == "--kcat-file") kcat_file = v;
    else if (k == "--linger") linger = std::strtoll(v.c_str(), nullptr, 10);
    else if (k == "--keep") keep = v == "1";
    else if (k == "--scan-batch") scan_batch = std::strtoull(v.c_str(), nullptr, 10);
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (bootstrap.empty() || events == 0) {
    std::fprintf(stderr, "usage: %s --bootstrap HOST:PORT [--events N] [--size BYTES] [--dir DIR] [--kcat-file PATH]\n",
                 argv[0]);
    return 2;
  }
  if (dir.empty()) dir = (std::filesystem::temp_directory_path() / "agora-relay-bench").string();
  std::error_code ec;
  if (!keep) std::filesystem::remove_all(dir, ec);

  eventstore::store_options so;
  so.path = dir;
  so.sync = false;
  auto opened = eventstore::event_store::open(so);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;

  // Pad the data so the envelope the relay publishes is `size` bytes.
  eventstore::event_view probe;
  probe.id = uuid::random_v4();
  probe.stream = "order-b-0000";
  probe.version = 1000;
  probe.position = 1000000;
  probe.type = "BenchEvent";
  probe.timestamp = 1700000000000000;
  const std::string empty_data = R"({"p":""})";
  probe.data = empty_data;
  const std::size_t overhead = eventstore::event_to_json(probe).size();
  const std::size_t pad = size > overhead ? size - overhead : 0;
  const std::string data = R"({"p":")" + std::string(pad, 'x') + R"("})";

  const auto fill_start = std::chrono::steady_clock::now();
  constexpr std::size_t kStreams = 1000, kPerAppend = 100;
  for (std::size_t done = store.last_position() >= events ? events : 0, s = 0; done < events; ++s) {
    std::vector<eventstore::new_event> batch;
    for (std::size_t i = 0; i < kPerAppend && done < events; ++i, ++done) {
      eventstore::new_event e;
      e.type = "BenchEvent";
      e.data = data;
      batch.push_back(std::move(e));
    }
    char stream[32];
    std::snprintf(stream, sizeof stream, "order-b-%04zu", s % kStreams);  // the kcat keyed file repeats these
    auto r = store.append(stream, eventstore::expected_version::any(), std::move(batch));
    if (!r) {
      std::fprintf(stderr, "append: %s\n", r.error().message.c_str());
      return 1;
    }
  }
  const double fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();
  const auto last = store.last_position();

  if (!kcat_file.empty()) {
    std::ofstream f(kcat_file, std::ios::binary);
    const std::string value = std::string(size, 'k');
    for (std::size_t i = 0; i < events; ++i) f << value << '\n';
    std::ofstream keyed(kcat_file + ".keyed", std::ios::binary);
    char stream[32];
    for (std::size_t i = 0; i < events; ++i) {
      std::snprintf(stream, sizeof stream, "order-b-%04zu", (i / kPerAppend) % kStreams);
      keyed << stream << '\t' << value << '\n';
    }
    if (!f || !keyed) {
      std::fprintf(stderr, "writing %s failed\n", kcat_file.c_str());
      return 1;
    }
  }

  bus::relay_options o;
  o.mode = bus::broker_mode::external;
  o.bootstrap_servers = bootstrap;
  o.linger_ms = linger;
  o.checkpoint_name = "outbox.bench";
  o.scan_batch = scan_batch;
  // Publish the whole log, and let RocksDB's flush of what the fill wrote end
  // first: on 2 cores it would otherwise take its CPU from the relay.
  if (auto r = store.put_checkpoint(o.checkpoint_name, 0); !r) {
    std::fprintf(stderr, "checkpoint: %s\n", r.error().message.c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  bus::outbox_relay relay(store, o);
  const auto t0 = std::chrono::steady_clock::now();
  if (auto r = relay.start(); !r) {
    std::fprintf(stderr, "relay: %s\n", r.error().c_str());
    return 1;
  }
  if (!relay.wait_for_delivered(last, 600000)) {
    std::fprintf(stderr, "relay did not finish: %s\n", relay.stats().last_error.c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto st = relay.stats();
  relay.stop();
  std::printf("store filled with %llu events of %zu bytes in %.2f s\n", static_cast<unsigned long long>(last), size,
              fill_s);
  std::printf("relay: %llu events confirmed in %.3f s = %.0f events/s (%.1f MB/s of values), errors %llu, retries %llu\n",
              static_cast<unsigned long long>(last), secs, static_cast<double>(last) / secs,
              static_cast<double>(last) * static_cast<double>(size) / secs / 1e6,
              static_cast<unsigned long long>(st.errors), static_cast<unsigned long long>(st.retries));
  std::printf("relay_events_per_sec %.0f\n", static_cast<double>(last) / secs);
  if (!keep) std::filesystem::remove_all(dir, ec);
  return 0;
}
