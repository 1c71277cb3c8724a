#pragma once
// Dates and durations as a person writes them (issue 16): ISO 8601 on input and output, Unix
// seconds kept beside them in JSON. Formats and files keep u64 seconds (SPEC §3.6, §10.1); this is
// the command line's reading and writing of them only.
//
// An instant: the extended format YYYY-MM-DDTHH:MM[:SS] followed by Z or an offset ±HH:MM, e.g.
// 2026-12-01T10:00:00Z, 2026-12-01T10:00Z, 2026-12-01T11:00+01:00; or digits only, Unix seconds
// (what scripts pass). A duration: P[nW] or P[nD][T[nH][nM][nS]] with at least one part, e.g. P30D,
// PT1H, P1DT12H, PT90S; or digits only, seconds. Years and months are refused: they have no fixed
// length. Anything else is refused with a message that shows an accepted example.
#include <cstdint>
#include <string>
#include <string_view>

#include "escrow/error.hpp"

namespace doormat::iso_time {

[[nodiscard]] escrow::Result<uint64_t> parse_instant(std::string_view text);
[[nodiscard]] escrow::Result<uint64_t> parse_duration(std::string_view text);
/// YYYY-MM-DDTHH:MM:SSZ (UTC), for any u64 up to year 9999; later instants as their seconds.
[[nodiscard]] std::string format_instant(uint64_t unix_seconds);
/// The shortest ISO 8601 duration, e.g. P30D, PT1H, P1DT2H30M, PT0S.
[[nodiscard]] std::string format_duration(uint64_t seconds);

}  // namespace doormat::iso_time
