// The offline replay (replay.hpp): the runner's models fed by one scan.

#include "projections/replay.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include "eventstore/event_store.hpp"
#include "projections/src/accounts_model.hpp"
#include "projections/src/catalog_model.hpp"
#include "projections/src/dashboard_model.hpp"
#include "projections/src/model_writer.hpp"
#include "projections/src/orders_model.hpp"

namespace agora::projections {

namespace {

using clock_type = std::chrono::steady_clock;
// Timing every apply would cost more than some applies; every 16th event
// gives each model's share within a few per cent over a large log.
constexpr std::uint64_t kSampleEvery = 16;
constexpr std::size_t kBatch = 10'000;
constexpr std::size_t kHotOrders = 50'000;
constexpr std::size_t kStageEvery = 100'000;

double seconds(clock_type::duration d) { return std::chrono::duration<double>(d).count(); }

// One model being replayed, with the slot it publishes into.
struct replay_slot {
  std::string name;
  std::unique_ptr<detail::model> model;
  std::function<std::pair<std::uint64_t, std::uint64_t>()> sum_and_entries;
  clock_type::duration sampled{};
  clock_type::duration publish{};
};

}  // namespace

const std::vector<std::string>& replayable_models() {
  static const std::vector<std::string> names{"catalog", "orders", "accounts", "dashboard"};
  return names;
}

agora::expected<replay_report, std::string> replay_models(const eventstore::event_store& store,
                                                          const std::vector<std::string>& names,
                                                          eventstore::log_position after,
                                                          const replay_progress& progress,
                                                          const std::string& scratch_dir,
                                                          eventstore::log_position up_to) {
  for (const auto& n : names) {
    const auto& all = replayable_models();
    if (std::find(all.begin(), all.end(), n) == all.end()) {
      return agora::unexpected{"unknown read model: " + n + " (catalog, orders, accounts, dashboard)"};
    }
  }
  auto wanted = [&](const std::string& n) {
    return names.empty() || std::find(names.begin(), names.end(), n) != names.end();
  };
  detail::model_db_options dbo;
  dbo.path = scratch_dir;
  auto db = detail::model_db::open(dbo);
  if (!db) return agora::unexpected{std::move(db).error()};
  auto kv_for = [&](const std::string& name) -> agora::expected<detail::kv_writer, std::string> {
    auto f = (*db)->family(name, 1);
    if (!f) return agora::unexpected{std::move(f).error()};
    return detail::kv_writer(*db, *f);
  };
  auto w_catalog = kv_for("catalog");
  auto w_orders = kv_for("orders");
  auto w_accounts = kv_for("accounts");
  auto w_dashboard = kv_for("dashboard");
  for (const auto* w : {&w_catalog, &w_orders, &w_accounts, &w_dashboard}) {
    if (!*w) return agora::unexpected{w->error()};
  }
  std::shared_ptr<const catalog_snapshot> catalog;
  std::shared_ptr<const orders_snapshot> orders;
  std::shared_ptr<const accounts_snapshot> accounts;
  std::shared_ptr<const dashboard_snapshot> dashboard;
  std::vector<replay_slot> slots;
  if (wanted("catalog")) {
    slots.push_back({"catalog", std::make_unique<detail::catalog_model>(&catalog, *w_catalog),
                     [&] { return std::make_pair(catalog->checksum(), std::uint64_t{catalog->product_count()}); }});
  }
  if (wanted("orders")) {
    slots.push_back({"orders", std::make_unique<detail::orders_model>(&orders, *w_orders, kHotOrders),
                     [&] { return std::make_pair(orders->checksum(), std::uint64_t{orders->count()}); }});
  }
  if (wanted("accounts")) {
    slots.push_back({"accounts", std::make_unique<detail::accounts_model>(&accounts, *w_accounts),
                     [&] { return std::make_pair(accounts->checksum(), std::uint64_t{accounts->count()}); }});
  }
  if (wanted("dashboard")) {
    slots.push_back({"dashboard", std::make_unique<detail::dashboard_model>(&dashboard, *w_dashboard, kHotOrders), [&] {
                       return std::make_pair(dashboard->checksum(), std::uint64_t{dashboard->total_orders});
                     }});
  }

  replay_report rep;
  rep.after = after;
  eventstore::log_position target = store.last_position();
  if (up_to > target) {
    return agora::unexpected{"the log ends at position " + std::to_string(target) + ", before " + std::to_string(up_to)};
  }
  if (up_to > 0) target = up_to;
  const auto start = clock_type::now();
  eventstore::log_position next = after + 1;
  std::uint64_t n_seen = 0;
  std::size_t since_stage = 0;
  detail::model_writer writer(*db);
  // Each batch is reserved at the last one's size: grown by doubling, a
  // batch of tens of megabytes was copied a dozen times on its way there.
  std::size_t last_batch_bytes = 0;
  auto stage = [&] {
    if (!writer.wait()) return false;
    rocksdb::WriteBatch batch(last_batch_bytes + last_batch_bytes / 8);
    for (auto& s : slots) {
      const auto t0 = clock_type::now();
      s.model->flush(batch);
      s.publish += clock_type::now() - t0;
    }
    last_batch_bytes = batch.GetDataSize();
    return writer.submit(std::move(batch));
  };
  while (next <= target) {
    auto n = store.scan_log(next, kBatch, [&](const eventstore::event_view& v) {
      if (v.position > target) return false;
      next = v.position + 1;
      rep.to = v.position;
      ++rep.events_read;
      auto d = detail::decode(v);
      if (!d) {
        if (rep.undecodable++ == 0) {
          rep.first_undecodable = "position " + std::to_string(v.position) + " (" + std::string(v.stream) + " " +
                                  std::string(v.type) + "): " + d.error();
        }
        return true;
      }
      if (++n_seen % kSampleEvery != 0) {
        for (auto& s : slots) s.model->apply(*d);
        return true;
      }
      for (auto& s : slots) {
        const auto t0 = clock_type::now();
        s.model->apply(*d);
        s.sampled += clock_type::now() - t0;
      }
      return true;
    });
    if (!n) return agora::unexpected{"reading the log at position " + std::to_string(next) + ": " + n.error().message};
    if (*n == 0) break;
    // Every kStageEvery events the changes go to disk as the runner's do
    // (memory stays bounded), written by the writer thread while the next
    // events are applied; each model's flush time is its own.
    since_stage += *n;
    if (since_stage >= kStageEvery) {
      since_stage = 0;
      if (!stage()) return agora::unexpected{"writing the models: " + writer.error()};
    }
    if (progress) progress(rep.to, target);
  }
  if (!stage() || !writer.wait()) return agora::unexpected{"writing the models: " + writer.error()};
  auto snap = (*db)->snapshot();
  for (auto& s : slots) s.model->publish(rep.to, snap);
  rep.seconds = seconds(clock_type::now() - start);
  for (auto& s : slots) {
    replayed_model m;
    m.name = s.name;
    m.events_applied = rep.events_read;
    m.apply_seconds = seconds(s.sampled) * static_cast<double>(kSampleEvery) + seconds(s.publish);
    const auto [sum, entries] = s.sum_and_entries();
    m.checksum = sum;
    m.entries = entries;
    rep.models.push_back(std::move(m));
  }
  return rep;
}

}  // namespace agora::projections
