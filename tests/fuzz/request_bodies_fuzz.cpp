// libFuzzer target for the REST API's request-body decoders. Every decoder
// must take any bytes without crashing, leaking or invoking undefined
// behaviour, and whatever it accepts must satisfy the limits it promises.
// Built and run by tests/fuzz/run_fuzz.sh (clang, -fsanitize=fuzzer).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/request_bodies.hpp"

using namespace agora::api;

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto r = decode_order(body)) {
    check(!r->items.empty() && r->items.size() <= kMaxOrderLines);
    for (const auto& l : r->items) check(l.quantity >= 1 && l.quantity <= kMaxLineQuantity && !l.sku.empty());
  } else {
    check(!r.error().empty());
  }
  if (auto r = decode_product(body)) {
    check(r->price >= 0 && r->price <= kMaxPriceMinor && r->currency.size() == 3 && !r->sku.empty());
    if (r->initial_stock) check(*r->initial_stock >= 0);
  }
  if (auto r = decode_product_patch(body)) check(!r->price || (*r->price >= 0 && *r->price <= kMaxPriceMinor));
  if (auto r = decode_cart_item(body)) check(r->quantity >= 0 && r->quantity <= kMaxLineQuantity);
  if (auto r = decode_adjustment(body)) check(r->delta != 0 && !r->reason.empty());
  if (auto r = decode_register(body)) check(r->password.size() >= 8 && r->email.find('@') != std::string::npos);
  (void)decode_login(body);
  (void)decode_status(body);
  (void)decode_pay(body);
  (void)decode_cancel(body);
  return 0;
}
