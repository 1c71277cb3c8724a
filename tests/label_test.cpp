#include "escrow/label.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace escrow {
namespace {
using test::failed_with;

TEST(SessionLabel, RoundTrips) {
  DeterministicRng rng("label");
  const auto label = SessionLabel::make("alice@example", "bob@example", 1'790'000'000, rng).value();
  const auto enc = label.encode();
  EXPECT_EQ(enc.size(), 6 + 1 + 13 + 1 + 11 + 8 + 16);
  const auto back = SessionLabel::decode(enc).value();
  EXPECT_EQ(back.sender, "alice@example");
  EXPECT_EQ(back.recipient, "bob@example");
  EXPECT_EQ(back.time, 1'790'000'000u);
  EXPECT_EQ(back.session_id, label.session_id);
}

TEST(SessionLabel, RefusesEmptyAndControlCharacterIdentities) {
  DeterministicRng rng("label/bad");
  EXPECT_TRUE(failed_with(SessionLabel::make("", "bob", 1, rng), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(SessionLabel::make("al\nice", "bob", 1, rng), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(SessionLabel::make("alice", std::string(256, 'b'), 1, rng), ErrorCategory::malformed));
  // Decoding applies the same rules to bytes nobody checked.
  SessionLabel raw{"ali\x01" "ce", "bob", 1, {}};
  EXPECT_TRUE(failed_with(SessionLabel::decode(raw.encode()), ErrorCategory::malformed));
}

TEST(SessionLabel, RefusesTrailingBytes) {
  DeterministicRng rng("label/trailing");
  auto enc = SessionLabel::make("a", "b", 1, rng).value().encode();
  enc.push_back(0);
  EXPECT_TRUE(failed_with(SessionLabel::decode(enc), ErrorCategory::malformed));
}


TEST(SessionLabel, IdentitiesOf255BytesRoundTripAnd256AreRefused) {
  DeterministicRng rng("label/bounds");
  const std::string at(255, 'a'), over(256, 'a');
  const auto label = SessionLabel::make(at, at, 1, rng).value();
  const auto back = SessionLabel::decode(label.encode()).value();
  EXPECT_EQ(back.sender, at);
  EXPECT_EQ(back.recipient, at);
  for (auto [s, r] : {std::pair{over, at}, std::pair{at, over}}) {
    auto bad = SessionLabel::make(s, r, 1, rng);
    ASSERT_TRUE(failed_with(bad, ErrorCategory::malformed));
    EXPECT_NE(bad.error().detail.find("1..255 bytes"), std::string::npos);
  }
}

TEST(SessionLabelDeathTest, EncodeAbortsOnAnIdentityMakeWouldRefuse) {
  SessionLabel raw{std::string(256, 'a'), "bob", 1, {}};
  EXPECT_DEATH((void)raw.encode(), "over its u8 prefix");
}

}  // namespace
}  // namespace escrow
