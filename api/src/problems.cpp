#include "api/src/problems.hpp"

#include <spdlog/spdlog.h>

#include "common/json_writer.hpp"

namespace agora::api::detail {

namespace {

std::vector<http::field_error> to_http(const std::vector<field_error>& errors) {
  std::vector<http::field_error> out;
  out.reserve(errors.size());
  for (const auto& e : errors) out.push_back({e.field, e.message});
  return out;
}

http::response with_retry_after(http::response r, int seconds) {
  r.headers.set("Retry-After", std::to_string(seconds));
  return r;
}

}  // namespace

http::response invalid_body(const http::request& req, const std::vector<field_error>& errors) {
  return http::problem(req, 400, "validation", "Invalid request body",
                       errors.size() == 1 && errors.front().field.empty() ? errors.front().message
                                                                          : "one or more fields are invalid",
                       to_http(errors));
}

http::response command_failed(const http::request& req, const actors::command_error& e) {
  using actors::command_errc;
  switch (e.code) {
    case command_errc::rejected: {
      const auto& d = e.domain;
      const std::string code = domain::to_string(d.code);
      auto extra = [code](json_writer& w) { w.key("code").value(code); };
      if (d.code == domain::domain_errc::invalid_argument && !d.field.empty()) {
        return http::problem(req, 400, "validation", "Invalid request", d.message, {{d.field, d.message}}, extra);
      }
      switch (domain::kind_of(d.code)) {
        case domain::error_kind::not_found:
          return http::problem(req, 404, "not-found", "Not found", d.message, {}, extra);
        case domain::error_kind::conflict:
          return http::problem(req, 409, code, "Conflict", d.message,
                               d.field.empty() ? std::vector<http::field_error>{}
                                               : std::vector<http::field_error>{{d.field, d.message}},
                               extra);
        case domain::error_kind::invalid:
          return http::problem(req, 422, code, "Refused by a business rule", d.message, {}, extra);
      }
      return http::problem(req, 422, code, "Refused", d.message, {}, extra);
    }
    case command_errc::precondition_failed:
      return http::problem(req, 412, "precondition-failed", "Precondition failed", e.message);
    default:
      break;
  }
  // The rest are the server's own troubles: their messages name internals
  // (paths, store errors, queue sizes), so they go to the log, with the
  // request id the client sees, and the client gets a generic detail.
  spdlog::warn("api {} {}: command failed ({}): {} (request {})", http::to_string(req.method), req.path,
               static_cast<int>(e.code), e.message, req.request_id);
  switch (e.code) {
    case command_errc::overloaded:
      return with_retry_after(http::problem(req, 503, "overloaded", "Overloaded", "too busy right now; retry"), 1);
    case command_errc::unavailable:
      return with_retry_after(
          http::problem(req, 503, "unavailable", "Service unavailable", "temporarily unavailable; retry"), 1);
    case command_errc::timeout:
      return with_retry_after(http::problem(req, 503, "timeout", "No answer in time",
                                            "the command was not confirmed in time; it may still take effect"),
                              1);
    case command_errc::storage:
      return http::problem(req, 500, "storage", "Storage failure",
                           "the change could not be stored; quote the request id to the operator");
    default:
      break;
  }
  return http::problem(req, 500, "internal", "Internal error", "quote the request id to the operator");
}

http::response not_found(const http::request& req, std::string_view what) {
  return http::problem(req, 404, "not-found", "Not found", std::string(what) + " not found");
}

http::response unauthorized(const http::request& req, std::string_view detail) {
  auto r = http::problem(req, 401, "unauthorized", "Authentication required", detail);
  r.headers.set("WWW-Authenticate", "Bearer");
  return r;
}

http::response forbidden(const http::request& req, std::string_view detail) {
  return http::problem(req, 403, "forbidden", "Forbidden", detail);
}

http::response unavailable(const http::request& req, std::string_view detail, int retry_after_s) {
  return with_retry_after(http::problem(req, 503, "unavailable", "Service unavailable", detail), retry_after_s);
}

}  // namespace agora::api::detail
