// A long command's progress line (issue 16): what it says (count, percent, time left only once
// there is a rate to extrapolate), and that it draws nothing unless enabled, and no bold under
// NO_COLOR.
#include "progress.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace doormat::progress {
namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  for (int c; (c = std::fgetc(f)) != EOF;) out.push_back(static_cast<char>(c));
  return out;
}

TEST(Progress, LineShowsCountPercentAndTimeLeft) {
  EXPECT_EQ(line("asking the trustees", 1, 4, 10.0, false), "asking the trustees: 1/4 (25%), about 30 s left");
}

TEST(Progress, LineBeforeAnythingIsDoneGuessesNothing) {
  EXPECT_EQ(line("combining", 0, 4, 3.0, false), "combining: 0/4 (0%), 3 s so far");
}

TEST(Progress, LineWhenDoneSaysHowLong) { EXPECT_EQ(line("combining", 4, 4, 12.4, false), "combining: 4/4 (100%), done in 12 s"); }

TEST(Progress, LineOfAStageWithoutACountShowsTheTimeSoFar) { EXPECT_EQ(line("starting", 0, 0, 2.0, false), "starting: 2 s so far"); }

TEST(Progress, BoldOnlyWhenAsked) {
  EXPECT_NE(line("x", 1, 2, 1.0, true).find("\033[1mx\033[0m"), std::string::npos);
  EXPECT_EQ(line("x", 1, 2, 1.0, false).find('\033'), std::string::npos);
}

TEST(Progress, DurationsReadAsAPersonWould) {
  EXPECT_EQ(duration_text(8.2), "8 s");
  EXPECT_EQ(duration_text(125), "2 min 05 s");
  EXPECT_EQ(duration_text(3780), "1 h 03 min");
  EXPECT_EQ(duration_text(-1), "0 s");
}

TEST(Progress, DisabledDrawsNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p(false, f);
    p.stage("asking", 2);
    p.advance();
    p.advance();
    p.clear();
  }
  EXPECT_EQ(contents(f), "");
  std::fclose(f);
}

TEST(Progress, EnabledDrawsInPlaceAndClearsTheLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ::unsetenv("NO_COLOR");
  {
    Progress p(true, f);
    p.stage("asking", 2);
    p.advance(2);  // the last step is always drawn
  }
  const auto out = contents(f);
  EXPECT_EQ(out.rfind("\r\033[K", 0), 0U) << out;  // redrawn over the same line
  EXPECT_NE(out.find("2/2 (100%)"), std::string::npos) << out;
  EXPECT_NE(out.find("\033[1masking"), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.size() - 4), "\r\033[K") << out;  // cleared on destruction
  std::fclose(f);
}

TEST(Progress, NoColorKeepsTheStagePlain) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ::setenv("NO_COLOR", "1", 1);
  {
    Progress p(true, f);
    p.stage("asking", 1);
  }
  ::unsetenv("NO_COLOR");
  const auto out = contents(f);
  EXPECT_NE(out.find("asking: 0/1"), std::string::npos) << out;
  EXPECT_EQ(out.find("\033[1m"), std::string::npos) << out;
  std::fclose(f);
}

}  // namespace
}  // namespace doormat::progress
