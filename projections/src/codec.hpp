#pragma once
// Internal to agora_projections: the binary form of what the read models keep
// on disk (model_db). Compact and fast rather than self-describing: each
// model's format version (model.hpp, formats::) names the layout, and a model
// whose stored version differs is rebuilt from the log, never read.
//
// Integers are LEB128 varints (signed ones zig-zag), strings length-prefixed.
// A reader never trusts its input: every get fails on a short or malformed
// buffer, and decode_* answer false instead of reading past the end.

#include <cstdint>
#include <string>
#include <string_view>

#include <rocksdb/write_batch.h>

#include "projections/accounts.hpp"
#include "projections/catalog.hpp"
#include "projections/change_notice.hpp"
#include "projections/orders.hpp"
#include "projections/src/stock_figures.hpp"

namespace agora::projections::detail {

/// Appends values to a string.
class bin_writer {
 public:
  explicit bin_writer(std::string& out) noexcept : out_(out) {}
  bin_writer& u64(std::uint64_t v);
  bin_writer& i64(std::int64_t v) {
    return u64((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  bin_writer& boolean(bool v) { return u64(v ? 1 : 0); }
  bin_writer& str(std::string_view s);

 private:
  std::string& out_;
};

/// Reads what bin_writer wrote; every call fails (false) once the input is
/// short or malformed, and the reader stays failed.
class bin_reader {
 public:
  explicit bin_reader(std::string_view in) noexcept : in_(in) {}
  bool u64(std::uint64_t& v);
  bool i64(std::int64_t& v);
  bool boolean(bool& v);
  bool str(std::string& s);
  /// True when everything was read without error.
  bool done() const noexcept { return ok_ && in_.empty(); }
  bool ok() const noexcept { return ok_; }

 private:
  std::string_view in_;
  bool ok_ = true;
};

/// Adds the put of `prefix` + `key` -> `value` in `family` to `batch`,
/// without building the key as a string first.
void put_prefixed(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* family, char prefix,
                  std::string_view key, std::string_view value);

/// Big-endian 8 bytes: key order is numeric order.
std::string be64(std::uint64_t v);
/// The inverse of be64; 0 for a short input.
std::uint64_t from_be64(std::string_view s) noexcept;

/// An order without its history (the history entries are keys of their own).
void encode_order_head(const order_view& o, std::string& out);
bool decode_order_head(std::string_view in, order_view& o);
void encode_history_entry(const order_history_entry& h, std::string& out);
bool decode_history_entry(std::string_view in, order_history_entry& h);

void encode_account(const account_view& a, std::string& out);
bool decode_account(std::string_view in, account_view& a);

void encode_product(const product_view& p, std::string& out);
bool decode_product(std::string_view in, product_view& p);

/// An inventory item's figures with the version of its stream.
void encode_stock(const stock_figures& s, eventstore::stream_version version, std::string& out);
bool decode_stock(std::string_view in, stock_figures& s, eventstore::stream_version& version);

void encode_notice(const event_notice& n, std::string& out);
bool decode_notice(std::string_view in, event_notice& n);

}  // namespace agora::projections::detail
