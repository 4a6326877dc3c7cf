// Projections benchmark: how fast the runner applies a mixed log from position 0
// (what every start costs), and how many catalog searches and suggestions a
// snapshot answers per second.
//
//   agora-projections-bench [events=1000000] [products=10000] [queries=20000]
//
// The log is generated into a temporary store (sync off: the writer is not
// what is measured): products with inventory items, then orders, each
// OrderPlaced + LineReserved + OrderConfirmed + OrderPaid plus the StockReserved
// on its item (5 events per order).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/product.hpp"
#include "eventstore/event_store.hpp"
#include "projections/projection_runner.hpp"

namespace es = agora::eventstore;
namespace pd = agora::domain::product;
namespace inv = agora::domain::inventory;
namespace od = agora::domain::order;
using agora::projections::projection_runner;

namespace {

es::new_event to_new(const agora::domain::encoded_event& e) {
  es::new_event n;
  n.type = e.type;
  n.schema_version = e.schema_version;
  n.data = e.data;
  return n;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

bool append(es::event_store& store, const std::string& stream, std::vector<es::new_event> events) {
  auto r = store.append(stream, es::expected_version::any(), std::move(events));
  if (!r) std::fprintf(stderr, "append %s failed: %s\n", stream.c_str(), r.error().message.c_str());
  return static_cast<bool>(r);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t total_events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const std::size_t products = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10'000;
  const std::size_t queries = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 20'000;

  const std::string dir = std::filesystem::temp_directory_path().string() +
                          "/agora-projections-bench-" + std::to_string(::getpid());
  es::store_options o;
  o.path = dir;
  o.sync = false;
  auto opened = es::event_store::open(o);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto store = std::move(*opened);

  std::mt19937_64 rng(42);
  std::vector<std::string> words;
  for (int i = 0; i < 400; ++i) words.push_back("w" + std::to_string(i * 7919 % 100000));
  auto word = [&] { return words[rng() % words.size()]; };

  const auto gen0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < products; ++i) {
    const std::string sku = "SKU-" + std::to_string(i);
    pd::product_created c;
    c.product_id = "p" + std::to_string(i);
    c.sku = sku;
    c.name = word() + " " + word() + " " + word();
    for (int k = 0; k < 15; ++k) c.description += word() + " ";
    c.price = agora::domain::money{static_cast<std::int64_t>(100 + i % 10000), "EUR"};
    c.category = "cat" + std::to_string(i % 20);
    if (!append(*store, "product-" + c.product_id, {to_new(pd::encode(c))})) return 1;
    if (!append(*store, "inventory-" + sku,
                {to_new(inv::encode(inv::item_registered{sku, 1'000'000, 10, 0}))})) {
      return 1;
    }
  }
  std::size_t n_orders = 0;
  while (store->last_position() + 5 <= total_events) {
    const std::string oid = "o" + std::to_string(n_orders++);
    const std::string sku = "SKU-" + std::to_string(rng() % products);
    od::order_placed p;
    p.order_id = oid;
    p.customer_id = "c" + std::to_string(rng() % 50'000);
    p.currency = "EUR";
    p.lines = {od::line_input{sku, 1, agora::domain::money{500, "EUR"}}};
    p.total = agora::domain::money{500, "EUR"};
    std::vector<es::new_event> evs{to_new(od::encode(p)), to_new(od::encode(od::line_reserved{sku, 0})),
                                   to_new(od::encode(od::order_confirmed{0})),
                                   to_new(od::encode(od::order_paid{"pay-" + oid, p.total, 0}))};
    if (!append(*store, "inventory-" + sku, {to_new(inv::encode(inv::stock_reserved{oid, 1, 0}))})) {
      return 1;
    }
    if (!append(*store, "order-" + oid, std::move(evs))) return 1;
  }
  const auto last = store->last_position();
  std::printf("generated %llu events (%zu products, %zu orders) in %.1f s\n",
              static_cast<unsigned long long>(last), products, n_orders, seconds_since(gen0));

  // Replay: what a node pays at every start.
  agora::projections::runner_options ro;
  if (const char* e = std::getenv("PUBLISH_EVERY")) ro.publish_every_events = std::strtoull(e, nullptr, 10);
  if (const char* e = std::getenv("PUBLISH_MS")) ro.publish_interval = std::chrono::milliseconds(std::atoll(e));
  projection_runner runner(*store, ro);
  const auto t0 = std::chrono::steady_clock::now();
  if (auto started = runner.start(); !started) {
    std::fprintf(stderr, "%s\n", started.error().c_str());
    return 1;
  }
  if (!runner.wait_for_position(last, std::chrono::minutes(10))) {
    std::fprintf(stderr, "runner did not catch up\n");
    return 1;
  }
  const double apply_s = seconds_since(t0);
  std::printf("apply: %llu events in %.2f s = %.0f events/s (all four read models)\n",
              static_cast<unsigned long long>(last), apply_s, static_cast<double>(last) / apply_s);

  // Decoding alone, for comparison: the domain codecs' share of the apply time.
  const auto d0 = std::chrono::steady_clock::now();
  std::size_t decoded = 0;
  for (es::log_position from = 1; from <= last;) {
    auto n = store->scan_log(from, 10'000, [&](const es::event_view& v) {
      const auto kind = v.stream.substr(0, v.stream.find('-'));
      bool ok = false;
      if (kind == "order") ok = static_cast<bool>(od::decode(v.type, v.schema_version, v.data));
      if (kind == "inventory") ok = static_cast<bool>(inv::decode(v.type, v.schema_version, v.data));
      if (kind == "product") ok = static_cast<bool>(pd::decode(v.type, v.schema_version, v.data));
      decoded += ok ? 1 : 0;
      return true;
    });
    if (!n || *n == 0) break;
    from += *n;
  }
  const double decode_s = seconds_since(d0);
  std::printf("scan + decode only: %zu events in %.2f s = %.0f events/s\n", decoded, decode_s,
              static_cast<double>(decoded) / decode_s);

  auto cat = runner.catalog();
  std::size_t hits = 0;
  const auto q0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < queries; ++i) {
    agora::projections::search_query q;
    q.text = (i % 2 == 0) ? word() : word() + " " + word();
    hits += cat->search(q).items.size();
  }
  const double q_s = seconds_since(q0);
  std::printf("search: %zu queries on %zu products in %.2f s = %.0f queries/s (avg %.1f hits/page)\n",
              queries, cat->product_count(), q_s, static_cast<double>(queries) / q_s,
              static_cast<double>(hits) / static_cast<double>(queries));

  std::size_t sugg = 0;
  const auto s0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < queries; ++i) {
    const std::string w = word();
    sugg += cat->suggest(w.substr(0, 3), 10).size();
  }
  const double s_s = seconds_since(s0);
  std::printf("suggest: %zu prefixes in %.2f s = %.0f suggestions/s (avg %.1f names)\n", queries, s_s,
              static_cast<double>(queries) / s_s, static_cast<double>(sugg) / static_cast<double>(queries));

  runner.stop();
  store.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
