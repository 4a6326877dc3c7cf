// server_options: reading the http.* keys and checking them.

#include "http/src/server_options.hpp"

#include <algorithm>
#include <cstdint>

#include "common/config.hpp"
#include "http/request.hpp"

namespace agora::http {

expected<server_options, option_error> server_options::from_config(config& cfg) {
  server_options o;
  o.address = cfg.get_string("http.address", o.address, "address the HTTP server listens on");
  const auto port = cfg.get_int("http.port", o.port, "HTTP port; 0 picks a free one");
  o.port = static_cast<std::uint16_t>(port);
  o.io_threads = static_cast<int>(cfg.get_int("http.io_threads", o.io_threads, "HTTP io threads"));
  o.body_limit = cfg.get_bytes("http.body_limit", o.body_limit, "largest request body (413 beyond)");
  o.header_limit = cfg.get_bytes("http.header_limit", o.header_limit, "largest request header block (431 beyond)");
  o.read_timeout = std::chrono::milliseconds(
      cfg.get_duration_ms("http.read_timeout", o.read_timeout.count(), "idle keep-alive / slow request timeout"));
  o.header_timeout = std::chrono::milliseconds(cfg.get_duration_ms(
      "http.header_timeout", o.header_timeout.count(),
      "a request head must be complete within this (from accept, or from its first byte on keep-alive)"));
  o.write_timeout = std::chrono::milliseconds(
      cfg.get_duration_ms("http.write_timeout", o.write_timeout.count(), "timeout writing one response"));
  o.request_timeout = std::chrono::milliseconds(
      cfg.get_duration_ms("http.request_timeout", o.request_timeout.count(), "handler deadline (503 beyond)"));
  const auto pipelined =
      cfg.get_int("http.max_pipelined", static_cast<std::int64_t>(o.max_pipelined), "pipelined requests per connection");
  o.max_pipelined = static_cast<std::size_t>(std::max<std::int64_t>(0, pipelined));
  const auto connections =
      cfg.get_int("http.max_connections", static_cast<std::int64_t>(o.max_connections), "open connections at most");
  o.max_connections = static_cast<std::size_t>(std::max<std::int64_t>(0, connections));
  const auto per_ip = cfg.get_int("http.max_connections_per_ip", static_cast<std::int64_t>(o.max_connections_per_ip),
                                  "open connections per client address at most (trusted proxies exempt); 0: no cap");
  o.max_connections_per_ip = static_cast<std::size_t>(std::max<std::int64_t>(0, per_ip));
  o.trusted_proxies = split_list(cfg.get_string(
      "http.trusted_proxies", "",
      "load balancers (IPs or CIDRs, comma-separated) whose X-Forwarded-For names the client; empty: none"));
  o.shutdown_grace = std::chrono::milliseconds(
      cfg.get_duration_ms("http.shutdown_grace", o.shutdown_grace.count(), "time in-flight requests get on stop"));
  o.cors_origins = split_list(cfg.get_string("http.cors_origins", "", "allowed CORS origins, comma-separated, or *"));
  o.access_log = cfg.get_bool("http.access_log", o.access_log, "one log line per request");
  // Every key is read (and so declared for --print-config) before the first
  // refusal. Negative counts are refused here, before an unsigned member
  // could hold them; the rest is validate()'s.
  if (port < 0 || port > 65535) return unexpected(make_option_error("http.port", "must be in 0..65535"));
  if (pipelined < 1) return unexpected(make_option_error("http.max_pipelined", "must be >= 1"));
  if (connections < 1) return unexpected(make_option_error("http.max_connections", "must be >= 1"));
  if (per_ip < 0) return unexpected(make_option_error("http.max_connections_per_ip", "must be >= 0 (0: no cap)"));
  if (auto valid = o.validate(); !valid) return unexpected(std::move(valid).error());
  return o;
}

expected<address_set, std::string> parse_trusted_proxies(const server_options& options) {
  std::string list;
  for (const auto& p : options.trusted_proxies) list += (list.empty() ? "" : ",") + p;
  auto proxies = address_set::parse(list);
  if (!proxies) return unexpected("invalid http.trusted_proxies: " + proxies.error());
  return proxies;
}

expected<void, option_error> server_options::validate() const {
  if (io_threads < 1) return unexpected(make_option_error("http.io_threads", "must be >= 1"));
  if (header_timeout.count() <= 0) return unexpected(make_option_error("http.header_timeout", "must be > 0"));
  if (max_pipelined < 1) return unexpected(make_option_error("http.max_pipelined", "must be >= 1"));
  if (max_connections < 1) return unexpected(make_option_error("http.max_connections", "must be >= 1"));
  if (auto proxies = parse_trusted_proxies(*this); !proxies) {
    return unexpected(option_error{"http.trusted_proxies", proxies.error()});
  }
  return {};
}

}  // namespace agora::http
