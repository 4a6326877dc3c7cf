#pragma once
// A small Prometheus registry: counters, gauges, histograms with labels, and
// gauges read from a callback at scrape time; render() writes the text
// exposition format 0.0.4.
//
// Hot path: inc()/set()/observe() are lock-free atomics. Finding the child of
// a label set takes a shared lock and a hash lookup: look it up once and keep
// the reference when the label values are fixed (children live as long as the
// registry).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace agora::http {

/// A monotonically increasing count.
class counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

/// A value that goes up and down.
class gauge {
 public:
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void inc(double d = 1.0) noexcept;
  void dec(double d = 1.0) noexcept { inc(-d); }
  double value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0.0};
};

/// Observations counted into fixed buckets (upper bounds, ascending; +Inf is
/// implicit), with their sum and count.
class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double v) noexcept;
  const std::vector<double>& bounds() const noexcept { return bounds_; }
  /// Non-cumulative count of bucket i (i == bounds().size() is +Inf).
  std::uint64_t bucket_count(std::size_t i) const noexcept { return counts_[i].load(std::memory_order_relaxed); }
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

/// Latency buckets in seconds, 0.5 ms .. 10 s.
std::vector<double> default_latency_buckets();

/// All children of one metric name, one per label-value tuple.
template <class T>
class metric_family {
 public:
  /// The child for `label_values` (one per label name, in order), created on
  /// first use. The reference stays valid for the registry's lifetime. A wrong
  /// number of values is a programming error (assert); release builds pad or
  /// cut the list.
  T& with(const std::vector<std::string>& label_values);
  /// For a family without labels.
  T& get() { return with({}); }

  const std::string& name() const noexcept { return name_; }

 private:
  friend class metrics_registry;
  metric_family(std::string name, std::string help, std::vector<std::string> labels,
                std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), make_(std::move(make)) {}

  std::string name_;
  std::string help_;
  std::vector<std::string> labels_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::shared_mutex mu_;
  // key: label values joined by '\x1f'; order of creation kept for rendering
  std::unordered_map<std::string, T*> index_;
  std::vector<std::pair<std::vector<std::string>, std::unique_ptr<T>>> children_;
};

using counter_family = metric_family<counter>;
using gauge_family = metric_family<gauge>;
using histogram_family = metric_family<histogram>;

/// The process's metrics. Thread-safe.
class metrics_registry {
 public:
  metrics_registry();
  ~metrics_registry();
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  /// Registers (or returns the already registered) family `name`. Names must
  /// match [a-zA-Z_:][a-zA-Z0-9_:]*; label names [a-zA-Z_][a-zA-Z0-9_]*
  /// (asserted). Registering a name again with another kind is a programming
  /// error (assert; release builds return a detached family).
  counter_family& add_counter(std::string name, std::string help, std::vector<std::string> labels = {});
  gauge_family& add_gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  histogram_family& add_histogram(std::string name, std::string help, std::vector<std::string> labels = {},
                                  std::vector<double> bounds = default_latency_buckets());
  /// A gauge whose value `read` returns at render time (e.g. projection lag).
  /// `read` runs on the scraping thread and must be cheap and thread-safe.
  void add_callback_gauge(std::string name, std::string help, std::function<double()> read);

  /// The text exposition format 0.0.4 (Content-Type
  /// "text/plain; version=0.0.4; charset=utf-8"), families in registration order.
  std::string render() const;

 private:
  struct entry;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<entry>> entries_;
};

/// Escapes a label value for the exposition format (\\, \", \n).
std::string escape_label_value(std::string_view v);

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace agora::http

namespace agora::http {
extern template class metric_family<counter>;
extern template class metric_family<gauge>;
extern template class metric_family<histogram>;
}  // namespace agora::http
