// agora-history-gen: writes years of a shop's history into an event store, fast,
// for benchmarks of a node with a long past (issue 15). Not an API: a bench tool.
//
//   agora-history-gen --store DIR --orders N [--customers C] [--products P]
//                     [--seed S] [--password PW] [--years Y] [--in-flight K]
//                     [--append | --refuse-nonempty] [--verify]
//
// Every event is decided by the domain (history_plan.hpp says which events an
// order writes); the store is opened unsynced and flushed once at the end.
// Every account gets the same password (one argon2id hash, computed once).
// Prints a progress line on stderr every few seconds, then a summary and, as
// its last line, the same as one JSON object.

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "actors/domain/order.hpp"
#include "bench/history_gen/history_plan.hpp"
#include "bench/history_gen/history_writer.hpp"
#include "eventstore/event_store.hpp"
#include "http/auth.hpp"

namespace es = agora::eventstore;
using agora::bench::history_options;
using agora::bench::history_plan;
using agora::bench::history_writer;
using agora::bench::planned_append;

namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

const char* const usage_text =
    "usage: agora-history-gen --store DIR --orders N [options]\n"
    "\n"
    "Writes a generated shop history (accounts, products with stock, N orders over\n"
    "the years, each through the domain's own decide/evolve) into the event store\n"
    "at DIR, unsynced, and flushes it at the end.\n"
    "\n"
    "  --store DIR          the store directory (created when missing)\n"
    "  --orders N           orders to generate (>= 1)\n"
    "  --customers C        customer accounts (default: N / 8 + 1)\n"
    "  --products P         products, each with its inventory item\n"
    "                       (default: min(5000, N / 50 + 20))\n"
    "  --seed S             the same seed gives the same history (default 1)\n"
    "  --password PW        every account's password, 8..128 bytes\n"
    "                       (default agora-bench-password)\n"
    "  --years Y            the span of the history (default 10)\n"
    "  --end SECONDS        when it ends, in Unix seconds (default 1796083200,\n"
    "                       2026-12-01T00:00Z). Orders still awaiting payment then are\n"
    "                       cancelled by a node started more than 30 minutes later;\n"
    "                       $(date +%s) keeps them open for a node started at once\n"
    "  --cart-share PCT     percent of orders placed through a cart (default 30)\n"
    "  --abandoned-carts N  carts left to lapse per 100 orders (default 10)\n"
    "  --in-flight K        appends in flight at most (default 30000)\n"
    "  --write-buffer-mb M  the store's RocksDB write buffer (default 64)\n"
    "  --append             write into a store that already has events (use a\n"
    "                       seed of its own: SKUs and e-mails include it; and a\n"
    "                       later --end, so that times keep growing with the log)\n"
    "  --refuse-nonempty    refuse a store that has events (the default)\n"
    "  --verify             run the store's integrity check at the end (reads it all)\n"
    "  --dry-run            generate without writing (the generator's own speed);\n"
    "                       --store is then not opened\n"
    "  --help               this text\n"
    "\n"
    "Exit status: 0 done, 1 failed, 2 usage error (or a non-empty store without --append).\n";

struct cli {
  std::string store;
  history_options plan;
  std::string password = "agora-bench-password";
  std::size_t in_flight = 30000;
  std::size_t write_buffer_mb = 64;
  bool append = false;
  bool verify = false;
  bool dry_run = false;
};

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "agora-history-gen: %s\n(see --help)\n", msg.c_str());
  return exit_usage;
}

std::optional<std::uint64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

/// Parses argv into `c`; answers an exit status to return at once (help or a
/// usage error), or nullopt to go on.
std::optional<int> parse(int argc, char** argv, cli& c) {
  bool have_orders = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(usage_text, stdout);
      return 0;
    }
    // Flags without a value: the field each sets, and to what.
    const struct {
      std::string_view name;
      bool* field;
      bool value;
    } flags[] = {{"--append", &c.append, true},
                 {"--refuse-nonempty", &c.append, false},
                 {"--verify", &c.verify, true},
                 {"--dry-run", &c.dry_run, true}};
    bool was_flag = false;
    for (const auto& f : flags) {
      if (a != f.name) continue;
      *f.field = f.value;
      was_flag = true;
    }
    if (was_flag) continue;
    static constexpr std::string_view with_value[] = {"--store", "--orders",    "--customers",       "--products",
                                                      "--seed",  "--years",     "--in-flight",       "--write-buffer-mb",
                                                      "--password", "--end",       "--cart-share",      "--abandoned-carts"};
    if (std::find(std::begin(with_value), std::end(with_value), a) == std::end(with_value)) {
      return usage_error("unknown option " + std::string(a));
    }
    if (i + 1 >= argc) return usage_error(std::string(a) + " needs a value");
    const std::string_view v = argv[++i];
    auto count = [&](std::uint64_t min, std::uint64_t max) -> std::optional<std::uint64_t> {
      auto n = parse_count(v);
      if (!n || *n < min || *n > max) return std::nullopt;
      return n;
    };
    if (a == "--store") {
      if (v.empty()) return usage_error("--store: empty path");
      c.store = std::string(v);
    } else if (a == "--orders") {
      auto n = count(1, 1'000'000'000);
      if (!n) return usage_error("--orders: a whole number from 1 to 1000000000, not '" + std::string(v) + "'");
      c.plan.orders = *n;
      have_orders = true;
    } else if (a == "--customers") {
      auto n = count(1, 100'000'000);
      if (!n) return usage_error("--customers: a whole number from 1 to 100000000, not '" + std::string(v) + "'");
      c.plan.customers = *n;
    } else if (a == "--products") {
      auto n = count(1, 1'000'000);
      if (!n) return usage_error("--products: a whole number from 1 to 1000000, not '" + std::string(v) + "'");
      c.plan.products = *n;
    } else if (a == "--seed") {
      auto n = count(0, UINT64_MAX / 2);
      if (!n) return usage_error("--seed: a whole number, not '" + std::string(v) + "'");
      c.plan.seed = *n;
    } else if (a == "--years") {
      auto n = count(1, 100);
      if (!n) return usage_error("--years: a whole number from 1 to 100, not '" + std::string(v) + "'");
      c.plan.years = static_cast<double>(*n);
    } else if (a == "--end") {
      auto n = count(1, 4'102'444'800);  // before 2100
      if (!n) return usage_error("--end: Unix seconds up to 4102444800 (2100), not '" + std::string(v) + "'");
      c.plan.end = static_cast<agora::timestamp_us>(*n) * 1'000'000;
    } else if (a == "--cart-share") {
      auto n = count(0, 100);
      if (!n) return usage_error("--cart-share: a percentage from 0 to 100, not '" + std::string(v) + "'");
      c.plan.cart_share = static_cast<std::uint32_t>(*n);
    } else if (a == "--abandoned-carts") {
      auto n = count(0, 100);
      if (!n) return usage_error("--abandoned-carts: a whole number from 0 to 100, not '" + std::string(v) + "'");
      c.plan.abandoned_carts = static_cast<std::uint32_t>(*n);
    } else if (a == "--in-flight") {
      auto n = count(1, 60'000);
      if (!n) return usage_error("--in-flight: a whole number from 1 to 60000, not '" + std::string(v) + "'");
      c.in_flight = *n;
    } else if (a == "--write-buffer-mb") {
      auto n = count(4, 4096);
      if (!n) return usage_error("--write-buffer-mb: a whole number from 4 to 4096, not '" + std::string(v) + "'");
      c.write_buffer_mb = *n;
    } else if (a == "--password") {
      if (v.size() < 8 || v.size() > 128) return usage_error("--password: 8..128 bytes");
      c.password = std::string(v);
    }
  }
  if (c.store.empty() && !c.dry_run) return usage_error("--store is required");
  if (!have_orders) return usage_error("--orders is required");
  // The history (and the accounts made two days before it) starts after 1970:
  // ids carry their time, and a time before the epoch has none.
  const double start_s = static_cast<double>(c.plan.end) / 1e6 - (c.plan.years * 365.25 + 2) * 86400;
  if (start_s <= 0) return usage_error("--end: the history of --years years must start after 1970");
  return std::nullopt;
}

/// `s` as the inside of a JSON string (the password is the only free text).
std::string json_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::uint64_t dir_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) total += it->file_size(fec);
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  cli c;
  if (auto rc = parse(argc, argv, c)) return *rc;

  // One hash for everyone, at the cost a node accepts (INTERACTIVE): logging
  // in as a generated customer costs what it costs for a real one.
  auto hash = agora::http::hash_password(c.password, agora::http::password_cost::interactive());
  if (!hash) {
    std::fprintf(stderr, "agora-history-gen: cannot hash the password\n");
    return exit_failure;
  }
  c.plan.password_hash = *hash;

  if (c.dry_run) {
    history_plan plan(c.plan);
    const auto t0 = std::chrono::steady_clock::now();
    planned_append a;
    while (plan.next(a)) {
    }
    const double s = seconds_since(t0);
    const auto& k = plan.counts();
    std::printf("dry run: %" PRIu64 " events in %" PRIu64 " appends for %" PRIu64 " orders in %.1f s: %.0f events/s\n",
                k.events, k.appends, k.orders, s, static_cast<double>(k.events) / s);
    return plan.error().empty() ? 0 : exit_failure;
  }

  es::store_options so;
  so.path = c.store;
  so.sync = false;            // flushed once at the end
  so.validate_json = false;   // every event comes from the domain's encoders
  so.write_buffer_bytes = c.write_buffer_mb << 20;
  // Bigger group commits: the store's one writer thread is the bottleneck of
  // a bulk load (RocksDB memtable inserts), and fewer, larger batches cost it
  // less per append (measured: about 15% more events/s than 1024).
  so.max_batch_appends = 8192;
  auto opened = es::event_store::open(so);
  if (!opened) {
    std::fprintf(stderr, "agora-history-gen: cannot open %s: %s\n", c.store.c_str(), opened.error().message.c_str());
    return exit_failure;
  }
  auto store = std::move(*opened);
  const es::log_position before = store->last_position();
  if (before > 0 && !c.append) {
    std::fprintf(stderr,
                 "agora-history-gen: %s already holds %" PRIu64
                 " events; refusing to add a history to it (--append with a seed of its own to do so)\n",
                 c.store.c_str(), before);
    return exit_usage;
  }

  history_plan plan(c.plan);
  const auto& opts = plan.options();
  std::fprintf(stderr, "agora-history-gen: %" PRIu64 " orders, %" PRIu64 " customers, %" PRIu64
                       " products, seed %" PRIu64 " into %s\n",
               opts.orders, opts.customers, opts.products, opts.seed, c.store.c_str());

  const auto t0 = std::chrono::steady_clock::now();
  bool ok = true;
  {
    history_writer writer(*store, c.in_flight);
    planned_append a;
    auto last_report = t0;
    std::uint64_t n = 0;
    while (plan.next(a)) {
      if (!writer.write(std::move(a))) {
        ok = false;
        break;
      }
      if ((++n & 0xfff) == 0 && seconds_since(last_report) >= 3.0) {
        last_report = std::chrono::steady_clock::now();
        const auto& k = plan.counts();
        const double s = seconds_since(t0);
        std::fprintf(stderr, "  %.0f s: %" PRIu64 " orders (%.1f%%), %" PRIu64 " events, %.0f events/s\n", s,
                     k.orders, 100.0 * static_cast<double>(k.orders) / static_cast<double>(opts.orders), k.events,
                     static_cast<double>(writer.events_written()) / s);
      }
    }
    if (!writer.drain()) ok = false;
    if (!ok) {
      std::fprintf(stderr, "agora-history-gen: %s\n", writer.error().c_str());
      return exit_failure;
    }
  }
  if (!plan.error().empty()) {
    std::fprintf(stderr, "agora-history-gen: the domain refused a step: %s\n", plan.error().c_str());
    return exit_failure;
  }
  const double write_s = seconds_since(t0);
  for (const auto& [stream, snap] : plan.snapshots()) {
    if (auto r = store->put_snapshot(stream, snap); !r) {
      std::fprintf(stderr, "agora-history-gen: snapshot of %s: %s\n", stream.c_str(), r.error().message.c_str());
      return exit_failure;
    }
  }
  if (auto r = store->flush(); !r) {
    std::fprintf(stderr, "agora-history-gen: flush: %s\n", r.error().message.c_str());
    return exit_failure;
  }
  const double total_s = seconds_since(t0);
  if (c.verify) {
    auto rep = store->verify();
    if (!rep || !rep->ok) {
      std::fprintf(stderr, "agora-history-gen: verify failed: %s\n",
                   !rep ? rep.error().message.c_str() : rep->problems.empty() ? "" : rep->problems.front().c_str());
      return exit_failure;
    }
    std::fprintf(stderr, "agora-history-gen: verify ok (%" PRIu64 " events, %" PRIu64 " streams)\n", rep->events,
                 rep->streams);
  }
  const es::log_position last = store->last_position();
  store.reset();
  const std::uint64_t bytes = dir_bytes(c.store);

  const auto& k = plan.counts();
  const auto s = plan.samples();
  const double rate = static_cast<double>(k.events) / total_s;
  std::printf("generated %" PRIu64 " events in %" PRIu64 " appends (log %" PRIu64 "..%" PRIu64 ") in %.1f s "
              "(%.1f s writing, the rest snapshots and flush): %.0f events/s; store %.1f MiB\n",
              k.events, k.appends, before + 1, last, total_s, write_s, rate,
              static_cast<double>(bytes) / (1024.0 * 1024.0));
  std::printf("orders %" PRIu64 " (%" PRIu64 " through a cart), customers %" PRIu64
              " (admin included), products %" PRIu64 ", abandoned carts %" PRIu64 "\n",
              k.orders, k.cart_orders, k.customers, k.products, k.abandoned_carts);
  std::printf("password for every account: %s (admin: %s)\n", c.password.c_str(), s.admin_email.c_str());
  std::printf("samples: customer %s (%s, %" PRIu64 " orders), order %s, product %s (%s)\n",
              s.busy_customer_id.c_str(), s.busy_customer_email.c_str(), s.busy_customer_orders, s.order_id.c_str(),
              s.product_id.c_str(), s.product_sku.c_str());

  std::string by_status;
  for (std::size_t i = 0; i < k.by_status.size(); ++i) {
    if (!by_status.empty()) by_status += ",";
    by_status += "\"" + std::string(agora::domain::order::to_string(static_cast<agora::domain::order::status>(i))) +
                 "\":" + std::to_string(k.by_status[i]);
  }
  std::printf(
      "{\"events\":%" PRIu64 ",\"appends\":%" PRIu64 ",\"orders\":%" PRIu64 ",\"customers\":%" PRIu64
      ",\"products\":%" PRIu64 ",\"seconds\":%.2f,\"events_per_s\":%.0f,\"store_bytes\":%" PRIu64
      ",\"orders_by_status\":{%s},\"refunded\":%" PRIu64 ",\"payment_declines\":%" PRIu64
      ",\"deadline_cancels\":%" PRIu64 ",\"restocks\":%" PRIu64 ",\"cart_orders\":%" PRIu64
      ",\"abandoned_carts\":%" PRIu64
      ",\"seed\":%" PRIu64 ",\"password\":\"%s\",\"admin_email\":\"%s\",\"sample_customer_id\":\"%s\","
      "\"sample_customer_email\":\"%s\",\"sample_customer_orders\":%" PRIu64
      ",\"sample_order_id\":\"%s\",\"sample_product_id\":\"%s\",\"sample_sku\":\"%s\"}\n",
      k.events, k.appends, k.orders, k.customers, k.products, total_s, rate, bytes, by_status.c_str(), k.refunded,
      k.payment_declines, k.deadline_cancels, k.restocks, k.cart_orders, k.abandoned_carts, opts.seed, json_escape(c.password).c_str(), s.admin_email.c_str(),
      s.busy_customer_id.c_str(), s.busy_customer_email.c_str(), s.busy_customer_orders, s.order_id.c_str(),
      s.product_id.c_str(), s.product_sku.c_str());
  return 0;
}
