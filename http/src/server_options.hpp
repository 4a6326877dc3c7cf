#pragma once
// Private: what server_options' checks produce for the server itself.

#include <string>

#include "common/expected.hpp"
#include "http/server.hpp"
#include "http/src/client_address.hpp"

namespace agora::http {

/// options.trusted_proxies as a set; the error names http.trusted_proxies and
/// the entry that does not parse.
expected<address_set, std::string> parse_trusted_proxies(const server_options& options);

}  // namespace agora::http
