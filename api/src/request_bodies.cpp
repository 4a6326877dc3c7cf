#include "api/request_bodies.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "actors/domain/notification.hpp"

namespace agora::api {

namespace {

namespace dom = simdjson::dom;

// Reads the members of one JSON object and collects field errors; each
// decoder below says which members it wants. Every read checks the type and
// the range, so a wrong type is an error naming the field, never an exception.
class object_reader {
 public:
  explicit object_reader(std::vector<field_error>& errors) : errors_(errors) {}

  void fail(std::string field, std::string message) { errors_.push_back({std::move(field), std::move(message)}); }

  bool read_string(dom::element v, const std::string& field, std::string& out, std::size_t min_len,
                   std::size_t max_len) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
      fail(field, "must be a string");
      return false;
    }
    if (s.size() < min_len || s.size() > max_len) {
      fail(field, min_len > 0 ? "must be " + std::to_string(min_len) + ".." + std::to_string(max_len) + " bytes"
                              : "must be at most " + std::to_string(max_len) + " bytes");
      return false;
    }
    out.assign(s);
    return true;
  }

  bool read_int(dom::element v, const std::string& field, std::int64_t& out, std::int64_t min, std::int64_t max) {
    // Whole numbers only: 1.5 or 1e3 for a quantity is a client bug to report.
    const auto t = v.type();
    if (t != dom::element_type::INT64 && t != dom::element_type::UINT64) {
      fail(field, "must be an integer between " + std::to_string(min) + " and " + std::to_string(max));
      return false;
    }
    std::int64_t n = 0;
    if (v.get_int64().get(n) != simdjson::SUCCESS || n < min || n > max) {
      fail(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return false;
    }
    out = n;
    return true;
  }

  bool read_string_array(dom::element v, const std::string& field, std::vector<std::string>& out,
                         std::size_t max_items, std::size_t max_len) {
    dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
      fail(field, "must be an array of strings");
      return false;
    }
    std::size_t i = 0;
    for (dom::element iv : arr) {
      std::string s;
      if (!read_string(iv, field + "[" + std::to_string(i) + "]", s, 1, max_len)) return false;
      if (++i > max_items) {
        fail(field, "at most " + std::to_string(max_items) + " items");
        return false;
      }
      out.push_back(std::move(s));
    }
    return true;
  }

 private:
  std::vector<field_error>& errors_;
};

// Parses `json` as one object (the whole document is validated: malformed
// JSON anywhere, or trailing content, is refused) and calls
// `member(key, value, reader)` for each member. Returns the errors.
template <class F>
std::vector<field_error> read_object(std::string_view json, F&& member) {
  std::vector<field_error> errors;
  if (json.empty()) {
    errors.push_back({"", "the body is empty; a JSON object is expected"});
    return errors;
  }
  thread_local dom::parser parser;
  dom::element doc;
  if (const auto err = parser.parse(json.data(), json.size(), /*realloc_if_needed=*/true).get(doc);
      err != simdjson::SUCCESS) {
    // simdjson refuses a whole document with an integer beyond 64 bits.
    errors.push_back({"", err == simdjson::NUMBER_OUT_OF_RANGE || err == simdjson::NUMBER_ERROR
                              ? "a number in the body is malformed or out of range"
                              : std::string("malformed JSON: ") + simdjson::error_message(err)});
    return errors;
  }
  dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    errors.push_back({"", "the body must be a JSON object"});
    return errors;
  }
  object_reader reader(errors);
  // Unknown members are ignored: clients may send more than we read.
  for (auto field : obj) member(field.key, field.value, reader);
  return errors;
}

void require(std::vector<field_error>& errors, bool present, const char* field) {
  if (!present) errors.push_back({field, "is required"});
}

bool plausible_email(const std::string& e) {
  const auto at = e.find('@');
  return at != std::string::npos && at > 0 && at + 1 < e.size() && e.find('@', at + 1) == std::string::npos &&
         e.find_first_of(" \t\r\n") == std::string::npos;
}

bool valid_currency(const std::string& c) {
  return c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

}  // namespace

decoded<register_body> decode_register(std::string_view json) {
  register_body b;
  bool email = false, password = false, name = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "email") email = r.read_string(v, "email", b.email, 3, 254);
    else if (k == "password") password = r.read_string(v, "password", b.password, 8, 128);
    else if (k == "name") name = r.read_string(v, "name", b.name, 1, 200);
  });
  if (errors.empty()) {
    require(errors, email, "email");
    require(errors, password, "password");
    require(errors, name, "name");
    if (email && !plausible_email(b.email)) errors.push_back({"email", "is not an e-mail address"});
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<login_body> decode_login(std::string_view json) {
  login_body b;
  bool email = false, password = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "email") email = r.read_string(v, "email", b.email, 1, 254);
    else if (k == "password") password = r.read_string(v, "password", b.password, 1, 128);
  });
  if (errors.empty()) {
    require(errors, email, "email");
    require(errors, password, "password");
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<password_change_body> decode_password_change(std::string_view json) {
  password_change_body b;
  bool current = false, next = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "current_password") current = r.read_string(v, "current_password", b.current_password, 1, 128);
    else if (k == "new_password") next = r.read_string(v, "new_password", b.new_password, 8, 128);
  });
  if (errors.empty()) {
    require(errors, current, "current_password");
    require(errors, next, "new_password");
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<notification_body> decode_notification(std::string_view json) {
  notification_body b;
  bool title = false;
  // Lengths in bytes first (4 bytes per character at most), then in
  // characters by the domain's rule.
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "title") title = r.read_string(v, "title", b.title, 1, 4 * domain::notification::max_title_chars);
    else if (k == "body") r.read_string(v, "body", b.body, 0, 4 * domain::notification::max_body_chars);
    else if (k == "level") r.read_string(v, "level", b.level, 1, 16);
  });
  if (errors.empty()) {
    require(errors, title, "title");
    if (!domain::notification::parse_level(b.level)) {
      errors.push_back({"level", "must be info, warning or critical"});
    }
    domain::notification::broadcast probe{b.title, b.body, domain::notification::level::info, {}, 0};
    for (auto& [field, message] : domain::notification::validate(probe)) errors.push_back({field, message});
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<role_body> decode_role(std::string_view json) {
  role_body b;
  bool role = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "role") role = r.read_string(v, "role", b.role, 1, 32);
  });
  if (errors.empty()) {
    require(errors, role, "role");
    if (role && b.role != "customer" && b.role != "admin") errors.push_back({"role", "must be customer or admin"});
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<product_body> decode_product(std::string_view json) {
  product_body b;
  bool sku = false, name = false, price = false, currency = false, category = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "sku") sku = r.read_string(v, "sku", b.sku, 1, 64);
    else if (k == "name") name = r.read_string(v, "name", b.name, 1, 200);
    else if (k == "description") r.read_string(v, "description", b.description, 0, 5000);
    else if (k == "price") price = r.read_int(v, "price", b.price, 0, kMaxPriceMinor);
    else if (k == "currency") currency = r.read_string(v, "currency", b.currency, 3, 3);
    else if (k == "category") category = r.read_string(v, "category", b.category, 1, 100);
    else if (k == "image_urls") r.read_string_array(v, "image_urls", b.image_urls, 20, 2048);
    else if (k == "initial_stock") {
      std::int64_t n = 0;
      if (r.read_int(v, "initial_stock", n, 0, kMaxStockQuantity)) b.initial_stock = n;
    } else if (k == "low_stock_threshold") {
      std::int64_t n = 0;
      if (r.read_int(v, "low_stock_threshold", n, 0, kMaxStockQuantity)) b.low_stock_threshold = n;
    }
  });
  if (errors.empty()) {
    require(errors, sku, "sku");
    require(errors, name, "name");
    require(errors, price, "price");
    require(errors, currency, "currency");
    require(errors, category, "category");
    if (currency && !valid_currency(b.currency)) errors.push_back({"currency", "must be an ISO 4217 code like EUR"});
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<product_patch> decode_product_patch(std::string_view json) {
  product_patch b;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    std::string s;
    if (k == "name") {
      if (r.read_string(v, "name", s, 1, 200)) b.name = s;
    } else if (k == "description") {
      if (r.read_string(v, "description", s, 0, 5000)) b.description = s;
    } else if (k == "category") {
      if (r.read_string(v, "category", s, 1, 100)) b.category = s;
    } else if (k == "currency") {
      if (r.read_string(v, "currency", s, 3, 3)) b.currency = s;
    } else if (k == "image_urls") {
      std::vector<std::string> urls;
      if (r.read_string_array(v, "image_urls", urls, 20, 2048)) b.image_urls = std::move(urls);
    } else if (k == "price") {
      std::int64_t n = 0;
      if (r.read_int(v, "price", n, 0, kMaxPriceMinor)) b.price = n;
    }
  });
  if (errors.empty() && !b.name && !b.description && !b.category && !b.image_urls && !b.price && !b.currency) {
    errors.push_back({"", "nothing to change: give name, description, category, image_urls or price"});
  }
  if (errors.empty() && b.currency && !valid_currency(*b.currency)) {
    errors.push_back({"currency", "must be an ISO 4217 code like EUR"});
  }
  if (errors.empty() && b.currency && !b.price) errors.push_back({"price", "is required when currency changes"});
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<adjustment_body> decode_adjustment(std::string_view json) {
  adjustment_body b;
  bool delta = false, reason = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "delta") delta = r.read_int(v, "delta", b.delta, -kMaxStockQuantity, kMaxStockQuantity);
    else if (k == "reason") reason = r.read_string(v, "reason", b.reason, 1, 200);
  });
  if (errors.empty()) {
    require(errors, delta, "delta");
    require(errors, reason, "reason");
    if (delta && b.delta == 0) errors.push_back({"delta", "must not be 0"});
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<cart_item_body> decode_cart_item(std::string_view json) {
  cart_item_body b;
  bool quantity = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "quantity") quantity = r.read_int(v, "quantity", b.quantity, 0, kMaxLineQuantity);
  });
  if (errors.empty()) require(errors, quantity, "quantity");
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<order_body> decode_order(std::string_view json) {
  order_body b;
  bool items = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k != "items") return;
    dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) return r.fail("items", "must be an array");
    items = true;
    std::size_t i = 0;
    for (dom::element element : arr) {
      const std::string at = "items[" + std::to_string(i) + "]";
      if (++i > kMaxOrderLines) return r.fail("items", "at most " + std::to_string(kMaxOrderLines) + " lines");
      dom::object line;
      if (element.get_object().get(line) != simdjson::SUCCESS) return r.fail(at, "must be an object");
      order_line_body l;
      bool sku = false, quantity = false;  // present (a bad value is reported where it is read)
      for (auto member : line) {
        const std::string_view key = member.key;
        const dom::element mv = member.value;
        if (key == "sku") {
          sku = true;
          r.read_string(mv, at + ".sku", l.sku, 1, 64);
        } else if (key == "quantity") {
          quantity = true;
          r.read_int(mv, at + ".quantity", l.quantity, 1, kMaxLineQuantity);
        }
      }
      if (!sku) r.fail(at + ".sku", "is required");
      if (!quantity) r.fail(at + ".quantity", "is required");
      b.items.push_back(std::move(l));
    }
  });
  if (errors.empty()) {
    require(errors, items, "items");
    if (items && b.items.empty()) errors.push_back({"items", "must not be empty"});
    for (std::size_t i = 0; i < b.items.size() && errors.empty(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (b.items[i].sku == b.items[j].sku) {
          errors.push_back({"items[" + std::to_string(i) + "].sku", "repeats " + b.items[i].sku + "; one line per sku"});
          break;
        }
      }
    }
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<status_body> decode_status(std::string_view json) {
  status_body b;
  bool status = false;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "status") status = r.read_string(v, "status", b.status, 1, 32);
  });
  if (errors.empty()) {
    require(errors, status, "status");
    if (status && b.status != "processing" && b.status != "shipped" && b.status != "delivered") {
      errors.push_back({"status", "must be processing, shipped or delivered"});
    }
  }
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<pay_body> decode_pay(std::string_view json) {
  pay_body b;
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return b;  // no body: defaults
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "method") r.read_string(v, "method", b.method, 1, 128);
  });
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

decoded<cancel_body> decode_cancel(std::string_view json) {
  cancel_body b;
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return b;
  auto errors = read_object(json, [&](std::string_view k, dom::element v, object_reader& r) {
    if (k == "reason") r.read_string(v, "reason", b.reason, 0, 500);
  });
  if (!errors.empty()) return agora::unexpected{std::move(errors)};
  return b;
}

}  // namespace agora::api
