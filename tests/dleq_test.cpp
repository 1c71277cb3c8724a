#include "escrow/dleq.hpp"

#include <gtest/gtest.h>

namespace escrow::dleq {
namespace {
using group::Point;
using group::Scalar;

constexpr std::string_view kTag = "doormat/v1/test/dleq";

struct Fixture {
  DeterministicRng rng{"dleq"};
  Scalar x = Scalar::random(rng);
  Point g1 = Point::generator();
  Point g2 = Point::base_mul(Scalar::random(rng));
  Point h1 = g1 * x;
  Point h2 = g2 * x;
  std::vector<uint8_t> ctx = {1, 2, 3};
  Proof proof = prove(kTag, {ctx}, {g1, h1, g2, h2}, x, rng);
};

TEST(Dleq, HonestProofVerifies) {
  Fixture f;
  EXPECT_TRUE(verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, f.proof));
}

TEST(Dleq, UnequalLogarithmsCannotBeProven) {
  Fixture f;
  const Point h2_other = f.g2 * (f.x + Scalar::from_u64(1));
  const Proof p = prove(kTag, {f.ctx}, {f.g1, f.h1, f.g2, h2_other}, f.x, f.rng);
  EXPECT_FALSE(verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, h2_other}, p));
}

TEST(Dleq, EachStatementPointIsBound) {
  Fixture f;
  const Point other = Point::base_mul(Scalar::random(f.rng));
  EXPECT_FALSE(verify(kTag, {f.ctx}, {other, f.h1, f.g2, f.h2}, f.proof));
  EXPECT_FALSE(verify(kTag, {f.ctx}, {f.g1, other, f.g2, f.h2}, f.proof));
  EXPECT_FALSE(verify(kTag, {f.ctx}, {f.g1, f.h1, other, f.h2}, f.proof));
  EXPECT_FALSE(verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, other}, f.proof));
}

TEST(Dleq, TamperedChallengeOrResponseFails) {
  Fixture f;
  const Scalar one = Scalar::from_u64(1);
  EXPECT_FALSE(verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, {f.proof.challenge + one, f.proof.response}));
  EXPECT_FALSE(verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, {f.proof.challenge, f.proof.response + one}));
}

TEST(Dleq, TagAndContextAreBound) {
  Fixture f;
  const std::vector<uint8_t> other_ctx = {1, 2, 4};
  EXPECT_FALSE(verify("doormat/v1/test/other", {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, f.proof));
  EXPECT_FALSE(verify(kTag, {other_ctx}, {f.g1, f.h1, f.g2, f.h2}, f.proof));
}

// verify with h1's fixed-base table (tdh2's Y_i) decides as without it, on honest and forged proofs.
TEST(Dleq, VerifyWithH1TableAgreesWithoutIt) {
  Fixture f;
  const group::FixedBase h1_table(f.h1);
  EXPECT_TRUE(verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, &h1_table}, f.proof));
  const Proof forged{f.proof.challenge, f.proof.response + Scalar::from_u64(1)};
  EXPECT_FALSE(verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, &h1_table}, forged));
  EXPECT_FALSE(verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, forged));
}

// A table of another point would verify another statement: verify aborts rather than answer.
TEST(DleqDeathTest, VerifyAbortsOnATableOfAnotherPoint) {
  Fixture f;
  const group::FixedBase wrong(f.h2);
  EXPECT_DEATH((void)verify(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, &wrong}, f.proof), "");
}

}  // namespace
}  // namespace escrow::dleq
