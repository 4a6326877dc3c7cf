#pragma once
// Internal to agora_projections: what the runner hands to each read model.
//
// The runner decodes each log event once (the stream id prefix selects the
// aggregate's codec) and gives the decoded event to every model. A model is
// its writable state plus publish(), which swaps its next immutable snapshot
// into the slot readers load from.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "actors/domain/cart.hpp"
#include "actors/domain/customer.hpp"
#include "actors/domain/inventory.hpp"
#include "actors/domain/order.hpp"
#include "actors/domain/product.hpp"
#include "actors/domain/claim.hpp"
#include "actors/domain/notification.hpp"
#include "common/expected.hpp"
#include "eventstore/event.hpp"
#include "projections/src/model_db.hpp"

namespace agora::projections::detail {

/// The aggregate kind of a stream, from its id prefix.
/// Notification streams (broadcasts) have no aggregate and no codec here: no
/// read model folds them; only the change router sends them on.
enum class stream_kind { product, inventory, cart, order, customer, claim, notification, unknown };

/// One decoded log event. `view` and `id` point into the scan's buffer and are
/// valid only while the event is being applied.
struct decoded_event {
  const eventstore::event_view* view = nullptr;
  stream_kind kind = stream_kind::unknown;
  /// The stream id without the `<kind>-` prefix (the aggregate id).
  std::string_view id;
  std::variant<std::monostate, domain::product::event, domain::inventory::event,
               domain::cart::event, domain::order::event, domain::customer::event,
               domain::claim::event>
      event;
};

/// Classifies `stream` by prefix; `id` receives the rest.
stream_kind classify(std::string_view stream, std::string_view& id) noexcept;

/// Decodes `v` with its aggregate's codec. A stream of an unknown kind decodes
/// to monostate (ignored by every model); an event its codec rejects is an error.
agora::expected<decoded_event, std::string> decode(const eventstore::event_view& v);

/// One read model's writable state. Used by the runner thread only.
///
/// A publish is: flush() of every model into one batch, the batch written
/// (with each model's position), then publish() of every model with a
/// snapshot of the database taken after the write: readers of a published
/// snapshot see exactly the events up to its position.
class model {
 public:
  virtual ~model() = default;
  /// Folds one event in. Never fails: events are facts; what a model cannot
  /// use it ignores.
  virtual void apply(const decoded_event& e) = 0;
  /// Adds what apply() changed since the last flush to `batch`.
  virtual void flush(rocksdb::WriteBatch& batch) = 0;
  /// Builds the snapshot of everything applied so far (up to `position`),
  /// reading what is on disk through `snap`, and swaps it into the model's slot.
  virtual void publish(eventstore::log_position position, const snapshot_ptr& snap) = 0;
  /// At start, for a model resumed from disk: reads back what it keeps in
  /// memory. An error means the stored model cannot be used (rebuild it).
  virtual agora::expected<void, std::string> load() { return {}; }
};

/// Format versions of the models on disk: bump one whenever its layout or
/// the meaning of a stored field changes, and the model is rebuilt from the
/// log at the next start instead of being misread.
namespace formats {
inline constexpr std::uint32_t catalog = 1;
inline constexpr std::uint32_t orders = 1;
inline constexpr std::uint32_t accounts = 1;
inline constexpr std::uint32_t dashboard = 1;
}  // namespace formats

}  // namespace agora::projections::detail
