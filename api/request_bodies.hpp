#pragma once
// The JSON bodies the REST API accepts, decoded and validated. Pure functions
// of the bytes: no I/O, no actors, so they are fuzzed (tests/fuzz) and tested
// directly. A body that fails gives every field problem at once, each with the
// field's name (JSON-pointer-like: "items[2].quantity"), for a 400 Problem.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"

namespace agora::api {

/// One thing wrong with a request body.
struct field_error {
  /// The field ("" for the body as a whole, e.g. malformed JSON).
  std::string field;
  std::string message;
};

template <class T>
using decoded = agora::expected<T, std::vector<field_error>>;

/// Largest quantity in one order line or cart line.
inline constexpr std::int64_t kMaxLineQuantity = 999;
/// Largest price, in minor units (10 billion in major units).
inline constexpr std::int64_t kMaxPriceMinor = 1'000'000'000'000;
/// Largest stock adjustment or initial stock.
inline constexpr std::int64_t kMaxStockQuantity = 1'000'000'000;
/// Lines in one order at most.
inline constexpr std::size_t kMaxOrderLines = 100;

/// POST /api/auth/register: {"email","password","name"}.
struct register_body {
  std::string email;
  std::string password;  ///< 8..128 bytes
  std::string name;
};
decoded<register_body> decode_register(std::string_view json);

/// POST /api/auth/login: {"email","password"}.
struct login_body {
  std::string email;
  std::string password;
};
decoded<login_body> decode_login(std::string_view json);

/// POST /api/auth/password: {"current_password","new_password"} (new 8..128 bytes).
struct password_change_body {
  std::string current_password;
  std::string new_password;
};
decoded<password_change_body> decode_password_change(std::string_view json);

/// POST /api/admin/notifications: {"title", "body", "level"}: a title of
/// 1..200 characters, a body of at most 2000, level info (default), warning
/// or critical.
struct notification_body {
  std::string title;
  std::string body;
  std::string level = "info";
};
decoded<notification_body> decode_notification(std::string_view json);

/// PUT /api/admin/customers/{id}/role: {"role"} ("customer" or "admin").
struct role_body {
  std::string role;
};
decoded<role_body> decode_role(std::string_view json);

/// POST /api/products.
struct product_body {
  std::string sku;
  std::string name;
  std::string description;
  std::int64_t price = 0;  ///< minor units
  std::string currency;
  std::string category;
  std::vector<std::string> image_urls;
  std::optional<std::int64_t> initial_stock;
  std::optional<std::int64_t> low_stock_threshold;
};
decoded<product_body> decode_product(std::string_view json);

/// PATCH /api/products/{id}: every member optional, at least one present.
struct product_patch {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<std::vector<std::string>> image_urls;
  std::optional<std::int64_t> price;
  std::optional<std::string> currency;
};
decoded<product_patch> decode_product_patch(std::string_view json);

/// POST /api/inventory/{sku}/adjustments: {"delta","reason"}.
struct adjustment_body {
  std::int64_t delta = 0;
  std::string reason;
};
decoded<adjustment_body> decode_adjustment(std::string_view json);

/// PUT /api/carts/{id}/items/{sku}: {"quantity"} (0 removes the line).
struct cart_item_body {
  std::int64_t quantity = 0;
};
decoded<cart_item_body> decode_cart_item(std::string_view json);

/// POST /api/orders: {"items":[{"sku","quantity"}]}.
struct order_line_body {
  std::string sku;
  std::int64_t quantity = 0;
};
struct order_body {
  std::vector<order_line_body> items;
};
decoded<order_body> decode_order(std::string_view json);

/// POST /api/orders/{id}/status: {"status"} (processing, shipped, delivered).
struct status_body {
  std::string status;
};
decoded<status_body> decode_status(std::string_view json);

/// POST /api/orders/{id}/pay: {"method"} (a payment token; optional, default "card").
struct pay_body {
  std::string method = "card";
};
decoded<pay_body> decode_pay(std::string_view json);

/// POST /api/orders/{id}/cancel: {"reason"} (optional; an empty body is fine).
struct cancel_body {
  std::string reason;
};
decoded<cancel_body> decode_cancel(std::string_view json);

}  // namespace agora::api
