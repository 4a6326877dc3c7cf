#pragma once
// Internal to agora_domain. AGORA_DOMAIN_TRY(expr): evaluates an expected<...,
// domain_error>; on failure returns the error from the enclosing decide helper.
// A macro because C++17 has no early-return expression; it keeps validation
// sequences one line per rule.

#define AGORA_DOMAIN_TRY(expr)                                        \
  do {                                                                \
    if (auto agora_domain_try_r = (expr); !agora_domain_try_r) {      \
      return ::agora::unexpected{std::move(agora_domain_try_r).error()}; \
    }                                                                 \
  } while (false)
