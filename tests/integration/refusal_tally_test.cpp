// RefusalTally (escrow_authority/trustee/refusal_tally.hpp) without a network: what an outsider with many
// addresses can make a trustee log and whom the budget can lock out (outside penetration test,
// findings F3 and F5).
#include "refusal_tally.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

namespace doormat::authority {
namespace {

constexpr uint64_t kT0 = 1'800'000'000;  // an interval's start

TEST(RefusalTally, OneEntryPerSourceAndIntervalWhateverTheKindsOfRefusal) {
  RefusalTally tally;
  for (uint8_t code : {0x80, 0x81, 0x82, 0x84, 0x9f}) tally.count("10.0.0.1", code, {}, "r", kT0);
  const auto entries = tally.take_due(kT0 + RefusalTally::kIntervalSeconds);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].decision, 0x80);  // the first refusal's code
  EXPECT_NE(entries[0].reason.find("5 refusal(s)"), std::string::npos) << entries[0].reason;
  EXPECT_NE(entries[0].reason.find("0x9f x1"), std::string::npos) << entries[0].reason;
}

// agency_busy refusals (the fifth outside test's F1): counted against the budget, never logged; a
// logged refusal after them still keeps its own code and reason.
TEST(RefusalTally, UnloggedRefusalsCountTowardsTheBudgetAndWriteNoEntry) {
  RefusalTally tally(10);
  for (int i = 0; i < 9; ++i) tally.count_unlogged("10.0.0.2", kT0);
  EXPECT_FALSE(tally.over_budget("10.0.0.2", kT0));
  tally.count_unlogged("10.0.0.2", kT0);
  EXPECT_TRUE(tally.over_budget("10.0.0.2", kT0));
  EXPECT_TRUE(tally.over_budget("10.0.0.2", kT0 + RefusalTally::kIntervalSeconds));  // the sliding window counts them too
  EXPECT_TRUE(tally.take_due(kT0 + RefusalTally::kIntervalSeconds).empty());
  tally.count_unlogged("10.0.0.3", kT0 + RefusalTally::kIntervalSeconds);
  tally.count("10.0.0.3", 0x80, {}, "malformed", kT0 + RefusalTally::kIntervalSeconds);
  const auto entries = tally.take_due(kT0 + 2 * RefusalTally::kIntervalSeconds);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].decision, 0x80);
  EXPECT_NE(entries[0].reason.find("1 refusal(s)"), std::string::npos) << entries[0].reason;
  EXPECT_NE(entries[0].reason.find("malformed"), std::string::npos) << entries[0].reason;
}

TEST(RefusalTally, TenThousandAddressesAddAtMostKMaxSourcesPlusOneEntries) {
  RefusalTally tally;
  for (int i = 0; i < 10000; ++i) tally.count("127.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), 0x80, {}, "junk", kT0);
  EXPECT_EQ(tally.take_due(kT0 + RefusalTally::kIntervalSeconds).size(), RefusalTally::kMaxSources + 1);
}

TEST(RefusalTally, AnAddressPastTheTrackedSourcesIsNeverOverBudget) {
  RefusalTally tally(/*budget=*/10);
  const auto address = [](std::size_t i) { return fmt::format("10.{}.{}.1", i / 256, i % 256); };
  for (std::size_t i = 0; i < RefusalTally::kMaxTrackedSources; ++i) tally.count(address(i), 0x80, {}, "junk", kT0);
  for (int i = 0; i < 500; ++i) tally.count("10.200.0." + std::to_string(i % 250), 0x80, {}, "junk", kT0);  // all under "other sources"
  EXPECT_FALSE(tally.over_budget("192.0.2.7", kT0));  // a newcomer, an agency perhaps: not locked out by the others
  for (int i = 0; i < 10; ++i) tally.count(address(3), 0x80, {}, "junk", kT0);
  EXPECT_TRUE(tally.over_budget(address(3), kT0));   // a tracked source over its own budget is
  EXPECT_TRUE(tally.over_budget(address(3), kT0 + RefusalTally::kIntervalSeconds));  // across the boundary too (a sliding window)
  EXPECT_FALSE(tally.over_budget(address(3), kT0 + 2 * RefusalTally::kIntervalSeconds));  // until 10 s have no refusals of it
}

// The sixth outside test: the 65th address of an interval was counted under "other sources" and
// never refused for budget (300 of 300 replies in full). Budgets are kept for kMaxTrackedSources
// sources; only the log still names kMaxSources of them, the rest in one entry.
TEST(RefusalTally, TheSixtyFifthAddressOfAnIntervalHasABudgetToo) {
  RefusalTally tally(/*budget=*/10);
  for (std::size_t i = 0; i < RefusalTally::kMaxSources; ++i) tally.count("10.0.0." + std::to_string(i), 0x80, {}, "junk", kT0);
  int answered = 0;
  for (int i = 0; i < 300; ++i) {
    if (!tally.over_budget("10.0.1.65", kT0)) ++answered;
    tally.count("10.0.1.65", 0x80, {}, "junk", kT0);
  }
  EXPECT_EQ(answered, 10);
  const auto entries = tally.take_due(kT0 + RefusalTally::kIntervalSeconds);
  ASSERT_EQ(entries.size(), RefusalTally::kMaxSources + 1);
  EXPECT_NE(entries.back().reason.find("300 refusal(s) before any state changed, from other sources"), std::string::npos) << entries.back().reason;
  EXPECT_NE(entries.front().reason.find("from 10.0.0.0 "), std::string::npos) << entries.front().reason;  // the first to come is named first
}

TEST(RefusalTally, AnIpv6SourceIsItsSlash64AndAMappedIpv4AddressIsItself) {
  EXPECT_EQ(budget_source("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(budget_source("2001:db8:1:2::1"), budget_source("2001:db8:1:2:ffff::9"));
  EXPECT_NE(budget_source("2001:db8:1:2::1"), budget_source("2001:db8:1:3::1"));
  EXPECT_EQ(budget_source("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(budget_source("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(budget_source("local"), "local");
  RefusalTally tally(/*budget=*/2);
  tally.count("2001:db8:1:2::1", 0x80, {}, "junk", kT0);
  tally.count("2001:db8:1:2::2", 0x80, {}, "junk", kT0);
  EXPECT_TRUE(tally.over_budget("2001:db8:1:2::3", kT0));  // one /64, one budget
  EXPECT_FALSE(tally.over_budget("2001:db8:1:3::1", kT0));
}

// A burst that straddles an interval's boundary gets one budget, not two (the budget was per fixed
// interval until a CI run under ASan crossed a boundary mid-burst and 251 of 260 junk bodies were
// answered in full).
TEST(RefusalTally, ABurstAcrossAnIntervalBoundaryGetsOneBudgetNotTwo) {
  RefusalTally tally(/*budget=*/200);
  uint64_t answered = 0;
  auto burst = [&](uint64_t t, int n) {
    for (int i = 0; i < n; ++i) {
      if (!tally.over_budget("10.0.0.9", t)) ++answered;
      tally.count("10.0.0.9", 0x80, {}, "junk", t);
    }
  };
  burst(kT0 + RefusalTally::kIntervalSeconds - 1, 150);  // the last second of one interval
  burst(kT0 + RefusalTally::kIntervalSeconds, 150);      // the first of the next
  EXPECT_EQ(answered, 200u);
  // Half an interval later half the older interval still counts: 150 + 150 x 0.5 = 225 >= 200.
  answered = 0;
  burst(kT0 + RefusalTally::kIntervalSeconds + 5, 1);
  EXPECT_EQ(answered, 0u);
  answered = 0;
  burst(kT0 + 3 * RefusalTally::kIntervalSeconds + 5, 10);  // an interval without refusals in between: a fresh budget
  EXPECT_EQ(answered, 10u);
}

// The seventh outside test's F6: each aggregated entry spelt out its source's address in the
// public log. With the trustee's key a source is named by a keyed hash: the same name for the same
// source, another for another, and no address in the text.
TEST(RefusalTally, WithAKeyTheLogNamesASourceByAKeyedHashNotItsAddress) {
  std::array<uint8_t, 32> key{};
  key.fill(7);
  RefusalTally tally(/*budget=*/10, key);
  tally.count("192.0.2.7", 0x80, {}, "junk", kT0);
  tally.count("192.0.2.8", 0x80, {}, "junk", kT0);
  const auto entries = tally.take_due(kT0, /*everything=*/true);
  ASSERT_EQ(entries.size(), 2u);
  const auto name = tally.log_name("192.0.2.7");
  EXPECT_EQ(name.size(), std::string("source ").size() + 16);
  EXPECT_EQ(name, RefusalTally(10, key).log_name("192.0.2.7"));
  EXPECT_NE(name, tally.log_name("192.0.2.8"));
  key.fill(8);
  EXPECT_NE(name, RefusalTally(10, key).log_name("192.0.2.7"));  // another trustee, another name
  for (const auto& e : entries) EXPECT_EQ(e.reason.find("192.0.2."), std::string::npos) << e.reason;
  EXPECT_NE(entries[0].reason.find("from " + name + " in ["), std::string::npos) << entries[0].reason;
}

TEST(RefusalTally, ReasonsArePrintableAscii) {
  RefusalTally tally;
  tally.count("10.0.0.1", 0x84, {}, std::string("bad time \xff\x01 field"), kT0);
  const auto entries = tally.take_due(kT0, /*everything=*/true);
  ASSERT_EQ(entries.size(), 1u);
  for (char c : entries[0].reason) EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << static_cast<int>(static_cast<unsigned char>(c));
  EXPECT_EQ(public_words("a\xffz"), "a?z");
}

}  // namespace
}  // namespace doormat::authority
