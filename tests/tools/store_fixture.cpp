// Builds real event stores for the agoractl tests and benchmarks, through the
// event_store API with events encoded by the domain's own codecs (so verify's
// decode check and stream show's fold see what agorad writes).
//
//   agoractl_store_fixture DIR [--products N] [--price-changes K] [--customers C]
//                              [--first-id I] [--bad-event] [--notification] [--snapshots] [--bad-snapshot]
//                              [--hold FILE]
//
// N products (ids from I on, default 0), each created then repriced K times (N * (K + 1) events), C
// customers (with a fake password hash, for the redaction checks), consumer
// checkpoints "outbox" and "projections", one wake-up. --bad-event appends one
// event no domain codec decodes; --notification one admin broadcast (an
// event-only stream). --snapshots writes each product's snapshot
// as its actor would (the encoded state at its last version); --bad-snapshot
// one that claims a price its events never set. --hold FILE: after writing, create FILE and
// keep the store open (as agorad would), appending one price change every
// 50 ms, until FILE is deleted (or 120 s pass).

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "actors/domain/customer.hpp"
#include "actors/domain/notification.hpp"
#include "actors/domain/product.hpp"
#include "eventstore/event_store.hpp"

namespace es = agora::eventstore;
namespace d = agora::domain;

namespace {

es::new_event to_new(const d::encoded_event& e, agora::timestamp_us at) {
  es::new_event n;
  n.type = e.type;
  n.schema_version = e.schema_version;
  n.data = e.data;
  n.correlation_id = "fixture";
  n.actor = "fixture";
  n.timestamp = at;
  return n;
}

std::uint64_t g_first_id = 0;

std::string product_id(std::uint64_t i) {
  i += g_first_id;
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-7000-8000-%012llu", static_cast<unsigned long long>(i));
  return buf;
}

int usage() {
  std::fprintf(stderr,
               "usage: agoractl_store_fixture DIR [--products N] [--price-changes K] [--customers C] "
               "[--first-id I] [--bad-event] [--notification] [--snapshots] [--bad-snapshot] [--hold FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string dir = argv[1], hold;
  std::uint64_t products = 10, changes = 2, customers = 1, first_id = 0;
  bool bad_event = false, snapshots = false, bad_snapshot = false, notification = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--products" || a == "--price-changes" || a == "--customers" || a == "--first-id") {
      const char* v = next();
      if (v == nullptr) return usage();
      const auto n = std::strtoull(v, nullptr, 10);
      (a == "--products" ? products : a == "--price-changes" ? changes : a == "--customers" ? customers : first_id) = n;
    } else if (a == "--bad-event") {
      bad_event = true;
    } else if (a == "--notification") {
      notification = true;
    } else if (a == "--snapshots") {
      snapshots = true;
    } else if (a == "--bad-snapshot") {
      bad_snapshot = true;
    } else if (a == "--hold") {
      const char* v = next();
      if (v == nullptr) return usage();
      hold = v;
    } else {
      return usage();
    }
  }
  g_first_id = first_id;
  es::store_options o;
  o.path = dir;
  o.sync = false;  // one flush at the end
  auto opened = es::event_store::open(o);
  if (!opened) {
    std::fprintf(stderr, "fixture: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = **opened;

  // Appends in flight, bounded below the store's queue limit.
  std::mutex mu;
  std::condition_variable cv;
  std::size_t in_flight = 0;
  std::string error;
  auto append = [&](std::string stream, es::expected_version ev, std::vector<es::new_event> events) {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return in_flight < 4096; });
    ++in_flight;
    lk.unlock();
    store.async_append(std::move(stream), ev, std::move(events), [&](es::store_result<es::append_result> r) {
      std::lock_guard<std::mutex> g(mu);
      if (!r && error.empty()) error = r.error().message;
      --in_flight;
      cv.notify_all();
    });
  };
  auto drain = [&] {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return in_flight == 0; });
  };

  const agora::timestamp_us t0 = 1'790'000'000'000'000;  // 2026-09
  agora::timestamp_us t = t0;
  // Products are created and repriced round by round, so streams interleave in
  // the log as they do on a live node.
  for (std::uint64_t i = 0; i < products; ++i) {
    d::product::product_created c{product_id(i), "SKU-" + std::to_string(i), "Product " + std::to_string(i),
                                  "A product", d::money{1000 + static_cast<std::int64_t>(i), "EUR"}, "tools", {}, t};
    append("product-" + product_id(i), es::expected_version::no_stream(),
           {to_new(d::product::encode(d::product::event{c}), t)});
    t += 10;
  }
  for (std::uint64_t k = 1; k <= changes; ++k) {
    for (std::uint64_t i = 0; i < products; ++i) {
      const std::int64_t base = 1000 + static_cast<std::int64_t>(i);
      d::product::product_price_changed p{d::money{base + static_cast<std::int64_t>(k) - 1, "EUR"},
                                          d::money{base + static_cast<std::int64_t>(k), "EUR"}, t};
      append("product-" + product_id(i), es::expected_version::exact(k),
             {to_new(d::product::encode(d::product::event{p}), t)});
      t += 10;
    }
  }
  for (std::uint64_t i = 0; i < customers; ++i) {
    char id_buf[40];
    std::snprintf(id_buf, sizeof id_buf, "00000000-0000-7000-9000-%012llu",
                  static_cast<unsigned long long>(i + first_id));
    const std::string id = id_buf;
    d::customer::customer_registered r{id, "user" + std::to_string(i + first_id) + "@example.com",
                                       "$argon2id$v=19$m=8,t=3,p=1$fixture$fixture", "User " + std::to_string(i),
                                       d::customer::role::customer, t};
    append("customer-" + id, es::expected_version::no_stream(), {to_new(d::customer::encode(d::customer::event{r}), t)});
    t += 10;
  }
  if (notification) {
    d::notification::broadcast b{"Maintenance", "Tonight at 02:00", d::notification::level::info, "admin", t};
    es::new_event n;
    n.type = std::string(d::notification::broadcast_type);
    n.data = d::notification::encode(b);
    n.timestamp = t;
    append("notification-00000000-0000-7000-a000-000000000001", es::expected_version::no_stream(), {n});
    t += 10;
  }
  if (bad_event) {
    es::new_event n;
    n.type = "WidgetFrobbed";
    n.data = "{\"widget\":1}";
    n.timestamp = t;
    append("widget-1", es::expected_version::no_stream(), {n});
  }
  drain();
  if (!error.empty()) {
    std::fprintf(stderr, "fixture: append: %s\n", error.c_str());
    return 1;
  }
  // Snapshots as the actors write them: the fold of the stream, its schema.
  for (std::uint64_t i = 0; i < products && (snapshots || (bad_snapshot && i == 0)); ++i) {
    const std::string stream = "product-" + product_id(i);
    auto events = store.read_stream(stream, 1, 1000000);
    if (!events) return 1;
    d::product::state s;
    for (const auto& e : *events) {
      auto ev = d::product::decode(e.type, e.schema_version, e.data);
      if (!ev) return 1;
      d::product::evolve(s, *ev);
    }
    if (bad_snapshot && i == 0) s.price.minor += 1;
    es::snapshot snap{events->size(), d::product::state_schema_version, d::product::encode_state(s)};
    if (auto r = store.put_snapshot(stream, snap); !r) return 1;
  }
  const auto last = store.last_position();
  if (auto r = store.put_checkpoint("outbox", last); !r) return 1;
  if (auto r = store.put_checkpoint("projections", last > 0 ? last - 1 : 0); !r) return 1;
  if (products > 0) {
    if (auto r = store.set_wakeup("product-" + product_id(0), t0 + 3'600'000'000); !r) return 1;
  }
  if (auto f = store.flush(); !f) {
    std::fprintf(stderr, "fixture: flush: %s\n", f.error().message.c_str());
    return 1;
  }
  std::printf("%llu\n", static_cast<unsigned long long>(last));
  std::fflush(stdout);
  if (hold.empty()) return 0;

  { std::ofstream(hold) << "ready\n"; }
  // Keep writing, as a live node does, until told to stop.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::uint64_t k = changes + 1;
  while (::access(hold.c_str(), F_OK) == 0 && std::chrono::steady_clock::now() < deadline) {
    if (products > 0) {
      d::product::product_price_changed p{d::money{1000 + static_cast<std::int64_t>(k) - 1, "EUR"},
                                          d::money{1000 + static_cast<std::int64_t>(k), "EUR"}, t};
      auto r = store.append("product-" + product_id(0), es::expected_version::exact(k),
                            {to_new(d::product::encode(d::product::event{p}), t)});
      if (!r) {
        std::fprintf(stderr, "fixture: hold append: %s\n", r.error().message.c_str());
        return 1;
      }
      ++k;
      t += 10;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}
