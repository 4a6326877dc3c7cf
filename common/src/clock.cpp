#include "common/clock.hpp"

#include <chrono>
#include <cstdio>

namespace agora {

timestamp_us system_clock::now() const noexcept {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const system_clock& system_clock::instance() noexcept {
  static const system_clock c;
  return c;
}

namespace {

// Floor division and modulo: C++ `/` truncates toward zero, which would put
// times before 1970 into the wrong second/day.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
// Computed from `%` rather than a - floor_div(a, b) * b, which overflows for INT64_MIN.
constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

struct civil_date {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// Days since 1970-01-01 -> proleptic Gregorian date (H. Hinnant's civil_from_days).
constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                       // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;               // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                  // [1, 12]
  return {m <= 2 ? y + 1 : y, m, d};
}

}  // namespace

std::size_t format_rfc3339_to(timestamp_us t, char* out) noexcept {
  constexpr std::int64_t us_per_s = 1'000'000;
  constexpr std::int64_t s_per_day = 86'400;
  const std::int64_t secs = floor_div(t, us_per_s);
  const std::int64_t micros = floor_mod(t, us_per_s);
  const std::int64_t days = floor_div(secs, s_per_day);
  const std::int64_t sod = floor_mod(secs, s_per_day);
  const civil_date date = civil_from_days(days);

  if (date.year < 0 || date.year > 9999) {
    // RFC 3339 only has 4-digit years; years outside 0000..9999 (only
    // reachable with absurd timestamps) keep their sign and full digits
    // rather than wrap.
    const int n = std::snprintf(out, rfc3339_max_chars, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                                static_cast<long long>(date.year), date.month, date.day,
                                static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                                static_cast<int>(sod % 60), static_cast<long long>(micros));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  // The common case, digit by digit: snprintf was most of the outbox relay's
  // per-event cost.
  auto put = [&out](std::int64_t v, int digits, std::size_t at) {
    for (int i = digits - 1; i >= 0; --i) {
      out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(date.year, 4, 0);
  out[4] = '-';
  put(date.month, 2, 5);
  out[7] = '-';
  put(date.day, 2, 8);
  out[10] = 'T';
  put(sod / 3600, 2, 11);
  out[13] = ':';
  put(sod / 60 % 60, 2, 14);
  out[16] = ':';
  put(sod % 60, 2, 17);
  out[19] = '.';
  put(micros, 6, 20);
  out[26] = 'Z';
  return 27;
}

std::string format_rfc3339(timestamp_us t) {
  char buf[rfc3339_max_chars];
  return std::string(buf, format_rfc3339_to(t, buf));
}

}  // namespace agora
