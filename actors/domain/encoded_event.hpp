#pragma once
// The stored form of one event: what the event store persists and what decode()
// reads back. The domain owns the mapping; the store treats data as opaque JSON.

#include <cstdint>
#include <string>

namespace agora::domain {

/// One event as stored: PascalCase past-tense type (e.g. "OrderPlaced"), the
/// schema version of `data`, and `data`, a JSON object.
struct encoded_event {
  std::string type;
  std::uint32_t schema_version = 1;
  std::string data;
};

inline bool operator==(const encoded_event& a, const encoded_event& b) {
  return a.type == b.type && a.schema_version == b.schema_version && a.data == b.data;
}
inline bool operator!=(const encoded_event& a, const encoded_event& b) { return !(a == b); }

}  // namespace agora::domain
