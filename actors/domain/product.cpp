#include "actors/domain/product.hpp"

#include "actors/domain/detail/aggregate_glue.hpp"

#include "actors/domain/detail/json_codec.hpp"
#include "actors/domain/detail/try.hpp"
#include "actors/domain/validation.hpp"

namespace agora::domain::product {

namespace {

using result = decision<event>;

result fail(domain_errc code, std::string message, std::string field = {}) {
  return agora::unexpected{make_error(code, std::move(message), std::move(field))};
}

result none() { return std::vector<event>{}; }

result require_active(const state& s, std::string_view what) {
  if (!s.exists) return fail(domain_errc::not_found, "product not found");
  if (s.discontinued) {
    return fail(domain_errc::illegal_transition,
                "cannot " + std::string(what) + ": product " + s.product_id + " is discontinued");
  }
  return none();
}

result validate_images(const std::vector<std::string>& urls) {
  if (urls.size() > max_images) {
    return fail(domain_errc::invalid_argument,
                "at most " + std::to_string(max_images) + " image URLs", "image_urls");
  }
  for (std::size_t n = 0; n < urls.size(); ++n) {
    AGORA_DOMAIN_TRY(validate_length(urls[n], 1, 2048, "image_urls[" + std::to_string(n) + "]"));
  }
  return none();
}

result decide_cmd(const state& s, const create& c) {
  if (s.exists) return fail(domain_errc::already_exists, "product " + s.product_id + " already exists", "product_id");
  AGORA_DOMAIN_TRY(validate_id(c.product_id, "product_id"));
  AGORA_DOMAIN_TRY(validate_sku(c.sku, "sku"));
  AGORA_DOMAIN_TRY(validate_length(c.name, 1, 200, "name"));
  AGORA_DOMAIN_TRY(validate_length(c.description, 0, 5000, "description"));
  AGORA_DOMAIN_TRY(validate_money(c.price, "price", max_price_minor));
  AGORA_DOMAIN_TRY(validate_length(c.category, 1, 100, "category"));
  AGORA_DOMAIN_TRY(validate_images(c.image_urls));
  return std::vector<event>{product_created{c.product_id, c.sku, c.name, c.description, c.price,
                                            c.category, c.image_urls, c.now}};
}

result decide_cmd(const state& s, const update_details& c) {
  AGORA_DOMAIN_TRY(require_active(s, "update details"));
  if (c.name) AGORA_DOMAIN_TRY(validate_length(*c.name, 1, 200, "name"));
  if (c.description) AGORA_DOMAIN_TRY(validate_length(*c.description, 0, 5000, "description"));
  if (c.category) AGORA_DOMAIN_TRY(validate_length(*c.category, 1, 100, "category"));
  if (c.image_urls) AGORA_DOMAIN_TRY(validate_images(*c.image_urls));
  product_details_updated e;
  if (c.name && *c.name != s.name) e.name = c.name;
  if (c.description && *c.description != s.description) e.description = c.description;
  if (c.category && *c.category != s.category) e.category = c.category;
  if (c.image_urls && *c.image_urls != s.image_urls) e.image_urls = c.image_urls;
  if (!e.name && !e.description && !e.category && !e.image_urls) return none();
  e.at = c.now;
  return std::vector<event>{std::move(e)};
}

result decide_cmd(const state& s, const change_price& c) {
  AGORA_DOMAIN_TRY(require_active(s, "change price"));
  AGORA_DOMAIN_TRY(validate_money(c.price, "price", max_price_minor));
  if (c.price == s.price) return none();
  return std::vector<event>{product_price_changed{s.price, c.price, c.now}};
}

result decide_cmd(const state& s, const discontinue& c) {
  AGORA_DOMAIN_TRY(require_active(s, "discontinue"));
  AGORA_DOMAIN_TRY(validate_length(c.reason, 0, 500, "reason"));
  return std::vector<event>{product_discontinued{c.reason, c.now}};
}

void evolve_one(state& s, const product_created& e) {
  s.exists = true;
  s.product_id = e.product_id;
  s.sku = e.sku;
  s.name = e.name;
  s.description = e.description;
  s.price = e.price;
  s.category = e.category;
  s.image_urls = e.image_urls;
  s.created_at = e.at;
}
void evolve_one(state& s, const product_details_updated& e) {
  if (e.name) s.name = *e.name;
  if (e.description) s.description = *e.description;
  if (e.category) s.category = *e.category;
  if (e.image_urls) s.image_urls = *e.image_urls;
}
void evolve_one(state& s, const product_price_changed& e) { s.price = e.new_price; }
void evolve_one(state& s, const product_discontinued&) { s.discontinued = true; }

// ---- codec ------------------------------------------------------------------

constexpr std::string_view name_of(const product_created&) { return "ProductCreated"; }
constexpr std::string_view name_of(const product_details_updated&) { return "ProductDetailsUpdated"; }
constexpr std::string_view name_of(const product_price_changed&) { return "ProductPriceChanged"; }
constexpr std::string_view name_of(const product_discontinued&) { return "ProductDiscontinued"; }

void write(json_writer& w, const product_created& e) {
  w.key("product_id").value(e.product_id).key("sku").value(e.sku).key("name").value(e.name);
  w.key("description").value(e.description);
  detail::write_money(w, "price", e.price);
  w.key("category").value(e.category);
  detail::write_strings(w, "image_urls", e.image_urls);
}
void write_opt(json_writer& w, std::string_view key, const std::optional<std::string>& v) {
  w.key(key);
  if (v) {
    w.value(*v);
  } else {
    w.null();
  }
}
void write(json_writer& w, const product_details_updated& e) {
  write_opt(w, "name", e.name);
  write_opt(w, "description", e.description);
  write_opt(w, "category", e.category);
  if (e.image_urls) {
    detail::write_strings(w, "image_urls", *e.image_urls);
  } else {
    w.key("image_urls").null();
  }
}
void write(json_writer& w, const product_price_changed& e) {
  detail::write_money(w, "old_price", e.old_price);
  detail::write_money(w, "new_price", e.new_price);
}
void write(json_writer& w, const product_discontinued& e) { w.key("reason").value(e.reason); }

agora::expected<event, domain_error> decode_v1(std::string_view type, detail::reader& r) {
  const timestamp_us at = r.i64("at");
  if (type == "ProductCreated") {
    product_created e{r.str("product_id"), r.str("sku"), r.str("name"), r.str("description"),
                      r.money_of("price"), r.str("category"), r.str_array("image_urls"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "ProductDetailsUpdated") {
    product_details_updated e{r.opt_str("name"), r.opt_str("description"), r.opt_str("category"),
                              r.opt_str_array("image_urls"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "ProductPriceChanged") {
    product_price_changed e{r.money_of("old_price"), r.money_of("new_price"), at};
    return r.finish<event>(std::move(e));
  }
  if (type == "ProductDiscontinued") return r.finish<event>(product_discontinued{r.str("reason"), at});
  return agora::unexpected{detail::unknown_event_type(kind, type)};
}

}  // namespace

AGORA_DOMAIN_AGGREGATE_GLUE()

std::string encode_state(const state& s) {
  json_writer w;
  w.begin_object();
  w.key("v").value(state_schema_version);
  w.key("exists").value(s.exists);
  w.key("discontinued").value(s.discontinued);
  w.key("product_id").value(s.product_id).key("sku").value(s.sku).key("name").value(s.name);
  w.key("description").value(s.description);
  detail::write_money(w, "price", s.price);
  w.key("category").value(s.category);
  detail::write_strings(w, "image_urls", s.image_urls);
  w.key("created_at").value(s.created_at).key("updated_at").value(s.updated_at);
  w.end_object();
  return std::move(w).take();
}

agora::expected<state, domain_error> decode_state(std::string_view json) {
  auto root = detail::parse_object(json, "product state");
  if (!root) return agora::unexpected{std::move(root).error()};
  detail::reader r(*root, "product state");
  if (auto v = r.i64("v"); r.ok() && v != state_schema_version) {
    return agora::unexpected{detail::unsupported_version("product state", static_cast<std::uint32_t>(v))};
  }
  state s;
  s.exists = r.boolean("exists");
  s.discontinued = r.boolean("discontinued");
  s.product_id = r.str("product_id");
  s.sku = r.str("sku");
  s.name = r.str("name");
  s.description = r.str("description");
  s.price = r.money_of("price");
  s.category = r.str("category");
  s.image_urls = r.str_array("image_urls");
  s.created_at = r.i64("created_at");
  s.updated_at = r.i64("updated_at");
  return r.finish<state>(std::move(s));
}

}  // namespace agora::domain::product
