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

// With g2's table the prover gives the same proof, byte for byte, in both forms (the table only
// computes w·g2 faster: tdh2's partial decryption keeps one table of u).
TEST(Dleq, ProveWithG2TableIsTheSameProof) {
  Fixture f;
  const group::FixedBase g2_table(f.g2);
  const Scalar nonce = Scalar::random(f.rng);
  const Proof plain = prove_with_nonce(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, f.x, nonce);
  const Proof tabled = prove_with_nonce(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, nullptr, &g2_table}, f.x, nonce);
  EXPECT_EQ(plain.challenge.to_bytes(), tabled.challenge.to_bytes());
  EXPECT_EQ(plain.response.to_bytes(), tabled.response.to_bytes());
  const auto c_plain = prove_committed_with_nonce(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, f.x, nonce);
  const auto c_tabled = prove_committed_with_nonce(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, nullptr, &g2_table}, f.x, nonce);
  EXPECT_EQ(c_plain.a2.to_bytes(), c_tabled.a2.to_bytes());
  EXPECT_EQ(c_plain.response.to_bytes(), c_tabled.response.to_bytes());
}

// A table of another point would prove another statement (a2 not w·g2): the prover aborts.
TEST(DleqDeathTest, ProveAbortsOnAG2TableOfAnotherPoint) {
  Fixture f;
  const group::FixedBase wrong(f.h2);
  EXPECT_DEATH((void)prove(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, nullptr, &wrong}, f.x, f.rng), "");
  EXPECT_DEATH((void)prove_committed(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, nullptr, &wrong}, f.x, f.rng), "");
}

// ---- the committed form (SPEC §4.4) ----

struct CommittedFixture : Fixture {
  CommittedProof committed = prove_committed(kTag, {ctx}, {g1, h1, g2, h2}, x, rng);
};

TEST(DleqCommitted, HonestProofVerifies) {
  CommittedFixture f;
  EXPECT_TRUE(verify_committed(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, f.committed));
}

TEST(DleqCommitted, UnequalLogarithmsCannotBeProven) {
  CommittedFixture f;
  const Point h2_other = f.g2 * (f.x + Scalar::from_u64(1));
  const auto p = prove_committed(kTag, {f.ctx}, {f.g1, f.h1, f.g2, h2_other}, f.x, f.rng);
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, {f.g1, f.h1, f.g2, h2_other}, p));
}

TEST(DleqCommitted, EachStatementPointIsBound) {
  CommittedFixture f;
  const Point other = Point::base_mul(Scalar::random(f.rng));
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, {other, f.h1, f.g2, f.h2}, f.committed));
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, {f.g1, other, f.g2, f.h2}, f.committed));
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, {f.g1, f.h1, other, f.h2}, f.committed));
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, {f.g1, f.h1, f.g2, other}, f.committed));
}

// Each equation on its own: a proof wrong only in a1 fails the first, only in a2 the second.
TEST(DleqCommitted, TamperedA1OrA2OrResponseFails) {
  CommittedFixture f;
  const Statement st{f.g1, f.h1, f.g2, f.h2};
  CommittedProof bad_a1 = f.committed, bad_a2 = f.committed, bad_f = f.committed;
  bad_a1.a1 = bad_a1.a1 + Point::generator();
  bad_a2.a2 = bad_a2.a2 + Point::generator();
  bad_f.response = bad_f.response + Scalar::from_u64(1);
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, st, bad_a1));
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, st, bad_a2));
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, st, bad_f));
}

TEST(DleqCommitted, TagAndContextAreBound) {
  CommittedFixture f;
  const std::vector<uint8_t> other_ctx = {1, 2, 4};
  EXPECT_FALSE(verify_committed("doormat/v1/test/other", {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, f.committed));
  EXPECT_FALSE(verify_committed(kTag, {other_ctx}, {f.g1, f.h1, f.g2, f.h2}, f.committed));
}

// A zero nonce gives identity commitments and f = e x, which satisfy both equations: only the
// identity check refuses it.
TEST(DleqCommitted, IdentityCommitmentsAreRefused) {
  CommittedFixture f;
  const Statement st{f.g1, f.h1, f.g2, f.h2};
  const auto zero_nonce = prove_committed_with_nonce(kTag, {f.ctx}, st, f.x, Scalar());
  ASSERT_TRUE(zero_nonce.a1.is_identity());
  const Scalar e = committed_challenge(kTag, {f.ctx}, st, zero_nonce.a1, zero_nonce.a2);
  ASSERT_TRUE(zero_nonce.response == e * f.x);  // the equations would hold
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, st, zero_nonce));
}

TEST(DleqCommitted, VerifyWithH1TableAgreesWithoutIt) {
  CommittedFixture f;
  const group::FixedBase h1_table(f.h1);
  EXPECT_TRUE(verify_committed(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, &h1_table}, f.committed));
  CommittedProof forged = f.committed;
  forged.a1 = forged.a1 + Point::generator();
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2, &h1_table}, forged));
  EXPECT_FALSE(verify_committed(kTag, {f.ctx}, {f.g1, f.h1, f.g2, f.h2}, forged));
}

}  // namespace
}  // namespace escrow::dleq
