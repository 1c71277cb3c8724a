// ISO 8601 dates and durations on the command line (issue 16): what is accepted, its seconds
// (checked against values computed independently with `date -u -d ... +%s`), and a refusal for
// each malformed form, with an accepted example in the message.
#include "iso_time.hpp"

#include <gtest/gtest.h>

namespace doormat::iso_time {
namespace {

uint64_t instant(std::string_view t) {
  auto r = parse_instant(t);
  EXPECT_TRUE(r.has_value()) << t << ": " << (r ? "" : r.error().detail);
  return r.value_or(0);
}
uint64_t duration(std::string_view t) {
  auto r = parse_duration(t);
  EXPECT_TRUE(r.has_value()) << t << ": " << (r ? "" : r.error().detail);
  return r.value_or(0);
}

TEST(IsoTime, InstantsInUtcAndWithOffsets) {
  EXPECT_EQ(instant("1970-01-01T00:00:00Z"), 0u);
  EXPECT_EQ(instant("2026-12-01T10:00:00Z"), 1796119200u);  // date -u -d 2026-12-01T10:00:00Z +%s
  EXPECT_EQ(instant("2026-12-01T10:00Z"), 1796119200u);
  EXPECT_EQ(instant("2026-12-01T11:00+01:00"), 1796119200u);
  EXPECT_EQ(instant("2026-12-01T05:30-04:30"), 1796119200u);
  EXPECT_EQ(instant("2024-02-29T23:59:59Z"), 1709251199u);  // a leap day
  EXPECT_EQ(instant("2000-03-01T00:00:00Z"), 951868800u);
  EXPECT_EQ(instant("1796119200"), 1796119200u);  // Unix seconds, as scripts pass them
}

TEST(IsoTime, FormatIsUtcWithSecondsAndRoundTrips) {
  EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_instant(1796119200), "2026-12-01T10:00:00Z");
  EXPECT_EQ(format_instant(1709251199), "2024-02-29T23:59:59Z");
  for (uint64_t t : {0ull, 59ull, 86399ull, 951868800ull, 1709251199ull, 4102444800ull, 253402300799ull})
    EXPECT_EQ(instant(format_instant(t)), t) << t;
  EXPECT_EQ(format_instant(253402300800ull), "253402300800 (Unix seconds)");
}

TEST(IsoTime, Durations) {
  EXPECT_EQ(duration("P30D"), 30u * 86400);
  EXPECT_EQ(duration("PT1H"), 3600u);
  EXPECT_EQ(duration("P1DT12H"), 129600u);
  EXPECT_EQ(duration("PT90S"), 90u);
  EXPECT_EQ(duration("P2W"), 14u * 86400);
  EXPECT_EQ(duration("P1DT2H30M15S"), 86400u + 7200 + 1800 + 15);
  EXPECT_EQ(duration("86400"), 86400u);
  for (uint64_t s : {0ull, 1ull, 60ull, 3600ull, 86400ull, 2592000ull, 95415ull}) EXPECT_EQ(duration(format_duration(s)), s) << s;
  EXPECT_EQ(format_duration(2592000), "P30D");
  EXPECT_EQ(format_duration(5400), "PT1H30M");
}

void instant_refused(std::string_view t, std::string_view why) {
  auto r = parse_instant(t);
  ASSERT_FALSE(r.has_value()) << t;
  EXPECT_EQ(r.error().category, escrow::ErrorCategory::malformed);
  EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("2026-12-01T10:00:00Z"), std::string::npos) << "no example: " << r.error().detail;
}
void duration_refused(std::string_view t, std::string_view why) {
  auto r = parse_duration(t);
  ASSERT_FALSE(r.has_value()) << t;
  EXPECT_EQ(r.error().category, escrow::ErrorCategory::malformed);
  EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("P30D"), std::string::npos) << "no example: " << r.error().detail;
}

TEST(IsoTime, RefusesEachMalformedInstant) {
  instant_refused("", "empty");
  instant_refused("2026-12-01", "not YYYY-MM-DDTHH:MM");
  instant_refused("2026-12-01 10:00Z", "not YYYY-MM-DDTHH:MM");
  instant_refused("20261201T100000Z", "not YYYY-MM-DDTHH:MM");  // the basic format
  instant_refused("2026-12-01T10:00", "no time zone");           // local time is ambiguous
  instant_refused("2026-12-01T10:00:0Z", "seconds are not two digits");
  instant_refused("2026-12-01T10:00:00.5Z", "fractions");
  instant_refused("2026-12-01T10:00+0100", "offset is not");
  instant_refused("2026-12-01T10:00Zjunk", "follows the time zone");
  instant_refused("2026-13-01T10:00Z", "no such month");
  instant_refused("2026-02-29T10:00Z", "no such day");  // not a leap year
  instant_refused("2026-12-01T24:00Z", "no such time of day");
  instant_refused("2026-12-01T10:00:60Z", "no such time of day");
  instant_refused("1969-12-31T23:59:59Z", "before 1970");
  instant_refused("-5", "not YYYY-MM-DDTHH:MM");
  instant_refused("99999999999999999999999", "not YYYY-MM-DDTHH:MM");  // beyond u64
  instant_refused("tomorrow", "not YYYY-MM-DDTHH:MM");
}

TEST(IsoTime, RefusesEachMalformedDuration) {
  duration_refused("", "empty");
  duration_refused("30D", "does not start with P");
  duration_refused("24h", "does not start with P");
  duration_refused("P", "no part");
  duration_refused("PT", "no part");
  duration_refused("P1DT", "T with no hours");
  duration_refused("P1Y", "years and months");
  duration_refused("P1M", "years and months");
  duration_refused("PT1H1H", "out of order or repeated");
  duration_refused("PT1M1H", "out of order or repeated");
  duration_refused("PT1D", "is not a unit here");
  duration_refused("PTH", "a unit without a number");
  duration_refused("PT5", "a number without a unit");
  duration_refused("P1DTT1H", "T twice");
  duration_refused("P99999999999999999999W", "too long");
  duration_refused("-86400", "does not start with P");
}

}  // namespace
}  // namespace doormat::iso_time
