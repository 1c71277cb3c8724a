#include "escrow/shamir.hpp"

#include <gtest/gtest.h>

#include <random>

#include "escrow/vss.hpp"
#include "test_support.hpp"

namespace escrow::shamir {
namespace {
using group::Point;
using group::Scalar;
using test::failed_with;

std::vector<Share> pick(const std::vector<Share>& shares, const std::vector<std::size_t>& which) {
  std::vector<Share> out;
  for (auto i : which) out.push_back(shares[i]);
  return out;
}

// Property loop over (k, n) from 1-of-1 to 10-of-19: the corners plus 40 random pairs.
std::vector<std::pair<std::size_t, std::size_t>> thresholds() {
  std::vector<std::pair<std::size_t, std::size_t>> out = {{1, 1}, {1, 19}, {19, 19}, {10, 19}, {2, 3}, {3, 5}};
  std::mt19937 gen(2026);
  for (int t = 0; t < 40; ++t) {
    const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 19)(gen);
    const std::size_t k = std::uniform_int_distribution<std::size_t>(1, std::min<std::size_t>(n, 10))(gen);
    out.emplace_back(k, n);
  }
  return out;
}

TEST(Shamir, EveryKSubsetReconstructsAndNoSmallerOneDoes) {
  DeterministicRng rng("shamir/property");
  for (auto [k, n] : thresholds()) {
    const Scalar secret = Scalar::random(rng);
    auto shares = split(secret, k, n, rng);
    ASSERT_TRUE(shares.has_value());
    for (const auto& s : test::subsets(n, k, 3000, static_cast<uint32_t>(k * 100 + n)))
      ASSERT_EQ(reconstruct(pick(*shares, s)).value(), secret) << k << "-of-" << n;
    if (k == 1) continue;
    for (const auto& s : test::subsets(n, k - 1, 300, static_cast<uint32_t>(k * 1000 + n))) {
      ASSERT_FALSE(reconstruct(pick(*shares, s)).value() == secret) << k - 1 << " shares of " << k << "-of-" << n;
    }
  }
}

TEST(Shamir, SplitRefusesImpossibleThresholds) {
  DeterministicRng rng("shamir/bad");
  const Scalar s = Scalar::random(rng);
  EXPECT_TRUE(failed_with(split(s, 0, 3, rng), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(split(s, 4, 3, rng), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(split(s, 2, 256, rng), ErrorCategory::malformed));
}

TEST(Shamir, LagrangeRefusesDuplicateAndEmptyIndexSets) {
  const auto one = *PartyIndex::make(1), two = *PartyIndex::make(2);
  const std::vector<PartyIndex> dup = {one, two, one};
  EXPECT_TRUE(failed_with(lagrange_coefficients(dup), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(lagrange_coefficients({}), ErrorCategory::malformed));
}

TEST(Shamir, PartyIndexZeroAndAbove255CannotBeMade) {
  EXPECT_FALSE(PartyIndex::make(0).has_value());
  EXPECT_FALSE(PartyIndex::make(256).has_value());
  EXPECT_TRUE(PartyIndex::make(255).has_value());
}

TEST(Shamir, InterpolationInTheExponentMatchesTheScalarOne) {
  DeterministicRng rng("shamir/exponent");
  const Scalar secret = Scalar::random(rng);
  auto shares = split(secret, 4, 7, rng).value();
  std::vector<PartyIndex> idx;
  std::vector<Point> pts;
  for (std::size_t i : {6u, 1u, 3u, 4u}) {
    idx.push_back(shares[i].index);
    pts.push_back(Point::base_mul(shares[i].value));
  }
  EXPECT_EQ(interpolate_in_exponent(idx, pts).value(), Point::base_mul(secret));
  // ... and at another x: the image of share 1 (index 1).
  EXPECT_EQ(interpolate_in_exponent(idx, pts, Scalar::from_u64(1)).value(), Point::base_mul(shares[0].value));
}

TEST(Vss, HonestSharesVerifyAgainstCommitments) {
  DeterministicRng rng("vss/honest");
  const auto f = Polynomial::random(Scalar::random(rng), 2, rng);
  const auto c = vss::commit(f);
  ASSERT_EQ(c.size(), 3u);
  for (uint32_t i = 1; i <= 5; ++i) {
    const auto idx = *PartyIndex::make(i);
    EXPECT_TRUE(vss::verify_share(c, {idx, f.evaluate(to_scalar(idx))}));
  }
}

TEST(Vss, WrongShareWrongIndexAndBadCommitmentsAreRefused) {
  DeterministicRng rng("vss/bad");
  const auto f = Polynomial::random(Scalar::random(rng), 2, rng);
  auto c = vss::commit(f);
  const auto one = *PartyIndex::make(1), two = *PartyIndex::make(2);
  const Scalar s1 = f.evaluate(to_scalar(one));
  EXPECT_FALSE(vss::verify_share(c, {one, s1 + Scalar::from_u64(1)}));
  EXPECT_FALSE(vss::verify_share(c, {two, s1}));
  EXPECT_FALSE(vss::verify_share({}, {one, s1}));
  // A degree-1 sharing padded with an identity commitment: the share is consistent, so only the
  // identity check can refuse it (a k-entry vector must commit to k real coefficients).
  const auto& a = f.coefficients();
  const vss::Commitments padded = {c[0], c[1], Point::identity()};
  const vss::Commitments degree_one = {c[0], c[1]};
  EXPECT_TRUE(vss::verify_share(degree_one, {one, a[0] + a[1]}));
  EXPECT_FALSE(vss::verify_share(padded, {one, a[0] + a[1]}));
}

}  // namespace
}  // namespace escrow::shamir
