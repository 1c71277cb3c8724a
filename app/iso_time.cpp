#include "iso_time.hpp"

#include <fmt/format.h>

#include <cctype>
#include <limits>
#include <optional>

namespace doormat::iso_time {
namespace {
constexpr std::string_view kInstantExample = "give an ISO 8601 date-time such as 2026-12-01T10:00:00Z (UTC) or 2026-12-01T11:00+01:00, or Unix seconds";
constexpr std::string_view kDurationExample = "give an ISO 8601 duration such as P30D, PT1H or P1DT12H (weeks, days, hours, minutes, seconds), or seconds";
constexpr uint64_t kMaxSeconds = std::numeric_limits<uint64_t>::max();

bool digit(char c) { return c >= '0' && c <= '9'; }

// Digits only, fitting in u64.
std::optional<uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!digit(c)) return std::nullopt;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (kMaxSeconds - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

// Exactly `n` digits at s[at..].
std::optional<int> fixed(std::string_view s, std::size_t at, std::size_t n) {
  if (at + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!digit(s[i])) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned days_in_month(int y, int m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

escrow::Error bad_instant(std::string_view text, std::string_view why) {
  return {escrow::ErrorCategory::malformed, "iso_time::parse_instant", fmt::format("'{}' is not a time ({}): {}", text, why, kInstantExample)};
}
escrow::Error bad_duration(std::string_view text, std::string_view why) {
  return {escrow::ErrorCategory::malformed, "iso_time::parse_duration", fmt::format("'{}' is not a duration ({}): {}", text, why, kDurationExample)};
}

}  // namespace

escrow::Result<uint64_t> parse_instant(std::string_view t) {
  if (t.empty()) return escrow::unexpected(bad_instant(t, "it is empty"));
  if (auto n = number(t)) return *n;
  // YYYY-MM-DDTHH:MM then optional :SS, then Z or ±HH:MM, nothing after.
  const auto y = fixed(t, 0, 4), mo = fixed(t, 5, 2), d = fixed(t, 8, 2), h = fixed(t, 11, 2), mi = fixed(t, 14, 2);
  if (!y || !mo || !d || !h || !mi || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') || t[13] != ':')
    return escrow::unexpected(bad_instant(t, "not YYYY-MM-DDTHH:MM"));
  std::size_t at = 16;
  int s = 0;
  if (at < t.size() && t[at] == ':') {
    const auto sec = fixed(t, at + 1, 2);
    if (!sec) return escrow::unexpected(bad_instant(t, "seconds are not two digits"));
    s = *sec;
    at += 3;
  }
  if (at < t.size() && t[at] == '.') return escrow::unexpected(bad_instant(t, "fractions of a second are not taken"));
  int64_t offset = 0;
  if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    at += 1;
  } else if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    const auto oh = fixed(t, at + 1, 2), om = fixed(t, at + 4, 2);
    if (!oh || !om || t[at + 3] != ':' || *oh > 23 || *om > 59) return escrow::unexpected(bad_instant(t, "the offset is not ±HH:MM"));
    offset = (t[at] == '+' ? 1 : -1) * (static_cast<int64_t>(*oh) * 3600 + static_cast<int64_t>(*om) * 60);
    at += 6;
  } else {
    return escrow::unexpected(bad_instant(t, "no time zone: end it with Z for UTC, or an offset such as +01:00"));
  }
  if (at != t.size()) return escrow::unexpected(bad_instant(t, "something follows the time zone"));
  if (*mo < 1 || *mo > 12) return escrow::unexpected(bad_instant(t, "no such month"));
  if (*d < 1 || static_cast<unsigned>(*d) > days_in_month(*y, *mo)) return escrow::unexpected(bad_instant(t, "no such day in that month"));
  if (*h > 23 || *mi > 59 || s > 59) return escrow::unexpected(bad_instant(t, "no such time of day"));
  const int64_t secs = days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400 + *h * 3600 + *mi * 60 + s - offset;
  if (secs < 0) return escrow::unexpected(bad_instant(t, "before 1970-01-01T00:00:00Z"));
  return static_cast<uint64_t>(secs);
}

escrow::Result<uint64_t> parse_duration(std::string_view t) {
  if (t.empty()) return escrow::unexpected(bad_duration(t, "it is empty"));
  if (auto n = number(t)) return *n;
  if (t[0] != 'P' && t[0] != 'p') return escrow::unexpected(bad_duration(t, "it does not start with P"));
  uint64_t total = 0;
  bool in_time = false, any = false;
  char last = 0;  // the last unit read, to keep units in order and each once
  std::size_t i = 1;
  while (i < t.size()) {
    if (t[i] == 'T' || t[i] == 't') {
      if (in_time) return escrow::unexpected(bad_duration(t, "T twice"));
      in_time = true;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < t.size() && digit(t[j])) ++j;
    if (j == i) return escrow::unexpected(bad_duration(t, fmt::format("a unit without a number at character {}", i + 1)));
    if (j == t.size()) return escrow::unexpected(bad_duration(t, "a number without a unit"));
    auto n = number(t.substr(i, j - i));
    const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(t[j])));
    if ((unit == 'Y' || unit == 'M') && !in_time)
      return escrow::unexpected(bad_duration(t, "years and months have no fixed length; use days, e.g. P30D"));
    static constexpr std::string_view kDateUnits = "WD", kTimeUnits = "HMS";
    const std::string_view units = in_time ? kTimeUnits : kDateUnits;
    const auto pos = units.find(unit);
    if (pos == std::string_view::npos) return escrow::unexpected(bad_duration(t, fmt::format("'{}' is not a unit here", t[j])));
    if (last && units.find(last) != std::string_view::npos && units.find(last) >= pos)
      return escrow::unexpected(bad_duration(t, "units out of order or repeated"));
    const uint64_t scale = unit == 'W' ? 604800 : unit == 'D' ? 86400 : unit == 'H' ? 3600 : unit == 'M' ? 60 : 1;
    if (!n || *n > (kMaxSeconds - total) / scale) return escrow::unexpected(bad_duration(t, "too long"));
    total += *n * scale;
    any = true;
    last = unit;
    i = j + 1;
  }
  if (!any) return escrow::unexpected(bad_duration(t, "no part"));
  if (in_time && (last == 'W' || last == 'D')) return escrow::unexpected(bad_duration(t, "T with no hours, minutes or seconds"));
  return total;
}

std::string format_instant(uint64_t unix_seconds) {
  constexpr uint64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
  if (unix_seconds >= kYear10000) return fmt::format("{} (Unix seconds)", unix_seconds);
  // H. Hinnant's civil_from_days.
  const int64_t z = static_cast<int64_t>(unix_seconds / 86400) + 719468;
  const uint64_t sod = unix_seconds % 86400;
  const int64_t era = z / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, sod / 3600, sod % 3600 / 60, sod % 60);
}

std::string format_duration(uint64_t s) {
  if (s == 0) return "PT0S";
  std::string out = "P";
  if (s >= 86400) out += fmt::format("{}D", s / 86400);
  const uint64_t rest = s % 86400;
  if (rest) {
    out += 'T';
    if (rest >= 3600) out += fmt::format("{}H", rest / 3600);
    if (rest % 3600 >= 60) out += fmt::format("{}M", rest % 3600 / 60);
    if (rest % 60) out += fmt::format("{}S", rest % 60);
  }
  return out;
}

}  // namespace doormat::iso_time
