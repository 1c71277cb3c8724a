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
  const auto one = item_rate({0.25});
  EXPECT_DOUBLE_EQ(one.rate(), 4);
  EXPECT_TRUE(one.rate_ci95().is_null());
  EXPECT_TRUE(one.cost_ci95(1e6, 3600).is_null());
}

// Per-item times: the rate is the inverse of the mean time (4 items in 1 s: 4/s), not the mean of
// the per-item rates (which would be (10 + 10 + 10 + 1.43) / 4 = 7.9/s here).
TEST(LiveRates, ItemRateInvertsTheMeanTimeAndItsInterval) {
  const auto r = item_rate({0.1, 0.1, 0.1, 0.7});
  EXPECT_NEAR(r.rate(), 4, 1e-12);
  ASSERT_TRUE(r.seconds.ci95);
  const auto [low, high] = *r.seconds.ci95;
  ASSERT_LE(low, 0) << "this sample's time interval reaches 0";
  const auto rate = r.rate_ci95(), cost = r.cost_ci95(1000, 1);
  EXPECT_NEAR(rate[0].get<double>(), 1 / high, 1e-12);
  EXPECT_TRUE(rate[1].is_null()) << "no upper bound on the rate";
  EXPECT_TRUE(cost[0].is_null());
  EXPECT_NEAR(cost[1].get<double>(), 1000 * high, 1e-9);
  const auto tight = item_rate({0.30, 0.31, 0.29});
  const auto [tl, th] = *tight.seconds.ci95;
  EXPECT_NEAR(tight.rate_ci95()[1].get<double>(), 1 / tl, 1e-12);
  EXPECT_NEAR(tight.cost_ci95(1e6, 3600)[0].get<double>(), 1e6 * tl / 3600, 1e-9);
  EXPECT_NE(tight.text(2).find("95% t interval"), std::string::npos);
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
