#include "actors/domain/detail/email_address.hpp"

#include <idn2.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace agora::domain::detail {

namespace {

constexpr std::size_t k_max_bytes = 254;

agora::unexpected<domain_error> bad(const std::string& why) {
  return agora::unexpected{make_error(domain_errc::invalid_argument, "email " + why, "email")};
}

struct free_deleter {
  void operator()(void* p) const noexcept { std::free(p); }
};
using unistring_buffer = std::unique_ptr<uint8_t, free_deleter>;

const uint8_t* bytes(std::string_view s) noexcept { return reinterpret_cast<const uint8_t*>(s.data()); }

bool is_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

void ascii_lower(std::string& s) noexcept {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

void drop_trailing_dot(std::string& domain) noexcept {
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
}

// NFKC, or case folding followed by NFKC (libunistring allocates the result).
std::optional<std::string> nfkc(std::string_view s, bool casefold) {
  std::size_t len = 0;
  unistring_buffer out(casefold ? u8_casefold(bytes(s), s.size(), nullptr, UNINORM_NFKC, nullptr, &len)
                                : u8_normalize(UNINORM_NFKC, bytes(s), s.size(), nullptr, &len));
  if (!out) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(out.get()), len);
}

// Calls fn(code point) for each character of valid UTF-8 `s`.
template <class F>
void for_each_code_point(std::string_view s, F&& fn) {
  const uint8_t* p = bytes(s);
  std::size_t left = s.size();
  while (left > 0) {
    ucs4_t uc = 0;
    const int n = u8_mbtouc(&uc, p, left);
    if (n <= 0) return;
    fn(uc);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

bool is_forbidden(ucs4_t uc) noexcept {
  // Whitespace and separators, controls, format characters (zero-width
  // joiners and spaces would make invisible variants of one address),
  // surrogates, private use and unassigned code points.
  return uc <= 0x20 || uc == 0x7f || uc_is_general_category(uc, UC_CATEGORY_Z) ||
         uc_is_general_category(uc, UC_CATEGORY_C);
}

// UTS #39 "highly restrictive": one script, or Latin with one of the CJK sets.
bool single_script_or_cjk(std::string_view local) {
  std::set<std::string_view> scripts;
  for_each_code_point(local, [&](ucs4_t uc) {
    const uc_script_t* s = uc_script(uc);
    if (s == nullptr || s->name == nullptr) {
      scripts.insert("Unknown");
      return;
    }
    const std::string_view name(s->name);
    if (name != "Common" && name != "Inherited") scripts.insert(name);
  });
  if (scripts.size() <= 1) return true;
  for (const auto& allowed : {std::set<std::string_view>{"Latin", "Han", "Hiragana", "Katakana"},
                              std::set<std::string_view>{"Latin", "Han", "Bopomofo"},
                              std::set<std::string_view>{"Latin", "Han", "Hangul"}}) {
    if (std::includes(allowed.begin(), allowed.end(), scripts.begin(), scripts.end())) return true;
  }
  return false;
}

std::optional<std::string> split_checked(std::string_view email, std::string* local, std::string* domain,
                                         std::string* why) {
  const auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    *why = "must contain exactly one '@'";
    return std::nullopt;
  }
  *local = std::string(email.substr(0, at));
  *domain = std::string(email.substr(at + 1));
  drop_trailing_dot(*domain);
  if (local->empty() || domain->empty()) {
    *why = "needs a local part and a domain";
    return std::nullopt;
  }
  return std::string();
}

}  // namespace

agora::expected<std::string, domain_error> normalize_email_address(std::string_view email) {
  if (email.empty() || email.size() > k_max_bytes) return bad("must be 1..254 bytes");
  std::string local, domain, why;

  if (is_ascii(email)) {
    // The normalisation every stored ASCII key was made with, plus the
    // trailing dot (`X@EXAMPLE.COM.` is `x@example.com`).
    for (char c : email) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f) return bad("must not contain whitespace or control characters");
    }
    if (!split_checked(email, &local, &domain, &why)) return bad(why);
    std::string out = local + "@" + domain;
    ascii_lower(out);
    return out;
  }

  if (u8_check(bytes(email), email.size()) != nullptr) return bad("must be valid UTF-8");
  auto folded = nfkc(email, false);
  if (!folded) return bad("cannot be normalised");
  bool forbidden = false;
  for_each_code_point(*folded, [&](ucs4_t uc) { forbidden = forbidden || is_forbidden(uc); });
  if (forbidden) return bad("must not contain whitespace, control, format or unassigned characters");
  if (!split_checked(*folded, &local, &domain, &why)) return bad(why);

  auto local_key = nfkc(local, true);
  if (!local_key) return bad("cannot be normalised");
  if (!single_script_or_cjk(*local_key)) {
    return bad("local part mixes scripts (such as Latin and Cyrillic letters that look alike)");
  }

  if (is_ascii(domain)) {
    ascii_lower(domain);
  } else {
    uint8_t* a_labels = nullptr;
    const int rc = idn2_lookup_u8(bytes(domain), &a_labels, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    if (rc != IDN2_OK || a_labels == nullptr) {
      idn2_free(a_labels);
      return bad(std::string("domain is not a valid internationalised domain name (") + idn2_strerror(rc) + ")");
    }
    domain.assign(reinterpret_cast<const char*>(a_labels));
    idn2_free(a_labels);
    ascii_lower(domain);
    drop_trailing_dot(domain);  // an ideographic full stop maps to '.'
    if (domain.empty()) return bad("needs a local part and a domain");
  }

  std::string out = *local_key + "@" + domain;
  if (out.size() > k_max_bytes) return bad("must be 1..254 bytes");
  return out;
}

}  // namespace agora::domain::detail
