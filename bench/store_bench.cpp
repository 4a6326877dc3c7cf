// agora-store-bench: throughput and latency of the event store's durable
// appends, and replay speed of the whole log.
//
//   agora-store-bench --dir DIR [--appenders 1,16,256] [--seconds 5]
//                     [--event-bytes 300] [--events-per-append 1]
//                     [--replay-events 1000000] [--sync 1] [--drivers 2]
//
// Appenders are asynchronous and closed-loop, as aggregate actors are: each has
// one append in flight on its own stream (with its exact expected version) and
// issues the next when the store answers. `--drivers` threads issue appends
// (like CAF's scheduler workers); answers come back through per-driver queues.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "eventstore/event_store.hpp"

namespace es = agora::eventstore;
using steady = std::chrono::steady_clock;

namespace {

struct args {
  std::string dir;
  std::vector<int> appenders = {1, 16, 256};
  double seconds = 5;
  std::size_t event_bytes = 300;
  std::size_t events_per_append = 1;
  std::size_t replay_events = 1'000'000;
  bool sync = true;
  int drivers = 2;
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr,
               "agora-store-bench: %s\nusage: agora-store-bench --dir DIR [--appenders 1,16,256] "
               "[--seconds 5] [--event-bytes 300] [--events-per-append 1] [--replay-events 1000000] "
               "[--sync 1] [--drivers 2]\n",
               msg);
  std::exit(2);
}

args parse(int argc, char** argv) {
  args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + k).c_str());
    std::string v = argv[++i];
    try {
      if (k == "--dir") a.dir = v;
      else if (k == "--seconds") a.seconds = std::stod(v);
      else if (k == "--event-bytes") a.event_bytes = std::stoul(v);
      else if (k == "--events-per-append") a.events_per_append = std::stoul(v);
      else if (k == "--replay-events") a.replay_events = std::stoul(v);
      else if (k == "--sync") a.sync = v != "0";
      else if (k == "--drivers") a.drivers = std::stoi(v);
      else if (k == "--appenders") {
        a.appenders.clear();
        std::stringstream ss(v);
        for (std::string part; std::getline(ss, part, ',');) a.appenders.push_back(std::stoi(part));
      } else usage(("unknown option " + k).c_str());
    } catch (const std::exception&) {
      usage(("bad value for " + k).c_str());
    }
  }
  if (a.dir.empty()) usage("--dir is required");
  if (a.event_bytes < 64 || a.drivers < 1 || a.events_per_append < 1) usage("out-of-range value");
  return a;
}

// A JSON object of exactly `bytes` bytes, shaped like a domain event.
std::string event_data(std::size_t bytes, std::uint64_t n) {
  std::string s = "{\"sku\":\"SKU-" + std::to_string(n % 100000) + "\",\"quantity\":" + std::to_string(n % 7 + 1) +
                  ",\"order_id\":\"" + agora::uuid::random_v4().to_string() + "\",\"note\":\"";
  const std::size_t tail = 2;  // "}
  if (s.size() + tail < bytes) s.append(bytes - s.size() - tail, 'x');
  s += "\"}";
  return s;
}

struct phase_result {
  int appenders = 0;
  double seconds = 0;
  std::uint64_t appends = 0;
  std::uint64_t events = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  double mean_batch = 0;
  double write_us_per_batch = 0;
};

phase_result run_appends(es::event_store& store, const args& a, int appenders, int phase) {
  struct driver {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<int> ready;
  };
  std::vector<driver> drivers(static_cast<std::size_t>(a.drivers));
  std::vector<es::stream_version> versions(static_cast<std::size_t>(appenders), 0);
  std::vector<steady::time_point> started(static_cast<std::size_t>(appenders));
  std::vector<std::string> streams;
  for (int i = 0; i < appenders; ++i) streams.push_back("bench-p" + std::to_string(phase) + "-" + std::to_string(i));
  // Pre-made payloads so the measurement is the store, not string building.
  std::vector<std::string> payloads;
  for (int i = 0; i < 64; ++i) payloads.push_back(event_data(a.event_bytes, static_cast<std::uint64_t>(i)));

  std::vector<std::uint32_t> latencies(1u << 24);
  std::atomic<std::size_t> done_count{0};
  std::atomic<bool> stop{false};
  std::atomic<int> in_flight{0};
  std::atomic<bool> failed{false};

  for (int i = 0; i < appenders; ++i) drivers[static_cast<std::size_t>(i % a.drivers)].ready.push_back(i);
  const auto before = store.stats();
  const auto t0 = steady::now();
  const auto t_end = t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(a.seconds));

  std::vector<std::thread> threads;
  for (int d = 0; d < a.drivers; ++d) {
    threads.emplace_back([&, d] {
      auto& me = drivers[static_cast<std::size_t>(d)];
      std::uint64_t n = 0;
      for (;;) {
        int id;
        {
          std::unique_lock<std::mutex> lk(me.mu);
          me.cv.wait_for(lk, std::chrono::milliseconds(50), [&] { return !me.ready.empty() || stop.load(); });
          if (stop.load()) return;
          if (me.ready.empty()) continue;
          id = me.ready.front();
          me.ready.pop_front();
        }
        if (steady::now() >= t_end) {
          stop.store(true);
          for (auto& other : drivers) other.cv.notify_all();
          return;
        }
        std::vector<es::new_event> evs(a.events_per_append);
        for (auto& e : evs) {
          e.type = "StockReserved";
          e.data = payloads[n++ % payloads.size()];
        }
        const auto uid = static_cast<std::size_t>(id);
        started[uid] = steady::now();
        in_flight.fetch_add(1);
        store.async_append(streams[uid], es::expected_version::exact(versions[uid]), std::move(evs),
                           [&, id, d](es::store_result<es::append_result> r) {
                             const auto u = static_cast<std::size_t>(id);
                             if (!r) {
                               std::fprintf(stderr, "append failed: %s\n", r.error().message.c_str());
                               failed.store(true);
                               stop.store(true);
                             } else {
                               versions[u] = r->version;
                               const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                                   steady::now() - started[u]).count();
                               const std::size_t slot = done_count.fetch_add(1);
                               if (slot < latencies.size()) latencies[slot] = static_cast<std::uint32_t>(us);
                             }
                             auto& owner = drivers[static_cast<std::size_t>(d)];
                             {
                               std::lock_guard<std::mutex> lk(owner.mu);
                               owner.ready.push_back(id);
                             }
                             owner.cv.notify_one();
                             in_flight.fetch_sub(1);
                           });
      }
    });
  }
  for (auto& t : threads) t.join();
  while (in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double secs = std::chrono::duration<double>(steady::now() - t0).count();
  if (failed.load()) std::exit(1);

  const auto after = store.stats();
  phase_result r;
  r.appenders = appenders;
  r.seconds = secs;
  r.appends = after.appends - before.appends;
  r.events = after.events - before.events;
  r.write_us_per_batch = static_cast<double>(after.write_micros - before.write_micros) /
                         static_cast<double>(std::max<std::uint64_t>(1, after.batches - before.batches));
  r.mean_batch = static_cast<double>(r.appends) / static_cast<double>(std::max<std::uint64_t>(1, after.batches - before.batches));
  std::size_t n = std::min(done_count.load(), latencies.size());
  std::sort(latencies.begin(), latencies.begin() + static_cast<std::ptrdiff_t>(n));
  auto pct = [&](double p) { return n ? static_cast<double>(latencies[std::min(n - 1, static_cast<std::size_t>(p * static_cast<double>(n)))]) : 0.0; };
  r.p50_us = pct(0.50);
  r.p99_us = pct(0.99);
  r.p999_us = pct(0.999);
  return r;
}

// Tops the log up to `target` events (unsynced, large appends: this is setup,
// not measurement).
void populate(es::event_store& store, const args& a, std::size_t target) {
  std::uint64_t n = 0;
  std::atomic<int> in_flight{0};
  std::string payload = event_data(a.event_bytes, 1);
  while (store.last_position() < target) {
    const std::size_t need = target - store.last_position();
    const std::size_t k = std::min<std::size_t>(need, 100);
    std::vector<es::new_event> evs(k);
    for (auto& e : evs) {
      e.type = "StockReceived";
      e.data = payload;
    }
    while (in_flight.load() > 64) std::this_thread::yield();
    in_flight.fetch_add(1);
    store.async_append("fill-" + std::to_string(n++ % 1000), es::expected_version::any(), std::move(evs),
                       [&](es::store_result<es::append_result> r) {
                         if (!r) std::fprintf(stderr, "populate: %s\n", r.error().message.c_str());
                         in_flight.fetch_sub(1);
                       });
    if (in_flight.load() > 64 || need <= 100) {
      while (in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const args a = parse(argc, argv);
  std::filesystem::remove_all(a.dir);
  es::store_options o;
  o.path = a.dir;
  o.sync = a.sync;
  auto opened = es::event_store::open(o);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto store = std::move(*opened);

  std::printf("# durable appends (sync=%d, %zu-byte events, %zu per append, %d driver threads, %.0fs per phase)\n",
              a.sync ? 1 : 0, a.event_bytes, a.events_per_append, a.drivers, a.seconds);
  std::printf("%-10s %12s %12s %10s %10s %10s %10s %10s\n", "appenders", "appends/s", "events/s", "p50_us", "p99_us",
              "p999_us", "batch", "write_us");
  int phase = 0;
  for (int n : a.appenders) {
    auto r = run_appends(*store, a, n, phase++);
    std::printf("%-10d %12.0f %12.0f %10.0f %10.0f %10.0f %10.1f %10.0f\n", r.appenders,
                static_cast<double>(r.appends) / r.seconds, static_cast<double>(r.events) / r.seconds, r.p50_us,
                r.p99_us, r.p999_us, r.mean_batch, r.write_us_per_batch);
    std::fflush(stdout);
  }

  if (a.replay_events > 0) {
    // Unsynced setup writes, then reopen so replay starts with a cold block cache.
    store.reset();
    o.sync = false;
    auto again = es::event_store::open(o);
    if (!again) return 1;
    store = std::move(*again);
    populate(*store, a, a.replay_events);
    store.reset();
    o.sync = a.sync;
    again = es::event_store::open(o);
    if (!again) return 1;
    store = std::move(*again);

    const std::uint64_t total = store->last_position();
    std::printf("# replay of the whole log: %llu events\n", static_cast<unsigned long long>(total));
    std::printf("%-34s %12s %10s\n", "mode", "events/s", "seconds");
    for (int round = 0; round < 2; ++round) {
      // Full decode into owning events, in batches as a projection reads.
      std::uint64_t count = 0, bytes = 0;
      auto t0 = steady::now();
      es::recorded_event sink;
      auto scanned = store->scan_log(1, ~std::size_t{0}, [&](const es::event_view& v) {
        sink = v.to_owned();
        bytes += sink.data.size();
        ++count;
        return true;
      });
      double secs = std::chrono::duration<double>(steady::now() - t0).count();
      if (!scanned || count != total) {
        std::fprintf(stderr, "replay read %llu of %llu\n", static_cast<unsigned long long>(count),
                     static_cast<unsigned long long>(total));
        return 1;
      }
      std::printf("%-34s %12.0f %10.2f\n", round == 0 ? "decoded to recorded_event (cold)" : "decoded to recorded_event (warm)",
                  static_cast<double>(count) / secs, secs);

      count = 0;
      t0 = steady::now();
      auto viewed = store->scan_log(1, ~std::size_t{0}, [&](const es::event_view& v) {
        bytes += v.data.size();
        ++count;
        return true;
      });
      secs = std::chrono::duration<double>(steady::now() - t0).count();
      if (!viewed) return 1;
      std::printf("%-34s %12.0f %10.2f\n", "decoded to event_view (no copies)", static_cast<double>(count) / secs, secs);

      count = 0;
      t0 = steady::now();
      for (es::log_position p = 1; p <= total;) {
        auto batch = store->read_log(p, 1000);
        if (!batch || batch->empty()) return 1;
        count += batch->size();
        p = batch->back().position + 1;
      }
      secs = std::chrono::duration<double>(steady::now() - t0).count();
      std::printf("%-34s %12.0f %10.2f\n", "read_log batches of 1000", static_cast<double>(count) / secs, secs);
    }
  }
  return 0;
}
