// The live cells' rules that need no deployment (attacks/live): the 95% t interval of a measured
// rate, and the "detected" half that is either a check's finding or "not observable".
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

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

TEST(LiveRates, IntervalsAreLabelledWithinRun) {
  // One run's passes back to back: the label must not claim more than the run's own spread.
  const auto r = estimate({90, 100, 110});
  EXPECT_NE(r.text(0, "").find("within-run 95% t interval"), std::string::npos);
  const auto g = item_rate({0.1, 0.12, 0.11});
  EXPECT_NE(g.text(2).find("within-run 95% t interval"), std::string::npos);
  EXPECT_NE(std::string(kIntervalMethod).find("within-run"), std::string::npos);
  EXPECT_NE(std::string(kItemIntervalMethod).find("between runs"), std::string::npos);
}

TEST(LiveRates, ThreadCpuClockCountsWorkNotSleep) {
  // Per-core figures are timed on the thread's CPU clock: a sleep (the machine busy elsewhere, from
  // this thread's view) adds nothing, work does.
  const double c0 = thread_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_LT(thread_cpu_seconds() - c0, 0.05);
  const double c1 = thread_cpu_seconds();
  volatile double x = 0;
  const auto w0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - w0 < std::chrono::milliseconds(50)) x = x + 1;
  EXPECT_GT(thread_cpu_seconds() - c1, 0.0);
  EXPECT_LE(thread_cpu_seconds() - c1, std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count() + 0.01);
}

TEST(LiveDetection, AnySessionRecoveredIsNotHeld) {
  // The rule every live cell applies to its sessions: 1 of 8 opened is obtained (broken or detected),
  // as is 8 of 8; only none is held.
  for (const auto& d : {Detection::not_observable("offline"), Detection::checked(false, "the auditor")}) {
    EXPECT_EQ(d.verdict(1 > 0), Verdict::broken);
    EXPECT_EQ(d.verdict(0 > 0), Verdict::held);
  }
  EXPECT_EQ(Detection::checked(true, "the auditor").verdict(7 > 0), Verdict::detected);
}

}  // namespace
}  // namespace doormat::attacks::live
