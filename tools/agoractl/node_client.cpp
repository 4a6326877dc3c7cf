#include "tools/agoractl/node_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cctype>
#include <charconv>

namespace agora::agoractl {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

expected<node_url, std::string> parse_node_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.rfind("https://", 0) == 0) {
    return unexpected{"--url " + url + ": https is not supported (agorad serves http; use its address behind the proxy)"};
  }
  if (url.rfind(scheme, 0) != 0) return unexpected{"--url " + url + ": expected http://HOST[:PORT]"};
  std::string_view rest(url);
  rest.remove_prefix(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) {
    return unexpected{"--url " + url + ": no path expected after the host (the node serves /api at its root)"};
  }
  node_url out;
  out.text = url;
  std::string_view host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:8080
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return unexpected{"--url " + url + ": unclosed '['"};
    host = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon);
  }
  if (host.empty()) return unexpected{"--url " + url + ": no host"};
  out.host = std::string(host);
  if (!rest.empty()) {
    if (rest.front() != ':') return unexpected{"--url " + url + ": expected ':PORT' after the host"};
    rest.remove_prefix(1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
    if (ec != std::errc() || end != rest.data() + rest.size() || port == 0 || port > 65535) {
      return unexpected{"--url " + url + ": the port must be 1..65535"};
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

struct node_client::impl {
  std::chrono::milliseconds timeout;
  std::size_t body_limit;
  asio::io_context ioc;
  tcp::socket socket{ioc};
  boost::beast::flat_buffer buffer;

  void close() {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    buffer.clear();
  }

  // Runs the posted operation until it sets `result` or the timeout passes
  // (then it is cancelled and the socket closed).
  bool run(boost::system::error_code& result) {
    ioc.restart();
    ioc.run_for(timeout);
    if (result == asio::error::would_block) {
      close();
      ioc.restart();
      ioc.run();  // lets the cancelled operation finish
      return false;
    }
    return true;
  }
};

node_client::node_client(node_url url, std::chrono::milliseconds timeout, std::size_t body_limit)
    : url_(std::move(url)), impl_(std::make_unique<impl>()) {
  impl_->timeout = timeout;
  impl_->body_limit = body_limit;
}

node_client::~node_client() = default;

namespace {

std::string lowered(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

expected<node_answer, std::string> node_client::request(std::string_view method, std::string_view target,
                                                        const std::string& body, const std::string& token) {
  auto& s = *impl_;
  const std::string where = "the node at " + url_.text;
  const std::string slow = where + " did not answer within " + std::to_string(s.timeout.count()) + " ms";
  // Two tries when the kept connection turns out closed by the node (its
  // idle timeout): a fresh connection then.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = s.socket.is_open();
    if (!reused) {
      boost::system::error_code result = asio::error::would_block;
      tcp::resolver resolver(s.ioc);
      tcp::resolver::results_type endpoints;
      resolver.async_resolve(url_.host, std::to_string(url_.port),
                             [&](boost::system::error_code ec, tcp::resolver::results_type r) {
                               result = ec;
                               endpoints = std::move(r);
                             });
      if (!s.run(result)) return unexpected{"cannot resolve " + url_.host + " within " + std::to_string(s.timeout.count()) + " ms"};
      if (result) return unexpected{"cannot reach " + where + ": " + lowered(result.message())};
      result = asio::error::would_block;
      asio::async_connect(s.socket, endpoints, [&](boost::system::error_code ec, const tcp::endpoint&) { result = ec; });
      if (!s.run(result)) return unexpected{"cannot reach " + where + ": no connection within " + std::to_string(s.timeout.count()) + " ms"};
      if (result) {
        s.close();
        return unexpected{"cannot reach " + where + ": " + lowered(result.message())};
      }
    }
    bhttp::request<bhttp::string_body> req;
    req.method_string(boost::beast::string_view(method.data(), method.size()));
    req.target(boost::beast::string_view(target.data(), target.size()));
    req.version(11);
    req.set(bhttp::field::host, url_.host + ":" + std::to_string(url_.port));
    req.set(bhttp::field::user_agent, "agoractl");
    req.set(bhttp::field::accept, "application/json");
    if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
    if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    boost::system::error_code result = asio::error::would_block;
    bhttp::async_write(s.socket, req, [&](boost::system::error_code ec, std::size_t) { result = ec; });
    if (!s.run(result)) return unexpected{slow};
    if (result) {
      s.close();
      if (reused) continue;
      return unexpected{"cannot reach " + where + ": " + lowered(result.message())};
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(s.body_limit);
    const std::string too_large = where + " answered more than " + std::to_string(s.body_limit) + " bytes";
    // The head first: Beast 1.74 lets a Content-Length over the limit through
    // when the body arrives in the same read as the head, so the length is
    // checked here (the parser's limit still bounds a chunked body).
    result = asio::error::would_block;
    bhttp::async_read_header(s.socket, s.buffer, parser, [&](boost::system::error_code ec, std::size_t) { result = ec; });
    if (!s.run(result)) return unexpected{slow};
    if (!result && parser.content_length() && *parser.content_length() > s.body_limit) {
      s.close();
      return unexpected{too_large};
    }
    if (!result) {
      result = asio::error::would_block;
      bhttp::async_read(s.socket, s.buffer, parser, [&](boost::system::error_code ec, std::size_t) { result = ec; });
      if (!s.run(result)) return unexpected{slow};
    }
    if (result == bhttp::error::body_limit) {
      s.close();
      return unexpected{too_large};
    }
    if (result) {
      s.close();
      // A kept connection the node closed meanwhile: once more, afresh.
      if (reused && (result == bhttp::error::end_of_stream || result == asio::error::connection_reset)) continue;
      return unexpected{where + " broke the connection: " + lowered(result.message())};
    }
    auto msg = parser.release();
    node_answer out;
    out.status = static_cast<int>(msg.result_int());
    out.content_type = std::string(msg[bhttp::field::content_type]);
    out.retry_after = std::string(msg[bhttp::field::retry_after]);
    out.body = std::move(msg.body());
    if (!msg.keep_alive()) s.close();
    return out;
  }
  return unexpected{"cannot reach " + where + ": the connection keeps closing"};
}

}  // namespace agora::agoractl
