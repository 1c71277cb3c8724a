// The variable-time products of group.hpp (double_mul_vartime, multi_mul_vartime) against the
// naive sum of constant-time products, byte for byte, on random inputs and the edge cases that
// break such code: zero scalars, L - 1, the identity, G (libdecaf's base path), P = Q, Q = -P.
#include <gtest/gtest.h>

#include <vector>

#include "escrow/group.hpp"
#include "escrow/rng.hpp"
#include "escrow/wire.hpp"

namespace escrow::group {
namespace {

Point naive(std::span<const Scalar> s, std::span<const Point> p) {
  Point sum;
  for (std::size_t i = 0; i < p.size(); ++i) sum = sum + p[i] * s[i];
  return sum;
}

std::vector<Scalar> edge_scalars(Rng& rng) {
  return {Scalar(), Scalar::from_u64(1), Scalar::from_u64(15), Scalar::from_u64(16), Scalar::from_u64(31),
          Scalar::from_u64(1).negate(), Scalar::from_u64(2).negate(), Scalar::random(rng)};
}

std::vector<Point> edge_points(Rng& rng) {
  const Point r = Point::base_mul(Scalar::random(rng));
  return {Point::generator(), Point::generator_bar(), Point::identity(), r, Point::identity() - r};
}

TEST(GroupVartime, DoubleMulIsTheNaiveSumOnEdgeCases) {
  DeterministicRng rng("vartime/double/edges");
  const auto scalars = edge_scalars(rng);
  const auto points = edge_points(rng);
  for (const auto& a : scalars)
    for (const auto& b : scalars)
      for (const auto& p : points)
        for (const auto& q : points) {
          const std::array<Scalar, 2> s{a, b};
          const std::array<Point, 2> pq{p, q};
          ASSERT_EQ(double_mul_vartime(a, p, b, q).to_bytes(), naive(s, pq).to_bytes())
              << wire::to_hex(a.to_bytes()) << " " << wire::to_hex(b.to_bytes()) << " " << wire::to_hex(p.to_bytes()) << " "
              << wire::to_hex(q.to_bytes());
        }
}

TEST(GroupVartime, DoubleMulIsTheNaiveSumOnRandomInputs) {
  DeterministicRng rng("vartime/double/random");
  for (int i = 0; i < 300; ++i) {
    const Scalar a = Scalar::random(rng), b = Scalar::random(rng);
    // A third with P = G: libdecaf's base_double_scalarmul_non_secret path.
    const Point p = i % 3 == 0 ? Point::generator() : Point::base_mul(Scalar::random(rng));
    const Point q = Point::base_mul(Scalar::random(rng));
    ASSERT_EQ(double_mul_vartime(a, p, b, q).to_bytes(), (p * a + q * b).to_bytes()) << "input " << i;
  }
}

TEST(GroupVartime, MultiMulIsTheNaiveSum) {
  DeterministicRng rng("vartime/multi");
  for (std::size_t m = 0; m <= 12; ++m)
    for (int rep = 0; rep < 10; ++rep) {
      std::vector<Scalar> s;
      std::vector<Point> p;
      for (std::size_t i = 0; i < m; ++i) {
        s.push_back(rep == 0 && i == 0 ? Scalar() : Scalar::random(rng));
        p.push_back(rep == 1 && i == 1 ? p[0] : Point::base_mul(Scalar::random(rng)));  // a repeated point
      }
      ASSERT_EQ(multi_mul_vartime(s, p).to_bytes(), naive(s, p).to_bytes()) << m << " points, repetition " << rep;
    }
}

// From 192 points multi_mul_vartime takes Pippenger's buckets, with a window of 6, 7 or 8 bits by
// the number of points: each side of the switch and each window, with the edge scalars and points
// (zero, L - 1, a digit at a bucket's edge, the identity, a point and its negation) among them.
TEST(GroupVartime, MultiMulOfManyPointsIsTheNaiveSum) {
  DeterministicRng rng("vartime/pippenger");
  const auto scalars = edge_scalars(rng);
  const auto points = edge_points(rng);
  for (std::size_t m : {191u, 192u, 193u, 499u, 500u, 800u}) {
    std::vector<Scalar> s;
    std::vector<Point> p;
    for (std::size_t i = 0; i < m; ++i) {
      s.push_back(i < scalars.size() ? scalars[i] : Scalar::random(rng));
      p.push_back(i >= 10 && i < 10 + points.size() ? points[i - 10] : Point::base_mul(Scalar::random(rng)));
    }
    ASSERT_EQ(multi_mul_vartime(s, p).to_bytes(), naive(s, p).to_bytes()) << m << " points";
    const std::vector<Scalar> minus_one(m, Scalar::from_u64(1).negate());  // every digit at its largest
    ASSERT_EQ(multi_mul_vartime(minus_one, p).to_bytes(), naive(minus_one, p).to_bytes()) << m << " points, L - 1";
  }
}

TEST(GroupVartime, MultiMulOfNothingIsTheIdentity) {
  EXPECT_TRUE(multi_mul_vartime({}, {}).is_identity());
  EXPECT_TRUE(multi_mul_public_scalars({}, {}).is_identity());
}

// The interpolation's product (public scalars, points that may be secret) is the naive sum too,
// on random inputs of 1 to 12 points and on the edge cases.
TEST(GroupVartime, MultiMulPublicScalarsIsTheNaiveSum) {
  DeterministicRng rng("group/multi-mul-public-scalars");
  for (std::size_t m = 1; m <= 12; ++m) {
    std::vector<Scalar> s;
    std::vector<Point> p;
    for (std::size_t i = 0; i < m; ++i) {
      s.push_back(Scalar::random(rng));
      p.push_back(Point::base_mul(Scalar::random(rng)));
    }
    ASSERT_EQ(multi_mul_public_scalars(s, p).to_bytes(), naive(s, p).to_bytes()) << m << " points";
  }
  for (const auto& a : edge_scalars(rng))
    for (const auto& pt : edge_points(rng)) {
      const std::vector<Scalar> s{a, Scalar::from_u64(3)};
      const std::vector<Point> p{pt, Point::generator()};
      ASSERT_EQ(multi_mul_public_scalars(s, p).to_bytes(), naive(s, p).to_bytes());
    }
}

TEST(GroupVartimeDeathTest, MultiMulAbortsOnMismatchedLengths) {
  const std::vector<Scalar> s(2);
  const std::vector<Point> p(3);
  EXPECT_DEATH((void)multi_mul_vartime(s, p), "");
  EXPECT_DEATH((void)multi_mul_public_scalars(s, p), "");
}

}  // namespace
}  // namespace escrow::group
