// The trustee's kept replies (escrow_authority/trustee/decided_replies.hpp): found while fresh,
// gone after their time, the oldest dropped first past the byte bound, the first reply kept.
#include <gtest/gtest.h>

#include <string>

#include "decided_replies.hpp"

namespace doormat {
namespace {

std::array<uint8_t, 32> hash_of(uint8_t b) {
  std::array<uint8_t, 32> h{};
  h[0] = b;
  return h;
}
authority::DecidedReplies::Kept sealed(std::size_t bytes, int status = 200) {
  return {status, {{"trustee", 1}, {"sealed_response", std::string(bytes, 'a')}}};
}

TEST(DecidedReplies, AKeptReplyIsFoundUntilItsTimeThenGone) {
  authority::DecidedReplies kept(600, 1 << 20);
  kept.keep(hash_of(1), sealed(100), 1000);
  ASSERT_TRUE(kept.find(hash_of(1), 1600).has_value());
  EXPECT_EQ(kept.find(hash_of(1), 1600)->body["sealed_response"].get<std::string>().size(), 100u);
  EXPECT_FALSE(kept.find(hash_of(2), 1600).has_value());
  EXPECT_FALSE(kept.find(hash_of(1), 1601).has_value());
  EXPECT_EQ(kept.size(), 0u);
}

TEST(DecidedReplies, PastTheByteBoundTheOldestIsDroppedAndAnOversizedReplyIsNotKept) {
  authority::DecidedReplies kept(600, 10'000);
  kept.keep(hash_of(1), sealed(4000), 1000);
  kept.keep(hash_of(2), sealed(4000), 1001);
  kept.keep(hash_of(3), sealed(4000), 1002);  // the three do not fit: the first goes
  EXPECT_FALSE(kept.find(hash_of(1), 1003).has_value());
  EXPECT_TRUE(kept.find(hash_of(2), 1003).has_value());
  EXPECT_TRUE(kept.find(hash_of(3), 1003).has_value());
  kept.keep(hash_of(4), sealed(20'000), 1003);
  EXPECT_FALSE(kept.find(hash_of(4), 1003).has_value());
  EXPECT_EQ(kept.size(), 2u);
}

TEST(DecidedReplies, TheFirstReplyStands) {
  authority::DecidedReplies kept(600, 1 << 20);
  kept.keep(hash_of(1), sealed(10, 200), 1000);
  kept.keep(hash_of(1), sealed(20, 403), 1001);
  ASSERT_TRUE(kept.find(hash_of(1), 1001).has_value());
  EXPECT_EQ(kept.find(hash_of(1), 1001)->status, 200);
}

}  // namespace
}  // namespace doormat
