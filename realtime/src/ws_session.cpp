// One WebSocket connection (see ws_session.hpp). The only translation unit of
// agora_realtime that instantiates Beast's websocket stream: it compiles
// slowly, so nothing else should.

#include "realtime/src/ws_session.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include "common/clock.hpp"
#include "http/auth.hpp"
#include "http/response.hpp"
#include "projections/projection_runner.hpp"
#include "realtime/src/messages.hpp"

namespace agora::realtime::detail {

namespace {

namespace bhttp = boost::beast::http;

// The `exp` claim of a token already verified (seconds since the epoch); 0
// when it has none.
std::int64_t token_expiry(std::string_view token) {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return 0;
  auto payload = http::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  if (!payload) return 0;
  simdjson::dom::parser p;
  std::int64_t exp = 0;
  if (p.parse(*payload).get_object()["exp"].get(exp) != simdjson::SUCCESS) return 0;
  return exp;
}

constexpr std::size_t kMaxChannelsPerMessage = 256;

const char* reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 429: return "Too Many Requests";
    default: return "Service Unavailable";
  }
}

}  // namespace

ws_session::ws_session(std::shared_ptr<hub> h, http::upgraded_connection conn)
    : hub_(std::move(h)),
      ws_(std::move(conn.socket)),
      ticket_(std::move(conn.ticket)),
      id_(hub_->next_id++),
      thread_key_(&net::query(ws_.get_executor(), net::execution::context)) {}

ws_session::~ws_session() {
  if (user_counted_) hub_->remove_user(who_.user_id);
  if (admitted_) hub_->remove_session(id_);
}

void ws_session::start(http::request req) {
  remote_ip_ = req.remote_ip;
  if (!hub_->add_session(id_, weak_from_this())) {
    return refuse(503, "overloaded", "Service Unavailable", "too many realtime connections; retry later");
  }
  admitted_ = true;
  // Sec-WebSocket-Protocol: "agora.v1" and, optionally, "bearer.<JWT>" (a
  // browser cannot set Authorization on a WebSocket; never the URL).
  bool offered = false;
  bool v1 = false;
  std::string bearer;
  for (const auto& [name, value] : req.headers.fields()) {
    if (!http::iequals(name, "Sec-WebSocket-Protocol")) continue;
    http::for_each_list_item(value, [&](std::string_view item) {
      offered = true;
      if (item == "agora.v1") v1 = true;
      if (item.substr(0, 7) == "bearer.") bearer.assign(item.substr(7));
    });
  }
  if (offered && !v1) {
    return refuse(400, "bad-request", "Bad Request", "Sec-WebSocket-Protocol must offer agora.v1");
  }
  if (!bearer.empty()) {
    std::string why;
    if (!authenticate(bearer, why)) {
      spdlog::info("realtime: handshake token refused: {} (remote {})", why, remote_ip_);
      return refuse(401, "unauthorized", "Unauthorized", "the bearer token is not accepted; log in again");
    }
  }
  if (v1) protocol_ = "agora.v1";

  bhttp::request<bhttp::empty_body> breq;
  breq.method(bhttp::verb::get);
  breq.target(req.target);
  breq.version(11);
  for (const auto& [name, value] : req.headers.fields()) breq.insert(name, value);

  websocket::stream_base::timeout t{};
  t.handshake_timeout = hub_->opts.handshake_timeout;
  t.idle_timeout = hub_->opts.idle_timeout;
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.read_message_max(hub_->opts.max_message_bytes);
  ws_.auto_fragment(false);
  ws_.set_option(websocket::stream_base::decorator([proto = protocol_](websocket::response_type& res) {
    res.set(bhttp::field::server, "agora");
    if (!proto.empty()) res.set(bhttp::field::sec_websocket_protocol, proto);
  }));
  ws_.async_accept(breq, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

// The handshake is answered with Problem Details, and the connection closed.
void ws_session::refuse(int status, std::string_view type, std::string_view title, std::string detail) {
  http::problem_details p;
  p.status = status;
  p.type_suffix = std::string(type);
  p.title = std::string(title);
  p.detail = std::move(detail);
  p.instance = hub_->opts.path;
  const http::response r = http::problem_response(p);
  auto text = std::make_shared<std::string>("HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
                                            "\r\nContent-Type: application/problem+json\r\nConnection: close\r\n"
                                            "Cache-Control: no-store\r\n" +
                                            (status == 503 ? "Retry-After: 1\r\n" : "") +
                                            "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body);
  ended_ = true;
  auto& sock = beast::get_lowest_layer(ws_);
  net::async_write(sock, net::buffer(*text), [self = shared_from_this(), text](beast::error_code, std::size_t) {
    beast::error_code ignored;
    auto& s = beast::get_lowest_layer(self->ws_);
    s.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    s.close(ignored);
  });
}

bool ws_session::authenticate(std::string_view token, std::string& why) {
  auto claims = hub_->deps.tokens->verify_claims(token, hub_->deps.clk->now());
  if (!claims) {
    why = http::to_string(claims.error());
    return false;
  }
  // As in the gateway: the account as it is now decides (role, revocation).
  auto account = hub_->deps.projections->accounts()->by_id(claims->who.user_id);
  if (!account) {
    why = "no such account";
    return false;
  }
  if (account->token_version != claims->token_version) {
    why = "token revoked";
    return false;
  }
  who_.user_id = account->id;
  who_.role = account->role;
  token_version_ = claims->token_version;
  token_exp_ = token_expiry(token);
  return true;
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("realtime {}: handshake failed: {}", remote_ip_, ec.message());
    return end();
  }
  accepted_ = true;
  ws_.text(true);
  if (!who_.anonymous()) {
    if (!hub_->add_user(who_.user_id)) {
      do_close(static_cast<std::uint16_t>(websocket::close_code::policy_error), "too many connections for this user");
      return do_read();
    }
    user_counted_ = true;
    hub_->tell(join_msg{shared_from_this(), who_.user_id});
    arm_expiry();
  }
  enqueue(welcome_message(std::to_string(id_), hub_->deps.projections->position(), who_,
                          hub_->opts.idle_timeout.count() / 2));
  do_read();
}

void ws_session::do_read() {
  ws_.async_read_some(net::buffer(rd_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void ws_session::on_read(beast::error_code ec, std::size_t n) {
  if (ec) {
    if (ec == beast::error::timeout) {
      hub_->idle_closes->inc();
      spdlog::debug("realtime {}: idle past {} ms, closed", remote_ip_, hub_->opts.idle_timeout.count());
    } else if (ec == websocket::error::message_too_big) {
      hub_->bad_messages->inc();
      // Beast has sent 1009 already.
    }
    return end();
  }
  if (!ws_.got_text()) {
    hub_->bad_messages->inc();
    msg_.clear();
    do_close(static_cast<std::uint16_t>(websocket::close_code::unknown_data), "binary frames are not accepted");
    return do_read();
  }
  if (!ws_.is_message_done()) {
    // Beast's read_message_max bounds what accumulates here.
    msg_.append(rd_.data(), n);
    return do_read();
  }
  if (msg_.empty()) {
    on_message(std::string_view(rd_.data(), n));
  } else {
    msg_.append(rd_.data(), n);
    on_message(msg_);
    msg_.clear();
    // A large message leaves a large string: give it back, idle connections
    // stay small.
    if (msg_.capacity() > 4096) std::string().swap(msg_);
  }
  if (!ended_) do_read();
}

void ws_session::on_message(std::string_view text) {
  if (closing_) return;
  // The channel count per message is bounded by the message size; the
  // subscription limit is answered per channel (too_many_subscriptions).
  auto parsed = parse_client_message(text, kMaxChannelsPerMessage);
  if (!parsed) {
    hub_->bad_messages->inc();
    return enqueue(error_message(parsed.error().id, "bad_request", parsed.error().message));
  }
  const client_message& m = *parsed;
  switch (m.type) {
    case client_message::kind::ping:
      return enqueue(pong_message(m.id, hub_->deps.projections->position()));
    case client_message::kind::auth:
      return on_auth(m);
    case client_message::kind::subscribe: {
      subscribe_msg sub;
      sub.s = shared_from_this();
      sub.id = m.id;
      for (const auto& c : m.subscribe) {
        auto ch = resolve_channel(c.name, who_);
        if (!ch) {
          enqueue(error_message(m.id, to_string(ch.error()),
                                ch.error() == channel_refusal::forbidden ? "not your channel" : "no such channel",
                                c.name));
          continue;
        }
        const bool held = std::find(subscribed_.begin(), subscribed_.end(), ch->key) != subscribed_.end();
        if (!held && subscribed_.size() >= hub_->opts.max_subscriptions) {
          enqueue(error_message(m.id, "too_many_subscriptions",
                                "at most " + std::to_string(hub_->opts.max_subscriptions) + " channels", c.name));
          continue;
        }
        if (!held) subscribed_.push_back(ch->key);
        sub.items.push_back({std::move(*ch), c.from});
      }
      if (!sub.items.empty()) hub_->tell(std::move(sub));
      return;
    }
    case client_message::kind::unsubscribe: {
      unsubscribe_msg un;
      un.s = shared_from_this();
      un.id = m.id;
      for (const auto& name : m.unsubscribe) {
        auto ch = resolve_channel(name, who_);
        auto held = ch ? std::find(subscribed_.begin(), subscribed_.end(), ch->key) : subscribed_.end();
        if (held == subscribed_.end()) {
          enqueue(error_message(m.id, "bad_request", "not subscribed", name));
          continue;
        }
        subscribed_.erase(held);
        un.items.push_back(std::move(*ch));
      }
      if (!un.items.empty()) hub_->tell(std::move(un));
      return;
    }
  }
}

void ws_session::on_auth(const client_message& m) {
  if (!who_.anonymous()) return enqueue(error_message(m.id, "bad_request", "already authenticated"));
  std::string why;
  if (!authenticate(m.token, why)) {
    who_ = identity{};
    spdlog::info("realtime: auth token refused: {} (remote {})", why, remote_ip_);
    return enqueue(error_message(m.id, "unauthorized", "the token is not accepted; log in again"));
  }
  if (!hub_->add_user(who_.user_id)) {
    return do_close(static_cast<std::uint16_t>(websocket::close_code::policy_error),
                    "too many connections for this user");
  }
  user_counted_ = true;
  hub_->tell(join_msg{shared_from_this(), who_.user_id});
  arm_expiry();
  enqueue(welcome_message(std::to_string(id_), hub_->deps.projections->position(), who_,
                          hub_->opts.idle_timeout.count() / 2));
}

// Closes 4401 "token expired" when the token's exp passes.
void ws_session::arm_expiry() {
  if (token_exp_ <= 0) return;
  const std::int64_t now_us = hub_->deps.clk->now();
  const std::int64_t left_ms = token_exp_ * 1000 - now_us / 1000;
  if (!timer_) timer_ = std::make_unique<net::steady_timer>(ws_.get_executor());
  timer_->expires_after(std::chrono::milliseconds(std::max<std::int64_t>(0, left_ms)));
  timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closing_) return;
    self->hub_->revoked_closes->inc();
    self->do_close(4401, "token expired");
  });
}

void ws_session::send(std::shared_ptr<const std::string> m) {
  net::post(ws_.get_executor(), [self = shared_from_this(), m = std::move(m)]() mutable { self->enqueue(std::move(m)); });
}

void ws_session::close_soon(std::uint16_t code, std::string reason) {
  net::post(ws_.get_executor(),
            [self = shared_from_this(), code, reason = std::move(reason)]() mutable { self->do_close(code, std::move(reason)); });
}

void ws_session::forget(std::string key) {
  net::post(ws_.get_executor(), [self = shared_from_this(), key = std::move(key)] {
    auto& subs = self->subscribed_;
    subs.erase(std::remove(subs.begin(), subs.end(), key), subs.end());
  });
}

void ws_session::check_token() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->closing_ || self->who_.anonymous()) return;
    auto account = self->hub_->deps.projections->accounts()->by_id(self->who_.user_id);
    if (account && account->token_version == self->token_version_ && account->role == self->who_.role) return;
    self->hub_->revoked_closes->inc();
    self->do_close(4401, "token revoked");
  });
}

void ws_session::enqueue(std::shared_ptr<const std::string> m) {
  if (closing_ || ended_ || !accepted_) return;
  if (queue_.size() + 1 > hub_->opts.send_queue_messages || queued_bytes_ + m->size() > hub_->opts.send_queue_bytes) {
    // A slow consumer: it is closed rather than let its queue grow or hold
    // up anyone else.
    hub_->slow_consumer_closes->inc();
    spdlog::info("realtime {}: send queue full ({} messages, {} bytes), closing 1013", remote_ip_, queue_.size(),
                 queued_bytes_);
    return do_close(static_cast<std::uint16_t>(websocket::close_code::try_again_later), "send queue full");
  }
  queued_bytes_ += m->size();
  queue_.push_back(std::move(m));
  if (!writing_) do_write();
}

void ws_session::do_write() {
  writing_ = true;
  ws_.async_write(net::buffer(*queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void ws_session::on_write(beast::error_code ec, std::size_t n) {
  writing_ = false;
  if (ec) return end();
  hub_->bytes_sent->inc(n);
  hub_->messages_sent->inc();
  if (!queue_.empty()) {
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
  }
  if (pending_close_ != 0) {
    const auto code = pending_close_;
    pending_close_ = 0;
    closing_ = false;
    return do_close(code, std::move(pending_reason_));
  }
  if (!queue_.empty() && !closing_) do_write();
}

// Closes with `code`: queued messages are dropped, the one being written
// finishes first. A peer that does not complete the closing handshake (or
// does not read) is cut off after handshake_timeout.
void ws_session::do_close(std::uint16_t code, std::string reason) {
  if (closing_ || ended_) return;
  closing_ = true;
  if (!accepted_) return end();
  if (!queue_.empty()) {
    // Keep only the message being written.
    auto front = writing_ ? queue_.front() : nullptr;
    queue_.clear();
    queued_bytes_ = 0;
    if (front) {
      queued_bytes_ = front->size();
      queue_.push_back(std::move(front));
    }
  }
  if (!timer_) timer_ = std::make_unique<net::steady_timer>(ws_.get_executor());
  timer_->expires_after(hub_->opts.handshake_timeout);
  timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->ended_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).close(ignored);
  });
  if (writing_) {
    pending_close_ = code;
    pending_reason_ = std::move(reason);
    return;
  }
  websocket::close_reason cr;
  cr.code = code;
  cr.reason = reason;
  ws_.async_close(cr, [self = shared_from_this()](beast::error_code ec) { self->on_close(ec); });
}

void ws_session::on_close(beast::error_code) {
  // The read loop ends with `closed` once the peer's close frame arrives.
  beast::error_code ignored;
  if (!ended_ && !ws_.is_open()) beast::get_lowest_layer(ws_).close(ignored);
}

void ws_session::end() {
  if (ended_) return;
  ended_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  if (timer_) timer_->cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).close(ignored);
  hub_->tell(leave_msg{id_});
  if (user_counted_) {
    user_counted_ = false;
    hub_->remove_user(who_.user_id);
  }
  if (admitted_) {
    admitted_ = false;
    hub_->remove_session(id_);
  }
  ticket_.reset();  // the HTTP server's place is free
}

}  // namespace agora::realtime::detail
