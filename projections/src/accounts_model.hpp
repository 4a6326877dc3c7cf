#pragma once
// Internal to agora_projections: the accounts' state and model.

#include <memory>
#include <string>

#include "projections/accounts.hpp"
#include "projections/src/cow_map.hpp"
#include "projections/src/model.hpp"

namespace agora::projections {

struct accounts_snapshot::state {
  eventstore::log_position position = 0;
  detail::cow_map<std::string, std::shared_ptr<const account_view>> by_id;
  detail::cow_map<std::string, std::shared_ptr<const account_view>> by_email;
};

namespace detail {

/// The accounts model.
class accounts_model final : public model {
 public:
  /// Publishes into `*slot` with std::atomic_store.
  explicit accounts_model(std::shared_ptr<const accounts_snapshot>* slot);

  void apply(const decoded_event& e) override;
  void publish(eventstore::log_position position) override;

 private:
  std::shared_ptr<const accounts_snapshot>* slot_;
  accounts_snapshot::state st_;
};

}  // namespace detail
}  // namespace agora::projections
