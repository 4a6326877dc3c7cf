#pragma once
// Internal to agora_projections: the key-by-key comparison behind a dry run
// (projection_runner::dry_run). Two iterators over one consistent snapshot of
// the live model's family and its shadow's are walked side by side in key
// order, a bounded number of keys per step, so that the runner thread can
// interleave the comparison of a large model with its live work, as it does
// with a rebuild's batches.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/iterator.h>

#include "common/expected.hpp"
#include "projections/dry_run.hpp"

namespace agora::projections::detail {

/// Compares two ordered key-value sequences, step by step.
class model_diff {
 public:
  /// `live` and `shadow` iterate the two families (at one snapshot; the
  /// caller keeps what they read alive); `model` names the read model, for
  /// the keys' descriptions (describe_key).
  model_diff(std::string model, std::unique_ptr<rocksdb::Iterator> live, std::unique_ptr<rocksdb::Iterator> shadow);

  /// Compares at most `max_keys` more keys. True once both sides are
  /// exhausted (the counts in `into` are then final); an error when an
  /// iterator failed (a read error in the database).
  agora::expected<bool, std::string> step(std::size_t max_keys, dry_run_report& into);

  /// Keys looked at so far (on either side).
  std::uint64_t keys_compared() const noexcept { return compared_; }

 private:
  void note(key_difference::kind what, std::string_view key, dry_run_report& into);

  std::string model_;
  std::unique_ptr<rocksdb::Iterator> live_;
  std::unique_ptr<rocksdb::Iterator> shadow_;
  bool started_ = false;
  std::uint64_t compared_ = 0;
};

/// A stored key of read model `model` made readable for an operator: the
/// entry's kind from its prefix byte ("order", "stock", "index by
/// status"...), then the rest with NUL separators shown as '/' and other
/// non-printable bytes as \xNN. Keys holding an e-mail address (the accounts'
/// e-mail index) show a fingerprint instead of the address.
std::string describe_key(std::string_view model, std::string_view key);

}  // namespace agora::projections::detail
