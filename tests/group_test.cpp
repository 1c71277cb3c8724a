#include "escrow/group.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "escrow/domain.hpp"
#include "escrow/rng.hpp"
#include "test_support.hpp"

namespace escrow::group {
namespace {
using test::failed_with;
using test::hex;

const std::string kOrderHex = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

TEST(Group, BasePointMatchesRfc9496Multiples) {
  // RFC 9496 Appendix A.1: encodings of 0B, 1B, 2B, 3B.
  EXPECT_TRUE(Point::base_mul(Scalar()).is_identity());
  EXPECT_EQ(wire::to_hex(Point::generator().to_bytes()), "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76");
  EXPECT_EQ(wire::to_hex(Point::base_mul(Scalar::from_u64(2)).to_bytes()),
            "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919");
  EXPECT_EQ(wire::to_hex((Point::generator() + Point::base_mul(Scalar::from_u64(2))).to_bytes()),
            "94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259");
}

TEST(Group, ScalarParseRefusesGroupOrderAndAbove) {
  EXPECT_TRUE(failed_with(Scalar::from_bytes(hex(kOrderHex)), ErrorCategory::malformed));
  auto above = hex(kOrderHex);
  above[0] += 1;
  EXPECT_TRUE(failed_with(Scalar::from_bytes(above), ErrorCategory::malformed));
  EXPECT_TRUE(failed_with(Scalar::from_bytes(std::vector<uint8_t>(32, 0xff)), ErrorCategory::malformed));
  auto below = hex(kOrderHex);
  below[0] -= 1;  // L - 1 is the largest canonical scalar
  EXPECT_TRUE(Scalar::from_bytes(below).has_value());
}

TEST(Group, ScalarParseRefusesZeroUnlessAllowed) {
  const std::vector<uint8_t> zero(32, 0);
  EXPECT_TRUE(failed_with(Scalar::from_bytes(zero), ErrorCategory::malformed));
  EXPECT_TRUE(Scalar::from_bytes(zero, ZeroScalar::allow).has_value());
}

TEST(Group, ScalarParseRefusesWrongLength) {
  EXPECT_FALSE(Scalar::from_bytes(std::vector<uint8_t>(31, 1)).has_value());
  EXPECT_FALSE(Scalar::from_bytes(std::vector<uint8_t>(33, 1)).has_value());
}

TEST(Group, ScalarArithmeticIsAField) {
  DeterministicRng rng("group/field");
  for (int t = 0; t < 20; ++t) {
    const Scalar a = Scalar::random(rng), b = Scalar::random(rng), c = Scalar::random(rng);
    EXPECT_EQ(a * (b + c), a * b + a * c);
    EXPECT_EQ((a - b) + b, a);
    EXPECT_EQ(a + a.negate(), Scalar());
    EXPECT_EQ(a * a.invert().value(), Scalar::from_u64(1));
  }
  EXPECT_TRUE(failed_with(Scalar().invert(), ErrorCategory::malformed));
}

TEST(Group, BatchInversionMatchesSingleInversions) {
  DeterministicRng rng("group/batch");
  std::vector<Scalar> v;
  for (int i = 0; i < 7; ++i) v.push_back(Scalar::random(rng));
  auto inv = batch_invert(v);
  ASSERT_TRUE(inv.has_value());
  for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ((*inv)[i], v[i].invert().value());
  v[3] = Scalar();
  EXPECT_TRUE(failed_with(batch_invert(v), ErrorCategory::malformed));
}

TEST(Group, PointParseRefusesIdentityUnlessAllowed) {
  const std::vector<uint8_t> zero(32, 0);
  EXPECT_TRUE(failed_with(Point::from_bytes(zero), ErrorCategory::malformed));
  auto id = Point::from_bytes(zero, IdentityPoint::allow);
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(id->is_identity());
}

TEST(Group, PointParseRefusesNonCanonicalAndInvalidEncodings) {
  // RFC 9496 Appendix A.2: non-canonical field encodings, negative field elements,
  // non-square x^2 and negative xy, one or more of each.
  for (const char* bad : {
           "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
           "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
           "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
           "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
           "0100000000000000000000000000000000000000000000000000000000000000",
           "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
           "0100000000000000000000000000000000000000000000000000000000000080",
           "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
           "4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f",
           "3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e",
       }) {
    EXPECT_TRUE(failed_with(Point::from_bytes(hex(bad)), ErrorCategory::malformed)) << bad;
  }
  EXPECT_FALSE(Point::from_bytes(std::vector<uint8_t>(31, 0)).has_value());
}

TEST(Group, PointParseRefusesBit255Set) {
  // RFC 9496 §4.3.1 refuses it; libsodium 1.0.18 would decode it as the point without the bit.
  auto g = Point::generator().to_bytes();
  ASSERT_TRUE(Point::from_bytes(g).has_value());
  g[31] |= 0x80;
  auto bad = Point::from_bytes(g);
  ASSERT_TRUE(failed_with(bad, ErrorCategory::malformed));
  EXPECT_NE(bad.error().detail.find("bit 255"), std::string::npos);
  auto zero = std::vector<uint8_t>(32, 0);
  zero[31] = 0x80;  // the identity with the bit set, even where the identity is allowed
  EXPECT_FALSE(Point::from_bytes(zero, IdentityPoint::allow).has_value());
}

TEST(Group, IdentityResultsAreReturnedExplicitly) {
  DeterministicRng rng("group/identity");
  const Point p = Point::base_mul(Scalar::random(rng));
  EXPECT_TRUE((p * Scalar()).is_identity());
  EXPECT_TRUE((Point::identity() * Scalar::random(rng)).is_identity());
  EXPECT_TRUE((p - p).is_identity());
  EXPECT_EQ(p + Point::identity(), p);
}

TEST(Group, FixedBaseAndVariableBaseAgree) {
  DeterministicRng rng("group/fixed-vs-variable");
  const Scalar s = Scalar::random(rng);
  const Point h = Point::base_mul(Scalar::random(rng));
  EXPECT_EQ(Point::base_mul(s), Point::generator() * s);
  EXPECT_EQ(h * s + h * s, h * (s + s));
}

TEST(Group, SecondGeneratorIsTheHashOfItsTag) {
  const Point& gbar = Point::generator_bar();
  EXPECT_FALSE(gbar.is_identity());
  EXPECT_FALSE(gbar == Point::generator());
  EXPECT_EQ(gbar, hash_to_point(domain::kGeneratorBar, {}));
}

TEST(Group, HashesSeparateDomainsAndInputBoundaries) {
  const std::vector<uint8_t> ab = {'a', 'b'}, c = {'c'}, a = {'a'}, bc = {'b', 'c'};
  EXPECT_FALSE(hash_to_scalar("t1", {ab, c}) == hash_to_scalar("t2", {ab, c}));
  EXPECT_FALSE(hash_to_scalar("t1", {ab, c}) == hash_to_scalar("t1", {a, bc}));
  EXPECT_EQ(hash_to_scalar("t1", {ab, c}), hash_to_scalar("t1", {ab, c}));
  EXPECT_FALSE(hash_to_point("t1", {ab}) == hash_to_point("t2", {ab}));
}

// The Gbar multiplication takes a table under libdecaf; its bytes are the ladder's (a copy of Gbar
// that is not the static one goes the same way: the choice is by value).
TEST(Group, GeneratorBarTableAgreesWithTheLadder) {
  DeterministicRng rng("group/gbar-table");
  const Point gbar = Point::generator_bar();
  const Point via_sum = (gbar + gbar) - gbar;  // equal to Gbar, computed
  for (int i = 0; i < 20; ++i) {
    const Scalar s = Scalar::random(rng);
    const Point expected = ((gbar * (s + Scalar::from_u64(1))) - gbar);  // (s+1)Gbar - Gbar
    EXPECT_EQ((gbar * s).to_bytes(), expected.to_bytes());
    EXPECT_EQ((via_sum * s).to_bytes(), expected.to_bytes());
  }
}

// A point's encoding is computed once, on first use, and kept: copies, assignments and concurrent
// readers all see the same bytes (under libdecaf; under libsodium a Point is its bytes).
TEST(Group, EncodingIsStableAcrossCopiesAndThreads) {
  DeterministicRng rng("group/encoding-cache");
  std::vector<Point> points;
  for (int i = 0; i < 64; ++i) points.push_back(Point::base_mul(Scalar::random(rng)) + Point::generator());
  std::vector<std::array<uint8_t, kPointBytes>> expected;
  for (const auto& p : points) {
    const Point copy = p;  // copied before its encoding exists
    expected.push_back(Point::from_bytes(copy.to_bytes()).value().to_bytes());
  }
  std::vector<Point> fresh;
  for (int i = 0; i < 64; ++i) fresh.push_back(points[static_cast<std::size_t>(i)] + Point::identity());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (std::size_t i = 0; i < fresh.size(); ++i)
        if (fresh[i].to_bytes() != expected[i]) ++mismatches;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
  for (std::size_t i = 0; i < points.size(); ++i) {
    Point assigned;
    assigned = fresh[i];
    EXPECT_EQ(assigned.to_bytes(), expected[i]);
    EXPECT_EQ(points[i].to_bytes(), expected[i]);
  }
}

}  // namespace
}  // namespace escrow::group
