#include "projections/src/model.hpp"

namespace agora::projections::detail {

namespace {

bool take_prefix(std::string_view stream, std::string_view kind, std::string_view& id) noexcept {
  if (stream.size() <= kind.size() || stream.substr(0, kind.size()) != kind ||
      stream[kind.size()] != '-') {
    return false;
  }
  id = stream.substr(kind.size() + 1);
  return true;
}

template <class Event>
agora::expected<decoded_event, std::string> wrap(decoded_event d,
                                                 agora::expected<Event, domain::domain_error> r) {
  if (!r) return agora::unexpected{std::move(r).error().message};
  d.event = std::move(*r);
  return d;
}

}  // namespace

stream_kind classify(std::string_view stream, std::string_view& id) noexcept {
  if (take_prefix(stream, domain::order::kind, id)) return stream_kind::order;
  if (take_prefix(stream, domain::inventory::kind, id)) return stream_kind::inventory;
  if (take_prefix(stream, domain::product::kind, id)) return stream_kind::product;
  if (take_prefix(stream, domain::cart::kind, id)) return stream_kind::cart;
  if (take_prefix(stream, domain::customer::kind, id)) return stream_kind::customer;
  if (take_prefix(stream, domain::claim::kind, id)) return stream_kind::claim;
  if (take_prefix(stream, domain::notification::kind, id)) return stream_kind::notification;
  id = stream;
  return stream_kind::unknown;
}

agora::expected<decoded_event, std::string> decode(const eventstore::event_view& v) {
  decoded_event d;
  d.view = &v;
  d.kind = classify(v.stream, d.id);
  switch (d.kind) {
    case stream_kind::product:
      return wrap(std::move(d), domain::product::decode(v.type, v.schema_version, v.data));
    case stream_kind::inventory:
      return wrap(std::move(d), domain::inventory::decode(v.type, v.schema_version, v.data));
    case stream_kind::cart:
      return wrap(std::move(d), domain::cart::decode(v.type, v.schema_version, v.data));
    case stream_kind::order:
      return wrap(std::move(d), domain::order::decode(v.type, v.schema_version, v.data));
    case stream_kind::customer:
      return wrap(std::move(d), domain::customer::decode(v.type, v.schema_version, v.data));
    case stream_kind::claim:
      return wrap(std::move(d), domain::claim::decode(v.type, v.schema_version, v.data));
    case stream_kind::notification:
    case stream_kind::unknown:
      break;
  }
  return d;
}

}  // namespace agora::projections::detail
