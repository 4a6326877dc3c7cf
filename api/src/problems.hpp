#pragma once
// Private: how the API turns failures into Problem Details responses.

#include <vector>

#include "actors/command_service.hpp"
#include "api/request_bodies.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

namespace agora::api::detail {

/// 400 with every field error of a request body.
http::response invalid_body(const http::request& req, const std::vector<field_error>& errors);

/// The answer to a failed command:
/// - refused by the domain: invalid input (a field to blame) 400, another rule
///   422, a conflict (stock, state, uniqueness) 409, not found 404;
/// - overloaded or unavailable 503 with Retry-After; timeout 503 (the command
///   may still happen: the detail says so); storage 500.
http::response command_failed(const http::request& req, const actors::command_error& e);

http::response not_found(const http::request& req, std::string_view what);
http::response unauthorized(const http::request& req, std::string_view detail);
http::response forbidden(const http::request& req, std::string_view detail);
http::response unavailable(const http::request& req, std::string_view detail, int retry_after_s = 1);

}  // namespace agora::api::detail
