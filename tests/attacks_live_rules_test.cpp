// The live cells' rules that need no deployment (attacks/live): the 95% t interval of a measured
// rate, and the "detected" half that is either a check's finding or "not observable".
#include <gtest/gtest.h>

#include <cmath>

#include "detection.hpp"
#include "timed_passes.hpp"

namespace doormat::attacks::live {
namespace {

TEST(LiveRates, StudentQuantilesMatchTheTableAndTheNormalLimit) {
  EXPECT_DOUBLE_EQ(student_t975(1), 12.706);
  EXPECT_DOUBLE_EQ(student_t975(4), 2.776);
  EXPECT_DOUBLE_EQ(student_t975(30), 2.042);
  EXPECT_NEAR(student_t975(40), 2.0211, 2e-4);   // tables: 2.021
  EXPECT_NEAR(student_t975(120), 1.9799, 2e-4);  // tables: 1.980
  EXPECT_NEAR(student_t975(100000), 1.96, 1e-3);
}

TEST(LiveRates, IntervalIsTheMeanPlusMinusTTimesTheStandardError) {
  const auto r = estimate({1, 2, 3});
  EXPECT_DOUBLE_EQ(r.mean, 2);
  ASSERT_TRUE(r.ci95);
  const double half = 4.303 * 1.0 / std::sqrt(3.0);
  EXPECT_NEAR(r.ci95->first, 2 - half, 1e-12);
  EXPECT_NEAR(r.ci95->second, 2 + half, 1e-12);
  EXPECT_NE(r.text(2, "/s").find("95% t interval"), std::string::npos);
}

TEST(LiveRates, OnePassHasNoInterval) {
  const auto r = estimate({5});
  EXPECT_DOUBLE_EQ(r.mean, 5);
  EXPECT_FALSE(r.ci95);
  EXPECT_TRUE(r.ci95_json().is_null());
  EXPECT_TRUE(inverse_ci95(r, 1e6).is_null());
}

TEST(LiveRates, CostIntervalInvertsTheRateIntervalAndHasNoBoundBelowZero) {
  const auto r = estimate({2, 4});  // mean 3, half-width 12.706: low end below zero
  const auto cost = inverse_ci95(r, 100);
  ASSERT_TRUE(cost.is_array());
  EXPECT_NEAR(cost[0].get<double>(), 100 / r.ci95->second, 1e-9);
  EXPECT_TRUE(cost[1].is_null());
  const auto tight = estimate({9, 10, 11});
  const auto c2 = inverse_ci95(tight, 100);
  EXPECT_NEAR(c2[1].get<double>(), 100 / tight.ci95->first, 1e-9);
}

TEST(LiveDetection, NotObservableIsNeverACheckedFalse) {
  const auto none = Detection::not_observable("offline");
  EXPECT_EQ(none.verdict(true), Verdict::broken);
  EXPECT_EQ(none.verdict(false), Verdict::held);
  EXPECT_EQ(none.to_json()["observable"], false);
  EXPECT_EQ(none.to_json()["detected"], "not observable in this scenario");
  EXPECT_NE(none.text().find("not observable"), std::string::npos);
  const auto flagged = Detection::checked(true, "the auditor");
  EXPECT_EQ(flagged.verdict(true), Verdict::detected);
  EXPECT_EQ(flagged.verdict(false), Verdict::held);
  EXPECT_EQ(flagged.to_json()["detected"], true);
  const auto missed = Detection::checked(false, "the auditor");
  EXPECT_EQ(missed.verdict(true), Verdict::broken);
  EXPECT_EQ(missed.to_json()["detected"], false);
}

}  // namespace
}  // namespace doormat::attacks::live
