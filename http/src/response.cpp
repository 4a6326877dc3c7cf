#include "http/response.hpp"

#include "common/json_writer.hpp"

namespace agora::http {

response response::json(int status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "application/json";
  return r;
}

response response::text(int status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

response response::empty(int status) {
  response r;
  r.status = status;
  return r;
}

response problem_response(const problem_details& p) {
  json_writer w(256);
  w.begin_object();
  w.key("type").value(std::string(problem_type_base) + p.type_suffix);
  w.key("title").value(p.title);
  w.key("status").value(p.status);
  if (!p.detail.empty()) w.key("detail").value(p.detail);
  if (!p.instance.empty()) w.key("instance").value(p.instance);
  if (!p.request_id.empty()) w.key("request_id").value(p.request_id);
  if (!p.errors.empty()) {
    w.key("errors").begin_array();
    for (const auto& e : p.errors) {
      w.begin_object().key("field").value(e.field).key("message").value(e.message).end_object();
    }
    w.end_array();
  }
  if (p.extra) p.extra(w);
  w.end_object();
  response r;
  r.status = p.status;
  r.body = std::move(w).take();
  r.content_type = "application/problem+json";
  return r;
}

response problem_at(std::string_view instance, std::string_view request_id, int status,
                    std::string_view type_suffix, std::string_view title, std::string_view detail,
                    std::vector<field_error> errors, std::function<void(json_writer&)> extra) {
  problem_details p;
  p.status = status;
  p.type_suffix = std::string(type_suffix);
  p.title = std::string(title);
  p.detail = std::string(detail);
  p.instance = std::string(instance);
  p.request_id = std::string(request_id);
  p.errors = std::move(errors);
  p.extra = std::move(extra);
  return problem_response(p);
}

response problem(const request& req, int status, std::string_view type_suffix, std::string_view title,
                 std::string_view detail, std::vector<field_error> errors, std::function<void(json_writer&)> extra) {
  return problem_at(req.path, req.request_id, status, type_suffix, title, detail, std::move(errors),
                    std::move(extra));
}

std::optional<response> require_json(const request& req) {
  if (req.has_json_body()) return std::nullopt;
  return problem(req, 415, "unsupported-media-type", "Unsupported Media Type",
                 "the request body must be application/json");
}

}  // namespace agora::http
