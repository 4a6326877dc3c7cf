#include "http/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <variant>

namespace agora::http {

namespace {

void atomic_add(std::atomic<double>& a, double d) noexcept {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Integers print without a fraction; others with enough digits to round-trip.
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Prefer the shortest representation that reads back identically.
  for (int prec = 1; prec <= 17; ++prec) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", prec, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

bool valid_name(std::string_view n, bool allow_colon) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// Writes {a="x",b="y"} (plus an extra label such as le), or nothing when empty.
void write_labels(std::string& out, const std::vector<std::string>& names, const std::vector<std::string>& values,
                  std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

}  // namespace

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void gauge::inc(double d) noexcept { atomic_add(v_, d); }

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) noexcept {
  std::size_t i = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
}

std::vector<double> default_latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
}

template <class T>
T& metric_family<T>::with(const std::vector<std::string>& label_values) {
  assert(label_values.size() == labels_.size());
  std::string key;
  for (const auto& v : label_values) {
    key += v;
    key += '\x1f';
  }
  {
    std::shared_lock lock(mu_);
    auto it = index_.find(key);
    if (it != index_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end()) return *it->second;
  std::vector<std::string> values = label_values;
  values.resize(labels_.size());
  auto child = make_();
  T* raw = child.get();
  children_.emplace_back(std::move(values), std::move(child));
  index_.emplace(std::move(key), raw);
  return *raw;
}

template class metric_family<counter>;
template class metric_family<gauge>;
template class metric_family<histogram>;

struct metrics_registry::entry {
  std::string name;
  std::string help;
  std::variant<std::unique_ptr<counter_family>, std::unique_ptr<gauge_family>, std::unique_ptr<histogram_family>,
               std::function<double()>>
      metric;
};

metrics_registry::metrics_registry() = default;
metrics_registry::~metrics_registry() = default;

namespace {
template <class F, class Variant>
F* find_family(Variant& v) {
  if (auto* p = std::get_if<std::unique_ptr<F>>(&v)) return p->get();
  return nullptr;
}
}  // namespace

counter_family& metrics_registry::add_counter(std::string name, std::string help, std::vector<std::string> labels) {
  assert(valid_name(name, true));
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    if (e->name != name) continue;
    if (auto* f = find_family<counter_family>(e->metric)) return *f;
    assert(false && "metric registered with another kind");
  }
  auto e = std::make_unique<entry>();
  e->name = name;
  e->help = help;
  auto fam = std::unique_ptr<counter_family>(
      new counter_family(std::move(name), std::move(help), std::move(labels), [] { return std::make_unique<counter>(); }));
  auto& ref = *fam;
  e->metric = std::move(fam);
  entries_.push_back(std::move(e));
  return ref;
}

gauge_family& metrics_registry::add_gauge(std::string name, std::string help, std::vector<std::string> labels) {
  assert(valid_name(name, true));
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    if (e->name != name) continue;
    if (auto* f = find_family<gauge_family>(e->metric)) return *f;
    assert(false && "metric registered with another kind");
  }
  auto e = std::make_unique<entry>();
  e->name = name;
  e->help = help;
  auto fam = std::unique_ptr<gauge_family>(
      new gauge_family(std::move(name), std::move(help), std::move(labels), [] { return std::make_unique<gauge>(); }));
  auto& ref = *fam;
  e->metric = std::move(fam);
  entries_.push_back(std::move(e));
  return ref;
}

histogram_family& metrics_registry::add_histogram(std::string name, std::string help, std::vector<std::string> labels,
                                                  std::vector<double> bounds) {
  assert(valid_name(name, true));
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    if (e->name != name) continue;
    if (auto* f = find_family<histogram_family>(e->metric)) return *f;
    assert(false && "metric registered with another kind");
  }
  auto e = std::make_unique<entry>();
  e->name = name;
  e->help = help;
  auto fam = std::unique_ptr<histogram_family>(new histogram_family(
      std::move(name), std::move(help), std::move(labels), [b = std::move(bounds)] { return std::make_unique<histogram>(b); }));
  auto& ref = *fam;
  e->metric = std::move(fam);
  entries_.push_back(std::move(e));
  return ref;
}

void metrics_registry::add_callback_gauge(std::string name, std::string help, std::function<double()> read) {
  assert(valid_name(name, true));
  std::lock_guard lock(mu_);
  for (auto& e : entries_) {
    if (e->name == name) {
      e->metric = std::move(read);  // re-registration replaces the callback
      return;
    }
  }
  auto e = std::make_unique<entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->metric = std::move(read);
  entries_.push_back(std::move(e));
}

std::string metrics_registry::render() const {
  std::string out;
  out.reserve(4096);
  std::lock_guard lock(mu_);
  for (const auto& e : entries_) {
    auto header = [&](const char* type) {
      out += "# HELP " + e->name + ' ' + escape_help(e->help) + '\n';
      out += "# TYPE " + e->name + ' ' + type + '\n';
    };
    if (auto* cf = find_family<counter_family>(e->metric)) {
      header("counter");
      std::shared_lock fl(cf->mu_);
      for (const auto& [values, c] : cf->children_) {
        out += e->name;
        write_labels(out, cf->labels_, values);
        out += ' ' + std::to_string(c->value()) + '\n';
      }
    } else if (auto* gf = find_family<gauge_family>(e->metric)) {
      header("gauge");
      std::shared_lock fl(gf->mu_);
      for (const auto& [values, g] : gf->children_) {
        out += e->name;
        write_labels(out, gf->labels_, values);
        out += ' ' + format_double(g->value()) + '\n';
      }
    } else if (auto* hf = find_family<histogram_family>(e->metric)) {
      header("histogram");
      std::shared_lock fl(hf->mu_);
      for (const auto& [values, h] : hf->children_) {
        std::uint64_t cumulative = 0;
        const auto& b = h->bounds();
        for (std::size_t i = 0; i <= b.size(); ++i) {
          cumulative += h->bucket_count(i);
          out += e->name + "_bucket";
          write_labels(out, hf->labels_, values, "le", i < b.size() ? format_double(b[i]) : "+Inf");
          out += ' ' + std::to_string(cumulative) + '\n';
        }
        out += e->name + "_sum";
        write_labels(out, hf->labels_, values);
        out += ' ' + format_double(h->sum()) + '\n';
        out += e->name + "_count";
        write_labels(out, hf->labels_, values);
        // The count is read after the buckets, so under concurrent observes it
        // can exceed the +Inf bucket by a few; Prometheus tolerates that.
        out += ' ' + std::to_string(h->count()) + '\n';
      }
    } else if (auto* fn = std::get_if<std::function<double()>>(&e->metric)) {
      header("gauge");
      double v = 0;
      try {
        v = (*fn) ? (*fn)() : 0.0;
      } catch (...) {
        v = std::nan("");
      }
      out += e->name + ' ' + format_double(v) + '\n';
    }
  }
  return out;
}

}  // namespace agora::http
