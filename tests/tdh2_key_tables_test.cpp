// tdh2::KeyTables (tdh2.hpp): a public key's tables are of its current points, whatever was done to
// the key since they were built (copy, assignment, a changed Y or Y_i), and encryption and the
// partials' verification give the same answers through them.
#include <gtest/gtest.h>

#include "escrow/tdh2.hpp"

namespace escrow::tdh2 {
namespace {
using group::Point;
using group::Scalar;

TEST(Tdh2KeyTables, TablesAreOfTheKeysPoints) {
  DeterministicRng rng("tdh2/key-tables");
  const auto dealt = deal(3, 5, rng).value();
  const PublicKey& pk = dealt.public_key;
  const Scalar s = Scalar::random(rng);
  EXPECT_EQ(pk.tables.y(pk).mul(s), pk.y * s);
  for (uint32_t i = 1; i <= pk.n; ++i) {
    const auto index = *PartyIndex::make(i);
    EXPECT_EQ(pk.tables.verification_key(pk, index).point(), pk.verification_key(index));
    EXPECT_EQ(pk.tables.verification_key(pk, index).mul(s), pk.verification_key(index) * s);
  }
}

TEST(Tdh2KeyTables, AChangedKeyGetsNewTables) {
  DeterministicRng rng("tdh2/key-tables/changed");
  auto dealt = deal(3, 5, rng).value();
  PublicKey pk = dealt.public_key;  // a copy: starts without tables
  const auto one = *PartyIndex::make(1);
  (void)pk.tables.y(pk);  // built for the old points
  (void)pk.tables.verification_key(pk, one);
  pk.y = pk.y + Point::generator();
  pk.verification_keys[0] = pk.verification_keys[0] + Point::generator();
  EXPECT_EQ(pk.tables.y(pk).point(), pk.y);
  EXPECT_EQ(pk.tables.verification_key(pk, one).point(), pk.verification_keys[0]);
  // Assignment from another key: the other key's points, not the tables built before.
  pk = dealt.public_key;
  EXPECT_EQ(pk.tables.y(pk).point(), dealt.public_key.y);
  EXPECT_EQ(pk.tables.verification_key(pk, one).point(), dealt.public_key.verification_keys[0]);
}

// The partials' verification through the tables still names a cheater (the Y_i table path).
TEST(Tdh2KeyTables, VerifyPartialThroughTablesRefusesAForgedProof) {
  DeterministicRng rng("tdh2/key-tables/verify");
  const auto dealt = deal(3, 5, rng).value();
  const auto& pk = dealt.public_key;
  const std::vector<uint8_t> label = {'L'};
  const auto ct = encrypt(pk, random_session_key(rng), label, rng).value();
  auto pd = partial_decrypt(pk, dealt.shares[1], ct, rng).value();
  EXPECT_TRUE(verify_partial(pk, ct, pd).has_value());
  pd.f_i = pd.f_i + Scalar::from_u64(1);
  const auto refused = verify_partial(pk, ct, pd);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().category, ErrorCategory::invalid_proof);
}

}  // namespace
}  // namespace escrow::tdh2
