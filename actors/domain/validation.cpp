#include "actors/domain/validation.hpp"

namespace agora::domain {

bool is_valid_sku(std::string_view sku) noexcept {
  if (sku.empty() || sku.size() > 64) return false;
  for (char c : sku) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

agora::expected<void, domain_error> validate_id(std::string_view id, std::string_view field) {
  if (id.empty() || id.size() > 128) {
    return agora::unexpected{make_error(domain_errc::invalid_argument,
                                        std::string(field) + " must be 1..128 bytes",
                                        std::string(field))};
  }
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return agora::unexpected{make_error(domain_errc::invalid_argument,
                                          std::string(field) + " must not contain control characters",
                                          std::string(field))};
    }
  }
  return {};
}

agora::expected<void, domain_error> validate_sku(std::string_view sku, std::string_view field) {
  if (!is_valid_sku(sku)) {
    return agora::unexpected{make_error(domain_errc::invalid_argument,
                                        std::string(field) + " must match [A-Za-z0-9._-]{1,64}",
                                        std::string(field))};
  }
  return {};
}

agora::expected<void, domain_error> validate_length(std::string_view text, std::size_t min_len,
                                                    std::size_t max_len, std::string_view field) {
  if (text.size() < min_len || text.size() > max_len) {
    return agora::unexpected{make_error(
        domain_errc::invalid_argument,
        std::string(field) + " must be " + std::to_string(min_len) + ".." +
            std::to_string(max_len) + " bytes, got " + std::to_string(text.size()),
        std::string(field))};
  }
  return {};
}

agora::expected<void, domain_error> validate_range(std::int64_t value, std::int64_t lo,
                                                   std::int64_t hi, std::string_view field) {
  if (value < lo || value > hi) {
    return agora::unexpected{make_error(
        domain_errc::invalid_argument,
        std::string(field) + " must be between " + std::to_string(lo) + " and " +
            std::to_string(hi) + ", got " + std::to_string(value),
        std::string(field))};
  }
  return {};
}

}  // namespace agora::domain
