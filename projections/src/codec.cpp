// The read models' binary form (codec.hpp).

#include "projections/src/codec.hpp"

namespace agora::projections::detail {

bin_writer& bin_writer::u64(std::uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
  return *this;
}

bin_writer& bin_writer::str(std::string_view s) {
  u64(s.size());
  out_.append(s.data(), s.size());
  return *this;
}

bool bin_reader::u64(std::uint64_t& v) {
  v = 0;
  if (!ok_) return false;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) return ok_ = false;
    const auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return ok_ = false;
}

bool bin_reader::i64(std::int64_t& v) {
  std::uint64_t u = 0;
  if (!u64(u)) return false;
  v = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool bin_reader::boolean(bool& v) {
  std::uint64_t u = 0;
  if (!u64(u)) return false;
  if (u > 1) return ok_ = false;
  v = u == 1;
  return true;
}

bool bin_reader::str(std::string& s) {
  std::uint64_t n = 0;
  if (!u64(n)) return false;
  if (n > in_.size()) return ok_ = false;
  s.assign(in_.data(), static_cast<std::size_t>(n));
  in_.remove_prefix(static_cast<std::size_t>(n));
  return true;
}

void put_prefixed(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* family, char prefix,
                  std::string_view key, std::string_view value) {
  const rocksdb::Slice k[2] = {rocksdb::Slice(&prefix, 1), rocksdb::Slice(key.data(), key.size())};
  const rocksdb::Slice val(value.data(), value.size());
  // WriteBatch::Put returns a Status only for a batch past its size limit,
  // which these batches never set.
  (void)batch.Put(family, rocksdb::SliceParts(k, 2), rocksdb::SliceParts(&val, 1));
}

std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

std::uint64_t from_be64(std::string_view s) noexcept {
  if (s.size() < 8) return 0;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

namespace {

template <class T>
void get_int(bin_reader& r, T& v) {
  std::int64_t x = 0;
  r.i64(x);
  v = static_cast<T>(x);
}

template <class T>
void get_uint(bin_reader& r, T& v) {
  std::uint64_t x = 0;
  r.u64(x);
  v = static_cast<T>(x);
}

// A count of entries that each take at least one byte: more than the bytes
// left means a malformed input, not a huge allocation.
bool get_count(bin_reader& r, std::size_t limit, std::size_t& n) {
  std::uint64_t x = 0;
  if (!r.u64(x) || x > limit) return false;
  n = static_cast<std::size_t>(x);
  return true;
}

}  // namespace

void encode_order_head(const order_view& o, std::string& out) {
  bin_writer w(out);
  w.str(o.id).str(o.customer_id).str(o.status).u64(o.items.size());
  for (const auto& i : o.items) w.str(i.sku).i64(i.quantity).i64(i.price);
  w.i64(o.total).str(o.currency).i64(o.refunded).u64(o.version).u64(o.placed_position);
  w.i64(o.created_at).i64(o.updated_at).u64(o.rejection_reasons.size());
  for (const auto& r : o.rejection_reasons) w.str(r.sku).str(r.reason);
  w.boolean(o.payment_due_at.has_value()).i64(o.payment_due_at.value_or(0)).str(o.cancel_reason);
}

bool decode_order_head(std::string_view in, order_view& o) {
  bin_reader r(in);
  std::size_t n = 0;
  r.str(o.id);
  r.str(o.customer_id);
  r.str(o.status);
  if (!get_count(r, in.size(), n)) return false;
  o.items.resize(n);
  for (auto& i : o.items) {
    r.str(i.sku);
    get_int(r, i.quantity);
    get_int(r, i.price);
  }
  get_int(r, o.total);
  r.str(o.currency);
  get_int(r, o.refunded);
  get_uint(r, o.version);
  get_uint(r, o.placed_position);
  get_int(r, o.created_at);
  get_int(r, o.updated_at);
  if (!get_count(r, in.size(), n)) return false;
  o.rejection_reasons.resize(n);
  for (auto& x : o.rejection_reasons) {
    r.str(x.sku);
    r.str(x.reason);
  }
  bool due = false;
  std::int64_t due_at = 0;
  r.boolean(due);
  r.i64(due_at);
  if (due) {
    o.payment_due_at = due_at;
  } else {
    o.payment_due_at.reset();
  }
  r.str(o.cancel_reason);
  return r.done();
}

void encode_history_entry(const order_history_entry& h, std::string& out) {
  bin_writer(out).u64(h.position).u64(h.version).str(h.type).i64(h.at).str(h.data);
}

bool decode_history_entry(std::string_view in, order_history_entry& h) {
  bin_reader r(in);
  get_uint(r, h.position);
  get_uint(r, h.version);
  r.str(h.type);
  get_int(r, h.at);
  r.str(h.data);
  return r.done();
}

void encode_account(const account_view& a, std::string& out) {
  bin_writer w(out);
  w.str(a.id).str(a.email).str(a.name).str(a.role).str(a.password_hash).u64(a.token_version).u64(a.version);
  w.i64(a.created_at).i64(a.updated_at);
}

bool decode_account(std::string_view in, account_view& a) {
  bin_reader r(in);
  r.str(a.id);
  r.str(a.email);
  r.str(a.name);
  r.str(a.role);
  r.str(a.password_hash);
  get_uint(r, a.token_version);
  get_uint(r, a.version);
  get_int(r, a.created_at);
  get_int(r, a.updated_at);
  return r.done();
}

void encode_product(const product_view& p, std::string& out) {
  bin_writer w(out);
  w.str(p.id).str(p.sku).str(p.name).str(p.description).i64(p.price).str(p.currency).str(p.category);
  w.u64(p.image_urls.size());
  for (const auto& u : p.image_urls) w.str(u);
  w.boolean(p.discontinued).i64(p.created_at).i64(p.updated_at).u64(p.version);
}

bool decode_product(std::string_view in, product_view& p) {
  bin_reader r(in);
  r.str(p.id);
  r.str(p.sku);
  r.str(p.name);
  r.str(p.description);
  get_int(r, p.price);
  r.str(p.currency);
  r.str(p.category);
  std::size_t n = 0;
  if (!get_count(r, in.size(), n)) return false;
  p.image_urls.resize(n);
  for (auto& u : p.image_urls) r.str(u);
  r.boolean(p.discontinued);
  get_int(r, p.created_at);
  get_int(r, p.updated_at);
  get_uint(r, p.version);
  return r.done();
}

void encode_stock(const stock_figures& s, eventstore::stream_version version, std::string& out) {
  bin_writer w(out);
  w.i64(s.on_hand).i64(s.reserved).i64(s.held).i64(s.low_stock_threshold).boolean(s.registered);
  w.i64(s.created_at).i64(s.updated_at).u64(version).u64(s.holds.size());
  for (const auto& [cart, qty] : s.holds) w.str(cart).i64(qty);
}

bool decode_stock(std::string_view in, stock_figures& s, eventstore::stream_version& version) {
  bin_reader r(in);
  get_int(r, s.on_hand);
  get_int(r, s.reserved);
  get_int(r, s.held);
  get_int(r, s.low_stock_threshold);
  r.boolean(s.registered);
  get_int(r, s.created_at);
  get_int(r, s.updated_at);
  get_uint(r, version);
  std::size_t n = 0;
  if (!get_count(r, in.size(), n)) return false;
  s.holds.clear();
  for (std::size_t i = 0; i < n; ++i) {
    std::string cart;
    std::int64_t qty = 0;
    r.str(cart);
    r.i64(qty);
    s.holds[std::move(cart)] = qty;
  }
  return r.done();
}

void encode_notice(const event_notice& n, std::string& out) {
  bin_writer w(out);
  w.str(n.stream).str(n.type).u64(n.position).u64(n.version).i64(n.timestamp).str(n.data);
  w.u64(n.channels.size());
  for (const auto& c : n.channels) w.str(c);
  w.u64(static_cast<std::uint64_t>(n.stock));
}

bool decode_notice(std::string_view in, event_notice& n) {
  bin_reader r(in);
  r.str(n.stream);
  r.str(n.type);
  get_uint(r, n.position);
  get_uint(r, n.version);
  get_int(r, n.timestamp);
  r.str(n.data);
  std::size_t count = 0;
  if (!get_count(r, in.size(), count)) return false;
  n.channels.resize(count);
  for (auto& c : n.channels) r.str(c);
  std::uint64_t stock = 0;
  r.u64(stock);
  if (stock > static_cast<std::uint64_t>(stock_transition::recovered)) return false;
  n.stock = static_cast<stock_transition>(stock);
  return r.done();
}

}  // namespace agora::projections::detail
