#pragma once
// Internal to agora_projections: the accounts' state and model, on disk in
// the model's column family:
//
//   'i' <customer id>  -> the account
//   'e' <e-mail key>   -> customer id (the e-mail as by_email() normalizes it)
//   '#'                -> how many accounts

#include <cstddef>
#include <memory>
#include <string>

#include "projections/accounts.hpp"
#include "projections/src/model.hpp"

namespace agora::projections {

struct accounts_snapshot::state {
  eventstore::log_position position = 0;
  /// Null: the empty model (before the runner publishes).
  std::shared_ptr<const detail::kv_view> view;
  std::size_t count = 0;
};

namespace detail {

/// The accounts model.
class accounts_model final : public model {
 public:
  /// Publishes into `*slot` with std::atomic_store.
  accounts_model(std::shared_ptr<const accounts_snapshot>* slot, kv_writer store);

  void apply(const decoded_event& e) override;
  void flush(rocksdb::WriteBatch& batch) override;
  void publish(eventstore::log_position position, const snapshot_ptr& snap) override;
  agora::expected<void, std::string> load() override;

 private:
  std::shared_ptr<const accounts_snapshot>* slot_;
  kv_writer store_;
  stored_count count_{"#"};
};

}  // namespace detail
}  // namespace agora::projections
