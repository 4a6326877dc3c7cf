#include "realtime/src/protocol.hpp"

#include <simdjson.h>

#include "actors/domain/notification.hpp"
#include "common/clock.hpp"
#include "common/json_writer.hpp"
#include "projections/change_tags.hpp"

namespace agora::realtime::detail {

namespace {

namespace dom = simdjson::dom;

bool starts_with(std::string_view s, std::string_view p) noexcept { return s.substr(0, p.size()) == p; }

// The stream's kind: the part of the id before the first '-'.
std::string_view kind_of(std::string_view stream) noexcept { return stream.substr(0, stream.find('-')); }

// A channel parameter (a customer or product id): 1..128 of [A-Za-z0-9._:-].
bool valid_param(std::string_view s) noexcept {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// The `id` member as raw JSON, when it is a string or a number.
std::string raw_id(dom::object& obj) {
  dom::element id;
  if (obj["id"].get(id) != simdjson::SUCCESS) return {};
  switch (id.type()) {
    case dom::element_type::STRING: {
      std::string_view s;
      if (id.get(s) != simdjson::SUCCESS || s.size() > 128) return {};
      json_writer w(s.size() + 8);
      w.value(s);
      return std::move(w).take();
    }
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return simdjson::minify(id);
    default: return {};
  }
}

void write_id(json_writer& w, std::string_view id) {
  if (!id.empty()) w.key("id").raw(id);
}

void write_time(json_writer& w, timestamp_us t) {
  char buf[rfc3339_max_chars];
  const std::size_t n = format_rfc3339_to(t, buf);
  w.key("time").value(std::string_view(buf, n));
}

std::string product_of(const projections::event_notice& n) {
  for (const auto& c : n.channels) {
    if (starts_with(c, "product:")) return c.substr(8);
  }
  return {};
}

}  // namespace

const char* to_string(channel_refusal r) noexcept {
  return r == channel_refusal::forbidden ? "forbidden" : "unknown_channel";
}

expected<channel_ref, channel_refusal> resolve_channel(std::string_view name, const identity& who) {
  const bool admin = who.role == "admin";
  if (name == "products" || name == "inventory" || name == "notifications") {
    return channel_ref{std::string(name), std::string(name), std::string(name)};
  }
  if (name == "admin") {
    if (!admin) return unexpected(channel_refusal::forbidden);
    return channel_ref{"admin", "admin", "admin"};
  }
  if (name == "orders") {
    if (who.anonymous()) return unexpected(channel_refusal::forbidden);
    return channel_ref{"orders", "orders@" + who.user_id, "orders"};
  }
  if (starts_with(name, "orders:")) {
    const auto cid = name.substr(7);
    if (!valid_param(cid)) return unexpected(channel_refusal::unknown_channel);
    if (!admin && (who.anonymous() || cid != who.user_id)) return unexpected(channel_refusal::forbidden);
    return channel_ref{std::string(name), std::string(name), "orders:customer"};
  }
  if (starts_with(name, "product:")) {
    if (!valid_param(name.substr(8))) return unexpected(channel_refusal::unknown_channel);
    return channel_ref{std::string(name), std::string(name), "product"};
  }
  return unexpected(channel_refusal::unknown_channel);
}

expected<client_message, bad_message> parse_client_message(std::string_view text, std::size_t max_channels) {
  thread_local dom::parser parser;
  dom::object obj;
  if (parser.parse(text.data(), text.size(), true).get(obj) != simdjson::SUCCESS) {
    return unexpected(bad_message{{}, "not a JSON object"});
  }
  client_message m;
  m.id = raw_id(obj);
  auto bad = [&m](std::string why) { return unexpected(bad_message{m.id, std::move(why)}); };
  std::string_view type;
  if (obj["type"].get(type) != simdjson::SUCCESS) return bad("no type");
  if (type == "ping") {
    m.type = client_message::kind::ping;
  } else if (type == "auth") {
    m.type = client_message::kind::auth;
    std::string_view token;
    if (obj["token"].get(token) != simdjson::SUCCESS || token.empty() || token.size() > 8192) {
      return bad("auth needs a token (a string)");
    }
    m.token.assign(token);
  } else if (type == "subscribe" || type == "unsubscribe") {
    const bool sub = type == "subscribe";
    m.type = sub ? client_message::kind::subscribe : client_message::kind::unsubscribe;
    dom::array channels;
    if (obj["channels"].get(channels) != simdjson::SUCCESS) return bad("channels must be an array");
    if (channels.size() == 0) return bad("channels is empty");
    if (channels.size() > max_channels) return bad("too many channels in one message");
    for (dom::element c : channels) {
      std::string_view name;
      if (c.get(name) == simdjson::SUCCESS) {
        if (sub) {
          m.subscribe.push_back({std::string(name), std::nullopt});
        } else {
          m.unsubscribe.emplace_back(name);
        }
        continue;
      }
      dom::object co;
      if (c.get(co) != simdjson::SUCCESS || co["name"].get(name) != simdjson::SUCCESS) {
        return bad("each channel is a name or {\"name\":...}");
      }
      if (!sub) {
        m.unsubscribe.emplace_back(name);
        continue;
      }
      client_message::subscription s{std::string(name), std::nullopt};
      dom::element from;
      if (co["from"].get(from) == simdjson::SUCCESS && !from.is_null()) {
        std::uint64_t p = 0;
        std::int64_t sp = 0;
        if (from.get(p) == simdjson::SUCCESS) {
          s.from = p;
        } else if (from.get(sp) == simdjson::SUCCESS && sp >= 0) {
          s.from = static_cast<std::uint64_t>(sp);
        } else {
          return bad("from must be a log position (a whole number >= 0)");
        }
      }
      m.subscribe.push_back(std::move(s));
    }
  } else {
    return bad("unknown type '" + std::string(type.substr(0, 32)) + "'");
  }
  return m;
}

std::string welcome_message(std::string_view connection_id, std::uint64_t position, const identity& who,
                            std::int64_t heartbeat_ms) {
  json_writer w(192);
  w.begin_object().key("type").value("welcome").key("connection_id").value(connection_id);
  w.key("position").value(position).key("role").value(who.role).key("customer_id");
  if (who.anonymous()) {
    w.null();
  } else {
    w.value(who.user_id);
  }
  w.key("heartbeat_ms").value(heartbeat_ms).end_object();
  return std::move(w).take();
}

std::string subscribed_message(std::string_view type, std::string_view id, std::string_view channel,
                               std::uint64_t position) {
  json_writer w(96 + channel.size());
  w.begin_object().key("type").value(type);
  write_id(w, id);
  w.key("channel").value(channel).key("position").value(position).end_object();
  return std::move(w).take();
}

std::string error_message(std::string_view id, std::string_view code, std::string_view message,
                          std::string_view channel) {
  json_writer w(96 + message.size());
  w.begin_object().key("type").value("error");
  write_id(w, id);
  w.key("code").value(code).key("message").value(message);
  if (!channel.empty()) w.key("channel").value(channel);
  w.end_object();
  return std::move(w).take();
}

std::string pong_message(std::string_view id, std::uint64_t position) {
  json_writer w(64);
  w.begin_object().key("type").value("pong");
  write_id(w, id);
  w.key("position").value(position).end_object();
  return std::move(w).take();
}

std::string progress_message(const projections::rebuild_progress& p, std::uint64_t position) {
  const char* what = p.dry_run ? "Dry run of " : "Rebuild of ";
  std::string title;
  std::string body;
  if (!p.error.empty()) {
    title = std::string(what) + p.name + " stopped";
    body = p.error;
  } else if (p.done && !p.dry_run) {
    title = "Read model " + p.name + " rebuilt";
    body = "The rebuilt read model is now served; reload what you show.";
  } else if (p.done) {
    title = std::string(what) + p.name + " done";
    body = p.differences == 0 ? "Equal to the live model at position " + std::to_string(p.position) + "."
                              : "Differs from the live model at position " + std::to_string(p.position) + ": " +
                                    std::to_string(p.differences) + " keys. The Projections page lists the first.";
  } else {
    title = std::string(what) + p.name;
    body = p.position < p.target || p.keys_compared == 0
               ? "Rebuilding from the log: position " + std::to_string(p.position) + " of " + std::to_string(p.target) + "."
               : "Comparing with the live model: " + std::to_string(p.keys_compared) + " keys so far.";
  }
  json_writer w(384 + body.size());
  w.begin_object().key("type").value("notification").key("channel").value("admin").key("position").value(position);
  w.key("kind").value("rebuild_progress").key("level").value(p.error.empty() ? "info" : "warning");
  w.key("title").value(title).key("body").value(body);
  write_time(w, system_clock::instance().now());
  w.key("data").begin_object().key("name").value(p.name).key("dry_run").value(p.dry_run);
  w.key("position").value(static_cast<std::uint64_t>(p.position)).key("target").value(static_cast<std::uint64_t>(p.target));
  w.key("keys_compared").value(p.keys_compared).key("done").value(p.done);
  if (p.dry_run && p.done) w.key("differences").value(p.differences);
  if (!p.error.empty()) w.key("error").value(p.error);
  w.end_object().end_object();
  return std::move(w).take();
}

std::vector<target> targets_of(const projections::event_notice& n) {
  namespace ch = projections::channels;
  std::vector<target> out;
  const auto kind = kind_of(n.stream);
  const bool order_or_cart = kind == "order" || kind == "cart";
  for (const auto& c : n.channels) {
    if (starts_with(c, "user:")) {
      if (!order_or_cart) continue;
      const std::string cid = c.substr(5);
      out.push_back({"orders@" + cid, "orders", message_form::event});
      out.push_back({"orders:" + cid, "orders:" + cid, message_form::event});
    } else if (c == ch::broadcast) {
      if (kind == "product") out.push_back({"products", "products", message_form::event});
    } else if (starts_with(c, "product:")) {
      if (kind == "product") out.push_back({c, c, message_form::event});
      if (kind == "inventory") out.push_back({c, c, message_form::inventory_public});
    } else if (c == ch::admin) {
      if (kind == "order" || kind == "inventory") out.push_back({"admin", "admin", message_form::event});
      if (kind == "customer" && n.type == "CustomerRegistered") {
        out.push_back({"admin", "admin", message_form::customer_registered});
      }
    } else if (c == ch::notifications) {
      out.push_back({"notifications", "notifications", message_form::broadcast});
    }
  }
  if (kind == "inventory") {
    out.push_back({"inventory", "inventory", message_form::inventory_public});
    if (n.stock == projections::stock_transition::became_low) {
      out.push_back({"admin", "admin", message_form::low_stock});
    } else if (n.stock == projections::stock_transition::recovered) {
      out.push_back({"admin", "admin", message_form::back_in_stock});
    }
  }
  return out;
}

std::string render(const projections::event_notice& n, const target& t) {
  json_writer w(256 + n.data.size());
  w.begin_object();
  auto notification = [&](std::string_view kind, std::string_view level, std::string_view title,
                          std::string_view body) {
    w.key("type").value("notification").key("channel").value(t.name).key("position").value(n.position);
    w.key("kind").value(kind).key("level").value(level).key("title").value(title).key("body").value(body);
    write_time(w, n.timestamp);
  };
  switch (t.form) {
    case message_form::event:
    case message_form::inventory_public: {
      w.key("type").value("event").key("channel").value(t.name).key("position").value(n.position);
      w.key("event").value(n.type).key("stream").value(n.stream).key("version").value(n.version);
      write_time(w, n.timestamp);
      w.key("data");
      if (t.form == message_form::event) {
        w.raw(n.data.empty() ? std::string_view("{}") : std::string_view(n.data));
        break;
      }
      // Public stock fields only: no order, cart or customer ids, no
      // free-text reasons.
      w.begin_object().key("sku").value(std::string_view(n.stream).substr(n.stream.find('-') + 1));
      const std::string pid = product_of(n);
      if (!pid.empty()) w.key("product_id").value(pid);
      thread_local dom::parser parser;
      dom::object obj;
      if (!n.data.empty() && parser.parse(n.data.data(), n.data.size(), true).get(obj) == simdjson::SUCCESS) {
        for (const char* field : {"quantity", "delta", "on_hand", "low_stock_threshold", "threshold"}) {
          std::int64_t v = 0;
          if (obj[field].get(v) == simdjson::SUCCESS) w.key(field).value(v);
        }
      }
      w.end_object();
      break;
    }
    case message_form::low_stock:
    case message_form::back_in_stock: {
      const bool low = t.form == message_form::low_stock;
      const std::string sku = n.stream.substr(n.stream.find('-') + 1);
      notification(low ? "low_stock" : "back_in_stock", low ? "warning" : "info",
                   (low ? "Low stock: " : "Back in stock: ") + sku, "");
      w.key("data").begin_object().key("sku").value(sku);
      const std::string pid = product_of(n);
      if (!pid.empty()) w.key("product_id").value(pid);
      w.end_object();
      break;
    }
    case message_form::customer_registered: {
      // The notice of a customer event has no data (it holds the password
      // hash); the id alone is shown, never the e-mail.
      const std::string cid = n.stream.substr(n.stream.find('-') + 1);
      notification("customer_registered", "info", "New customer", "");
      w.key("data").begin_object().key("customer_id").value(cid).end_object();
      break;
    }
    case message_form::broadcast: {
      auto b = domain::notification::decode(n.data);
      if (!b) {
        notification("broadcast", "info", "", "");
      } else {
        notification("broadcast", domain::notification::to_string(b->lvl), b->title, b->body);
      }
      w.key("data").begin_object().end_object();
      break;
    }
  }
  w.end_object();
  return std::move(w).take();
}

std::string revoked_user(const projections::event_notice& n) {
  if (kind_of(n.stream) != "customer") return {};
  if (n.type == "CustomerRegistered" || n.type == "CustomerNameChanged") return {};
  return n.stream.substr(n.stream.find('-') + 1);
}

}  // namespace agora::realtime::detail
