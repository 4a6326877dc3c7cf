#include "eventstore/src/envelope_codec.hpp"

#include <cstring>

#include "eventstore/src/byte_order.hpp"

namespace agora::eventstore::detail {

std::string encode_envelope(std::string_view stream, const new_event& e) {
  const std::size_t total = kEnvelopeHeaderBytes + stream.size() + e.type.size() +
                            e.correlation_id.size() + e.causation_id.size() + e.actor.size() +
                            e.data.size();
  std::string out(total, '\0');
  char* p = out.data();
  p[0] = static_cast<char>(kEnvelopeFormat1);
  p[1] = 0;
  put_le<std::uint16_t>(p + 2, static_cast<std::uint16_t>(e.type.size()));
  put_le<std::uint32_t>(p + 4, e.schema_version);
  put_le<std::uint64_t>(p + 8, 0);
  put_le<std::int64_t>(p + 16, e.timestamp);
  std::memcpy(p + 24, e.id.bytes().data(), 16);
  put_le<std::uint16_t>(p + 40, static_cast<std::uint16_t>(stream.size()));
  put_le<std::uint16_t>(p + 42, static_cast<std::uint16_t>(e.correlation_id.size()));
  put_le<std::uint16_t>(p + 44, static_cast<std::uint16_t>(e.causation_id.size()));
  put_le<std::uint16_t>(p + 46, static_cast<std::uint16_t>(e.actor.size()));
  put_le<std::uint32_t>(p + 48, static_cast<std::uint32_t>(e.data.size()));
  put_le<std::uint32_t>(p + 52, 0);
  char* w = p + kEnvelopeHeaderBytes;
  auto put = [&w](std::string_view s) {
    if (!s.empty()) std::memcpy(w, s.data(), s.size());
    w += s.size();
  };
  put(stream);
  put(e.type);
  put(e.correlation_id);
  put(e.causation_id);
  put(e.actor);
  put(e.data);
  return out;
}

void patch_stream_version(std::string& envelope, std::uint64_t version) noexcept {
  put_le<std::uint64_t>(envelope.data() + kStreamVersionOffset, version);
}

agora::expected<event_view, std::string> decode_envelope(std::string_view bytes,
                                                         std::uint64_t position) noexcept {
  if (bytes.size() < kEnvelopeHeaderBytes) {
    return agora::unexpected{std::string("envelope shorter than its header")};
  }
  const char* p = bytes.data();
  if (static_cast<std::uint8_t>(p[0]) != kEnvelopeFormat1) {
    return agora::unexpected{std::string("unknown envelope format")};
  }
  const std::size_t type_len = get_le<std::uint16_t>(p + 2);
  const std::size_t stream_len = get_le<std::uint16_t>(p + 40);
  const std::size_t corr_len = get_le<std::uint16_t>(p + 42);
  const std::size_t cause_len = get_le<std::uint16_t>(p + 44);
  const std::size_t actor_len = get_le<std::uint16_t>(p + 46);
  const std::size_t data_len = get_le<std::uint32_t>(p + 48);
  if (kEnvelopeHeaderBytes + stream_len + type_len + corr_len + cause_len + actor_len + data_len !=
      bytes.size()) {
    return agora::unexpected{std::string("envelope lengths do not add up")};
  }
  event_view v;
  std::uint8_t id[16];
  std::memcpy(id, p + 24, 16);
  uuid::bytes_type b;
  std::memcpy(b.data(), id, 16);
  v.id = uuid(b);
  v.schema_version = get_le<std::uint32_t>(p + 4);
  v.version = get_le<std::uint64_t>(p + 8);
  v.timestamp = get_le<std::int64_t>(p + 16);
  v.position = position;
  const char* r = p + kEnvelopeHeaderBytes;
  auto take = [&r](std::size_t n) {
    std::string_view s(r, n);
    r += n;
    return s;
  };
  v.stream = take(stream_len);
  v.type = take(type_len);
  v.correlation_id = take(corr_len);
  v.causation_id = take(cause_len);
  v.actor = take(actor_len);
  v.data = take(data_len);
  return v;
}

}  // namespace agora::eventstore::detail
