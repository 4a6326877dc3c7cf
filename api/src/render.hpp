#pragma once
// Private: the JSON shapes of the API's resources (docs/API.md), one renderer
// each, so every route shows a resource the same way.

#include <string>

#include "common/json_writer.hpp"
#include "projections/accounts.hpp"
#include "projections/catalog.hpp"
#include "projections/dashboard.hpp"
#include "projections/orders.hpp"

namespace agora::api::detail {

void write_product(json_writer& w, const projections::catalog_item& item);
void write_stock(json_writer& w, const projections::stock_view& s);
void write_order(json_writer& w, const projections::order_view& o);
void write_account(json_writer& w, const projections::account_view& a, bool with_name);

std::string render_product(const projections::catalog_item& item);
std::string render_stock(const projections::stock_view& s);
std::string render_order(const projections::order_view& o);
/// The cart resource from the cart aggregate's state JSON (actors' get_state).
/// Returns an empty string when the state is not a cart that exists.
std::string render_cart(std::string_view state_json);

}  // namespace agora::api::detail
