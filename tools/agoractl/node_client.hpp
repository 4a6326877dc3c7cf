#pragma once
// A small synchronous HTTP/1.1 client for agoractl's online commands: one
// request at a time to a running node, each operation bounded by a timeout,
// answers bounded in size, every failure a message (never an exception).
// Beast stays in node_client.cpp.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace agora::agoractl {

/// Where a node listens: from a URL "http://host[:port][/]".
struct node_url {
  std::string host;
  std::uint16_t port = 80;
  /// The URL as given, for messages.
  std::string text;
};

/// Parses `url`. Only http:// (agorad serves plain HTTP; TLS ends in front of
/// it): https and anything else is an error saying so.
expected<node_url, std::string> parse_node_url(const std::string& url);

/// One answer of the node.
struct node_answer {
  int status = 0;
  std::string content_type;
  /// Retry-After, when given (503, 429).
  std::string retry_after;
  std::string body;
};

class node_client {
 public:
  /// `timeout` bounds each step (connect, write, read); an answer body over
  /// `body_limit` bytes is an error.
  node_client(node_url url, std::chrono::milliseconds timeout, std::size_t body_limit = 16u << 20);
  ~node_client();
  node_client(const node_client&) = delete;
  node_client& operator=(const node_client&) = delete;

  /// `method target` with a JSON `body` (when not empty) and a bearer token
  /// (when not empty). Keeps the connection for the next request while the
  /// node allows it. Errors: "cannot reach the node at URL: connection
  /// refused", "the node at URL did not answer within N ms", and the like.
  expected<node_answer, std::string> request(std::string_view method, std::string_view target,
                                             const std::string& body = {}, const std::string& token = {});

  const node_url& url() const noexcept { return url_; }

 private:
  struct impl;
  node_url url_;
  std::unique_ptr<impl> impl_;
};

}  // namespace agora::agoractl
