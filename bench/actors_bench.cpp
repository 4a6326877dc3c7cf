// agora-actors-bench: the write model end to end (facade -> registry ->
// aggregate actor -> event store, sync on) on a real store.
//
//   agora-actors-bench --dir DIR [--seconds 5] [--aggregates 10000]
//                      [--in-flight 512] [--idle-actors 100000]
//
// Reports: commands/s and latency over many aggregates and over one hot
// aggregate; activation time from a snapshot vs from 1,000 events; RSS per
// resident idle inventory-item actor.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "actors/command_service.hpp"
#include "eventstore/event_store.hpp"

namespace es = agora::eventstore;
namespace act = agora::actors;
namespace inv = agora::domain::inventory;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct args {
  std::string dir;
  double seconds = 5;
  int aggregates = 10000;
  int in_flight = 512;
  int idle_actors = 100000;
};

[[noreturn]] void usage(const char* m) {
  std::fprintf(stderr, "agora-actors-bench: %s\nusage: agora-actors-bench --dir DIR [--seconds 5] "
                       "[--aggregates 10000] [--in-flight 512] [--idle-actors 100000]\n", m);
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
      else if (k == "--aggregates") a.aggregates = std::stoi(v);
      else if (k == "--in-flight") a.in_flight = std::stoi(v);
      else if (k == "--idle-actors") a.idle_actors = std::stoi(v);
      else usage(("unknown option " + k).c_str());
    } catch (const std::exception&) {
      usage(("bad value for " + k).c_str());
    }
  }
  if (a.dir.empty()) usage("--dir is required");
  return a;
}

long rss_kib() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

/// Bytes the allocator has handed out (size classes included) in small
/// allocations (up to 14 KiB: objects) and in large ones (tables, caches,
/// buffers), when it is jemalloc (AGORA_ALLOCATOR=jemalloc); -1 otherwise.
/// Apart from RSS it shows what the actors hold, without the pages the
/// allocator keeps or the kernel maps.
struct allocated {
  long long small = -1;
  long long large = -1;
};
allocated allocated_bytes() {
  using mallctl_fn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
  static const auto mallctl = reinterpret_cast<mallctl_fn>(dlsym(RTLD_DEFAULT, "mallctl"));
  allocated out;
  if (!mallctl) return out;
  std::uint64_t epoch = 1;
  std::size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the cached statistics
  std::size_t small = 0, large = 0;
  len = sizeof(std::size_t);
  // 4096 is MALLCTL_ARENAS_ALL: every arena merged.
  if (mallctl("stats.arenas.4096.small.allocated", &small, &len, nullptr, 0) != 0) return out;
  len = sizeof(std::size_t);
  if (mallctl("stats.arenas.4096.large.allocated", &large, &len, nullptr, 0) != 0) return out;
  out.small = static_cast<long long>(small);
  out.large = static_cast<long long>(large);
  return out;
}

template <class Cmd>
act::command_result send_sync(act::command_service& svc, const std::string& id, Cmd cmd) {
  std::promise<act::command_result> p;
  auto f = p.get_future();
  svc.send(id, std::move(cmd), act::command_context{}, [&p](act::command_result r) { p.set_value(std::move(r)); });
  return f.get();
}

// Closed loop: `in_flight` commands outstanding, each answer issues the next
// (from the answering CAF worker: non-blocking), for `seconds`.
struct load_result {
  double seconds = 0;
  std::uint64_t done = 0, errors = 0;
  double p50 = 0, p99 = 0, p999 = 0;
};

load_result run_load(act::command_service& svc, const std::vector<std::string>& ids, int in_flight, double seconds) {
  struct slot_state {
    steady::time_point started;
  };
  std::vector<slot_state> slots(static_cast<std::size_t>(in_flight));
  std::vector<std::uint32_t> lat(1u << 23);
  std::atomic<std::uint64_t> done{0}, errors{0};
  std::atomic<int> outstanding{0};
  std::atomic<bool> stop{false};
  const auto t0 = steady::now();
  std::function<void(int, std::uint64_t)> issue = [&](int slot, std::uint64_t n) {
    if (stop.load(std::memory_order_relaxed)) {
      outstanding.fetch_sub(1);
      return;
    }
    const auto& id = ids[(n * 2654435761u + static_cast<std::uint64_t>(slot)) % ids.size()];
    slots[static_cast<std::size_t>(slot)].started = steady::now();
    svc.send(id, inv::command{inv::receive_stock{1, 0}}, act::command_context{},
             [&, slot, n](act::command_result r) {
               const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                   steady::now() - slots[static_cast<std::size_t>(slot)].started).count();
               if (!r) errors.fetch_add(1);
               const auto i = done.fetch_add(1);
               if (i < lat.size()) lat[i] = static_cast<std::uint32_t>(us);
               issue(slot, n + static_cast<std::uint64_t>(ids.size() > 1 ? 7919 : 1));
             });
  };
  for (int s = 0; s < in_flight; ++s) {
    outstanding.fetch_add(1);
    issue(s, static_cast<std::uint64_t>(s));
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop.store(true);
  while (outstanding.load() > 0) std::this_thread::sleep_for(1ms);
  load_result r;
  r.seconds = std::chrono::duration<double>(steady::now() - t0).count();
  r.done = done.load();
  r.errors = errors.load();
  const std::size_t n = std::min<std::size_t>(r.done, lat.size());
  std::sort(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(n));
  auto pct = [&](double p) { return n ? static_cast<double>(lat[std::min(n - 1, static_cast<std::size_t>(p * static_cast<double>(n)))]) : 0.0; };
  r.p50 = pct(0.5);
  r.p99 = pct(0.99);
  r.p999 = pct(0.999);
  return r;
}

// Writes `n` inventory streams of `events_each` events straight into the store
// (setup, not measurement): ItemRegistered then StockReceived events.
void seed_items(es::event_store& store, const std::string& prefix, int n, int events_each) {
  std::atomic<int> pending{0};
  for (int i = 0; i < n; ++i) {
    const std::string sku = prefix + std::to_string(i);
    std::vector<es::new_event> evs;
    for (int k = 0; k < events_each; ++k) {
      auto enc = k == 0 ? inv::encode(inv::event{inv::item_registered{sku, 100, 5, 1}})
                        : inv::encode(inv::event{inv::stock_received{1, 1}});
      es::new_event e;
      e.type = enc.type;
      e.schema_version = enc.schema_version;
      e.data = std::move(enc.data);
      evs.push_back(std::move(e));
    }
    while (pending.load() > 2000) std::this_thread::sleep_for(100us);
    pending.fetch_add(1);
    store.async_append("inventory-" + sku, es::expected_version::no_stream(), std::move(evs),
                       [&pending](es::store_result<es::append_result> r) {
                         if (!r) std::fprintf(stderr, "seed: %s\n", r.error().message.c_str());
                         pending.fetch_sub(1);
                       });
  }
  while (pending.load() > 0) std::this_thread::sleep_for(1ms);
}

std::unique_ptr<act::command_service> start(es::event_store& store, act::actor_options o) {
  auto s = act::command_service::start(store, o, agora::system_clock::instance(), nullptr);
  if (!s) {
    std::fprintf(stderr, "start: %s\n", s.error().c_str());
    std::exit(1);
  }
  return std::move(*s);
}

double activate_all_ms(act::command_service& svc, const std::string& prefix, int n) {
  // Sequential: the latency of one activation, not a throughput.
  const auto t0 = steady::now();
  for (int i = 0; i < n; ++i) {
    std::promise<void> p;
    svc.get_state(act::aggregate_kind::inventory, prefix + std::to_string(i),
                  [&p](agora::expected<std::string, act::command_error>) { p.set_value(); });
    p.get_future().wait();
  }
  return std::chrono::duration<double, std::milli>(steady::now() - t0).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  const args a = parse(argc, argv);
  std::filesystem::remove_all(a.dir);
  es::store_options so;
  so.path = a.dir;
  auto opened = es::event_store::open(so);
  if (!opened) return 1;
  auto store = std::move(*opened);
  act::actor_options ao;
  ao.idle_timeout = std::chrono::hours(1);  // nothing passivates during the run
  ao.snapshot_every = 100;

  // 1. Throughput and latency.
  seed_items(*store, "T", a.aggregates, 1);
  {
    auto svc = start(*store, ao);
    std::vector<std::string> many;
    for (int i = 0; i < a.aggregates; ++i) many.push_back("T" + std::to_string(i));
    // Warm: activate everything first, so the run measures commands.
    run_load(*svc, many, a.in_flight, 1.0);
    std::printf("# commands through the actors into the store (sync on, %d in flight)\n", a.in_flight);
    std::printf("%-26s %12s %10s %10s %10s %8s\n", "target", "commands/s", "p50_us", "p99_us", "p999_us", "errors");
    auto r = run_load(*svc, many, a.in_flight, a.seconds);
    std::printf("%-26s %12.0f %10.0f %10.0f %10.0f %8llu\n", (std::to_string(a.aggregates) + " aggregates").c_str(),
                static_cast<double>(r.done) / r.seconds, r.p50, r.p99, r.p999, static_cast<unsigned long long>(r.errors));
    std::vector<std::string> hot = {"T0"};
    auto h = run_load(*svc, hot, 64, a.seconds);
    std::printf("%-26s %12.0f %10.0f %10.0f %10.0f %8llu\n", "1 hot aggregate (64 in fl.)",
                static_cast<double>(h.done) / h.seconds, h.p50, h.p99, h.p999, static_cast<unsigned long long>(h.errors));
    std::fflush(stdout);
  }

  // 2. Activation: 1,000 events without a snapshot vs with one.
  {
    constexpr int kItems = 200;
    seed_items(*store, "A", kItems, 1000);
    act::actor_options big = ao;
    big.snapshot_every = 1'000'000;  // no snapshot during activation
    double replay_ms, snap_ms;
    {
      auto svc = start(*store, big);
      replay_ms = activate_all_ms(*svc, "A", kItems);
      if (svc->stats().events_replayed < static_cast<std::uint64_t>(kItems) * 1000) std::fprintf(stderr, "replay short\n");
    }
    {
      auto svc = start(*store, ao);  // snapshot_every 100: activation writes one
      activate_all_ms(*svc, "A", kItems);
      std::this_thread::sleep_for(500ms);  // snapshots are written off-thread
    }
    {
      auto svc = start(*store, ao);
      snap_ms = activate_all_ms(*svc, "A", kItems);
      if (svc->stats().snapshot_loads != static_cast<std::uint64_t>(kItems)) {
        std::fprintf(stderr, "expected %d snapshot loads, got %llu\n", kItems,
                     static_cast<unsigned long long>(svc->stats().snapshot_loads));
      }
    }
    std::printf("# activation of an inventory item (sequential, %d items)\n", kItems);
    std::printf("from 1,000 events: %.3f ms   from a snapshot: %.3f ms\n", replay_ms, snap_ms);
  }

  // 3. RSS per resident idle inventory-item actor.
  if (a.idle_actors > 0) {
    seed_items(*store, "I", a.idle_actors, 1);
    // Room for all of them: at the default limit, a registry shard holding a
    // little more than its half sheds the excess and the count never arrives.
    act::actor_options idle = ao;
    idle.max_resident = static_cast<std::size_t>(a.idle_actors) * 2;
    auto svc = start(*store, idle);
    std::this_thread::sleep_for(200ms);
    // Activated in two halves: the whole run's growth includes fixed costs
    // that fill once (RocksDB's block cache, the io pool's buffers), the
    // second half's growth is what one more resident actor costs.
    auto activate = [&](int from, int to) -> bool {
      for (int i = from; i < to; ++i) svc->wake("inventory-I" + std::to_string(i));
      const auto give_up = std::chrono::steady_clock::now() + 120s;
      while (svc->stats().live_aggregates < static_cast<std::uint64_t>(to)) {
        if (std::chrono::steady_clock::now() > give_up) {
          std::fprintf(stderr, "only %llu of %d idle actors became live\n",
                       static_cast<unsigned long long>(svc->stats().live_aggregates), to);
          return false;
        }
        std::this_thread::sleep_for(10ms);
      }
      std::this_thread::sleep_for(500ms);  // let activations finish (io pool, loaded messages)
      return true;
    };
    const int half = a.idle_actors / 2;
    const long before = rss_kib();
    const allocated allocated_before = allocated_bytes();
    if (!activate(0, half)) return 1;
    const long middle = rss_kib();
    const allocated allocated_middle = allocated_bytes();
    if (!activate(half, a.idle_actors)) return 1;
    const long after = rss_kib();
    const allocated allocated_after = allocated_bytes();
    std::printf("# resident idle inventory-item actors: %d\n", a.idle_actors);
    std::printf("RSS %ld KiB -> %ld KiB: %.0f bytes per actor (registry entry included)\n", before, after,
                static_cast<double>(after - before) * 1024.0 / a.idle_actors);
    std::printf("second half: RSS %ld KiB -> %ld KiB: %.0f bytes per actor\n", middle, after,
                static_cast<double>(after - middle) * 1024.0 / (a.idle_actors - half));
    if (allocated_before.small >= 0 && allocated_after.small >= 0) {
      std::printf("jemalloc: %.0f bytes per actor in small allocations, %.0f in large ones "
                  "(second half: %.0f and %.0f)\n",
                  static_cast<double>(allocated_after.small - allocated_before.small) / a.idle_actors,
                  static_cast<double>(allocated_after.large - allocated_before.large) / a.idle_actors,
                  static_cast<double>(allocated_after.small - allocated_middle.small) / (a.idle_actors - half),
                  static_cast<double>(allocated_after.large - allocated_middle.large) / (a.idle_actors - half));
    }
  }
  return 0;
}
