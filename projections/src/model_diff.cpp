// The key-by-key comparison of a dry run (model_diff.hpp).

#include "projections/src/model_diff.hpp"

#include <array>
#include <cstdio>

namespace agora::projections::detail {

model_diff::model_diff(std::string model, std::unique_ptr<rocksdb::Iterator> live,
                       std::unique_ptr<rocksdb::Iterator> shadow)
    : model_(std::move(model)), live_(std::move(live)), shadow_(std::move(shadow)) {}

void model_diff::note(key_difference::kind what, std::string_view key, dry_run_report& into) {
  switch (what) {
    case key_difference::kind::only_live: ++into.only_live; break;
    case key_difference::kind::only_shadow: ++into.only_shadow; break;
    case key_difference::kind::value_differs: ++into.differing; break;
  }
  if (into.first.size() < dry_run_report::max_listed_differences) {
    into.first.push_back(key_difference{what, describe_key(model_, key)});
  }
}

agora::expected<bool, std::string> model_diff::step(std::size_t max_keys, dry_run_report& into) {
  if (!started_) {
    live_->SeekToFirst();
    shadow_->SeekToFirst();
    started_ = true;
  }
  auto view = [](const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); };
  for (std::size_t n = 0; n < max_keys; ++n) {
    const bool l = live_->Valid();
    const bool s = shadow_->Valid();
    if (!l || !s) {
      if (!live_->status().ok()) return agora::unexpected{"reading the live model: " + live_->status().ToString()};
      if (!shadow_->status().ok()) return agora::unexpected{"reading the shadow: " + shadow_->status().ToString()};
    }
    if (!l && !s) return true;
    ++compared_;
    const int c = !l ? 1 : !s ? -1 : live_->key().compare(shadow_->key());
    if (c < 0) {
      ++into.live_entries;
      note(key_difference::kind::only_live, view(live_->key()), into);
      live_->Next();
    } else if (c > 0) {
      ++into.shadow_entries;
      note(key_difference::kind::only_shadow, view(shadow_->key()), into);
      shadow_->Next();
    } else {
      ++into.live_entries;
      ++into.shadow_entries;
      if (live_->value() != shadow_->value()) note(key_difference::kind::value_differs, view(live_->key()), into);
      live_->Next();
      shadow_->Next();
    }
  }
  return false;
}

namespace {

struct prefix_name {
  char prefix;
  const char* name;
};

// The models' key prefixes (see each model's flush()).
constexpr std::array<prefix_name, 2> kCatalog{{{'p', "product"}, {'i', "stock"}}};
constexpr std::array<prefix_name, 7> kOrders{{{'o', "order"},
                                              {'h', "order history"},
                                              {'a', "index of all orders"},
                                              {'s', "index by status"},
                                              {'c', "index by customer"},
                                              {'d', "index by customer and status"},
                                              {'#', "order count"}}};
constexpr std::array<prefix_name, 3> kAccounts{{{'i', "account"}, {'e', "e-mail index"}, {'#', "account count"}}};
constexpr std::array<prefix_name, 7> kDashboard{{{'o', "order facts"},
                                                 {'s', "orders by status"},
                                                 {'r', "revenue by currency"},
                                                 {'u', "units sold"},
                                                 {'p', "product"},
                                                 {'i', "stock"},
                                                 {'n', "totals"}}};

template <std::size_t N>
const char* find_name(const std::array<prefix_name, N>& table, char prefix) {
  for (const auto& p : table) {
    if (p.prefix == prefix) return p.name;
  }
  return nullptr;
}

const char* name_of(std::string_view model, char prefix) {
  if (model == "catalog") return find_name(kCatalog, prefix);
  if (model == "orders") return find_name(kOrders, prefix);
  if (model == "accounts") return find_name(kAccounts, prefix);
  if (model == "dashboard") return find_name(kDashboard, prefix);
  return nullptr;
}

void append_readable(std::string& out, std::string_view bytes) {
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) {
      out.push_back('/');
    } else if (c < 0x20 || c >= 0x7f || c == '\\') {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out.append(buf);
    } else {
      out.push_back(ch);
    }
  }
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

std::string describe_key(std::string_view model, std::string_view key) {
  std::string out;
  if (key.empty()) return "(empty key)";
  const char* name = name_of(model, key.front());
  std::string_view rest = key.substr(1);
  if (name == nullptr) {
    append_readable(out, key);
    return out;
  }
  out.append(name);
  if (rest.empty()) return out;
  out.push_back(' ');
  if (model == "accounts" && key.front() == 'e') {
    // Personal data does not leave the store, not even in a report.
    char buf[64];
    std::snprintf(buf, sizeof buf, "(address withheld, fnv %016llx)", static_cast<unsigned long long>(fnv1a(rest)));
    out.append(buf);
    return out;
  }
  if (model == "orders" && key.front() == 'h' && rest.size() > 9 && rest[rest.size() - 9] == '\0') {
    // An order's history entry: the order id, then its version (8 bytes, big-endian).
    std::uint64_t version = 0;
    for (std::size_t i = rest.size() - 8; i < rest.size(); ++i) {
      version = (version << 8) | static_cast<unsigned char>(rest[i]);
    }
    append_readable(out, rest.substr(0, rest.size() - 9));
    out.append(" version ").append(std::to_string(version));
    return out;
  }
  append_readable(out, rest);
  return out;
}

}  // namespace agora::projections::detail
