#pragma once
// Product: a catalogue entry. Stream `product-<product_id>`.
//
//   (none) --create--> active --update_details / change_price--> active
//                      active --discontinue--> discontinued (terminal: every
//                      further command is illegal_transition)
//
// SKU uniqueness across products is not decidable inside one product stream: the
// actor claims `claim-sku:<sku>` (see claim.hpp) before sending create.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain/domain_error.hpp"
#include "actors/domain/encoded_event.hpp"
#include "actors/domain/money.hpp"
#include "common/clock.hpp"

namespace agora::domain::product {

/// Stream ids are `product-<product_id>`.
inline constexpr std::string_view kind = "product";
inline constexpr std::uint32_t state_schema_version = 1;
inline constexpr std::int64_t max_price_minor = 1'000'000'000'000;
inline constexpr std::size_t max_images = 20;

// ---- commands ---------------------------------------------------------------

/// Creates the product. sku [A-Za-z0-9._-]{1,64}; name 1..200 bytes; description
/// <= 5000; category 1..100; 0 <= price <= 10^12 minor units; <= 20 image URLs of
/// 1..2048 bytes.
struct create {
  std::string product_id;
  std::string sku;
  std::string name;
  std::string description;
  money price;
  std::string category;
  std::vector<std::string> image_urls;
  timestamp_us now = 0;
};
/// Changes the given details (absent = unchanged). No change -> no events.
struct update_details {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<std::vector<std::string>> image_urls;
  timestamp_us now = 0;
};
/// Sets the price. The same price -> no events.
struct change_price {
  money price;
  timestamp_us now = 0;
};
/// Withdraws the product from sale, for good.
struct discontinue {
  std::string reason;
  timestamp_us now = 0;
};

using command = std::variant<create, update_details, change_price, discontinue>;

// ---- events -----------------------------------------------------------------

/// "ProductCreated"
struct product_created {
  std::string product_id;
  std::string sku;
  std::string name;
  std::string description;
  money price;
  std::string category;
  std::vector<std::string> image_urls;
  timestamp_us at = 0;
};
/// "ProductDetailsUpdated": only the fields that changed are present.
struct product_details_updated {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<std::vector<std::string>> image_urls;
  timestamp_us at = 0;
};
/// "ProductPriceChanged"
struct product_price_changed {
  money old_price;
  money new_price;
  timestamp_us at = 0;
};
/// "ProductDiscontinued"
struct product_discontinued {
  std::string reason;
  timestamp_us at = 0;
};

using event = std::variant<product_created, product_details_updated, product_price_changed,
                           product_discontinued>;

// ---- state ------------------------------------------------------------------

struct state {
  bool exists = false;
  bool discontinued = false;
  std::string product_id;
  std::string sku;
  std::string name;
  std::string description;
  money price;
  std::string category;
  std::vector<std::string> image_urls;
  timestamp_us created_at = 0;
  timestamp_us updated_at = 0;
};

/// Decides what `cmd` records given `s`. Pure.
decision<event> decide(const state& s, const command& cmd);
/// Folds one event into `s`.
void evolve(state& s, const event& e);

/// The stored form of `e` (schema version 1).
encoded_event encode(const event& e);
/// Reads a stored event (errors: malformed).
agora::expected<event, domain_error> decode(std::string_view type, std::uint32_t schema_version,
                                            std::string_view json);
/// The stored type name of `e` ("ProductCreated").
std::string_view type_name(const event& e) noexcept;

/// A snapshot of `s` as JSON.
std::string encode_state(const state& s);
/// Reads a snapshot written by encode_state.
agora::expected<state, domain_error> decode_state(std::string_view json);

}  // namespace agora::domain::product
