// The variable-time multi-scalar products of group.hpp under libdecaf. VARIABLE TIME: branches
// and table indices follow the scalars' digits, so only public inputs may come here (SPEC §8
// lists the callers: verification equations). Checked against the naive sum of products under
// both backends (tests/group_vartime_test.cpp).
#include <decaf/point_255.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "decaf_access.hpp"
#include "escrow/group.hpp"

namespace escrow::group {
namespace {

using A = DecafAccess;
constexpr int kWidth = 5;                       // NAF window: digits odd, |d| < 2^(kWidth-1)
constexpr int kOddMultiples = 1 << (kWidth - 2);  // P, 3P, ..., 15P
// From this many points multi_mul_vartime takes Pippenger's buckets instead of Straus: the two cross
// at about 192 points on this machine (BENCHMARKS.md, "Straus or Pippenger").
constexpr std::size_t kPippengerFrom = 192;

// The width-5 non-adjacent form of a canonical scalar (< 2^253): s = sum naf[i] 2^i, each digit
// zero or odd with |digit| <= 15, and any 5 consecutive digits hold at most one nonzero.
std::array<int8_t, 256> wnaf(const Scalar& s) {
  std::array<uint64_t, 5> x{};  // one spare limb: the window may read past bit 255
  const auto& b = s.to_bytes();
  for (int i = 0; i < 32; ++i) x[i / 8] |= static_cast<uint64_t>(b[i]) << (8 * (i % 8));
  std::array<int8_t, 256> naf{};
  constexpr uint64_t width = 1u << kWidth, mask = width - 1;
  uint64_t carry = 0;
  for (int pos = 0; pos < 256;) {
    const int limb = pos / 64, bit = pos % 64;
    const uint64_t buf = bit < 64 - kWidth ? x[limb] >> bit : (x[limb] >> bit) | (x[limb + 1] << (64 - bit));
    const uint64_t window = carry + (buf & mask);
    if ((window & 1) == 0) {  // a zero digit; a pending carry moves up with it
      ++pos;
      continue;
    }
    if (window < width / 2) {
      carry = 0;
      naf[pos] = static_cast<int8_t>(window);
    } else {
      carry = 1;
      naf[pos] = static_cast<int8_t>(static_cast<int>(window) - static_cast<int>(width));
    }
    pos += kWidth;
  }
  return naf;
}

void straus(decaf_255_point_s* out, std::span<const Scalar> scalars, std::span<const Point> points) {
  const std::size_t m = points.size();
  // odd[j * kOddMultiples + t] = (2t + 1) P_j
  std::vector<decaf_255_point_s> odd(m * kOddMultiples);
  std::vector<std::array<int8_t, 256>> nafs(m);
  int top = -1;
  for (std::size_t j = 0; j < m; ++j) {
    decaf_255_point_s* t = &odd[j * kOddMultiples];
    decaf_255_point_s twice[1];
    decaf_255_point_copy(&t[0], A::rep(points[j]));
    decaf_255_point_double(twice, &t[0]);
    for (int i = 1; i < kOddMultiples; ++i) decaf_255_point_add(&t[i], &t[i - 1], twice);
    nafs[j] = wnaf(scalars[j]);
    for (int i = 255; i > top; --i)
      if (nafs[j][i] != 0) top = i;
  }
  decaf_255_point_copy(out, decaf_255_point_identity);
  // Left to right, one doubling per bit for all points at once. libdecaf's add and sub accept an
  // output that is also an input (point_255.h); its double does not say so, hence the copy.
  decaf_255_point_s twice[1];
  for (int i = top; i >= 0; --i) {
    decaf_255_point_double(twice, out);
    decaf_255_point_copy(out, twice);
    for (std::size_t j = 0; j < m; ++j) {
      const int d = nafs[j][i];
      if (d > 0) decaf_255_point_add(out, out, &odd[j * kOddMultiples + d / 2]);
      else if (d < 0) decaf_255_point_sub(out, out, &odd[j * kOddMultiples + (-d) / 2]);
    }
  }
}

// The scalar in signed radix 2^c: s = sum digits[w] 2^(c w), each digit in [-2^(c-1), 2^(c-1)].
// One digit more than ceil(256 / c) holds the last carry.
std::vector<int> signed_radix(const Scalar& s, int c) {
  std::array<uint64_t, 5> x{};  // one spare limb, as in wnaf()
  const auto& b = s.to_bytes();
  for (int i = 0; i < 32; ++i) x[i / 8] |= static_cast<uint64_t>(b[i]) << (8 * (i % 8));
  const int windows = (256 + c - 1) / c + 1;
  std::vector<int> digits(static_cast<std::size_t>(windows));
  const uint64_t radix = uint64_t{1} << c, mask = radix - 1;
  uint64_t carry = 0;
  for (int w = 0; w < windows; ++w) {
    const int pos = w * c;
    uint64_t buf = 0;
    if (pos < 256) {
      const int limb = pos / 64, bit = pos % 64;
      buf = bit <= 64 - c ? x[limb] >> bit : (x[limb] >> bit) | (x[limb + 1] << (64 - bit));
    }
    const uint64_t value = carry + (buf & mask);
    carry = value >= radix / 2 ? 1 : 0;
    digits[static_cast<std::size_t>(w)] = static_cast<int>(value) - static_cast<int>(carry * radix);
  }
  return digits;
}

// Pippenger's bucket method: per window of c bits, each point goes into the bucket of its digit
// (2^(c-1) buckets, the sign by subtraction), and the buckets are summed by a running sum, 2
// additions per bucket. About (256 / c)(m + 2^c) additions against Straus's 50 m: it wins only
// for many points (kPippengerFrom, measured in BENCHMARKS.md).
void pippenger(decaf_255_point_s* out, std::span<const Scalar> scalars, std::span<const Point> points) {
  const std::size_t m = points.size();
  const int c = m < 500 ? 6 : m < 800 ? 7 : 8;
  std::vector<std::vector<int>> digits(m);
  for (std::size_t j = 0; j < m; ++j) digits[j] = signed_radix(scalars[j], c);
  const int windows = static_cast<int>(digits.empty() ? 0 : digits[0].size());
  const std::size_t buckets = std::size_t{1} << (c - 1);
  std::vector<decaf_255_point_s> bucket(buckets);
  decaf_255_point_s twice[1], running[1], window_sum[1];
  decaf_255_point_copy(out, decaf_255_point_identity);
  for (int w = windows - 1; w >= 0; --w) {
    for (int i = 0; i < c; ++i) {
      decaf_255_point_double(twice, out);
      decaf_255_point_copy(out, twice);
    }
    for (auto& b : bucket) decaf_255_point_copy(&b, decaf_255_point_identity);
    for (std::size_t j = 0; j < m; ++j) {
      const int d = digits[j][static_cast<std::size_t>(w)];
      if (d > 0) decaf_255_point_add(&bucket[d - 1], &bucket[d - 1], A::rep(points[j]));
      else if (d < 0) decaf_255_point_sub(&bucket[-d - 1], &bucket[-d - 1], A::rep(points[j]));
    }
    // sum_b (b + 1) bucket[b] = sum over b of (bucket[top] + ... + bucket[b]).
    decaf_255_point_copy(running, decaf_255_point_identity);
    decaf_255_point_copy(window_sum, decaf_255_point_identity);
    for (std::size_t b = buckets; b-- > 0;) {
      decaf_255_point_add(running, running, &bucket[b]);
      decaf_255_point_add(window_sum, window_sum, running);
    }
    decaf_255_point_add(out, out, window_sum);
  }
}

}  // namespace

Point multi_mul_vartime(std::span<const Scalar> scalars, std::span<const Point> points) {
  if (scalars.size() != points.size()) std::abort();
  Point out;
  if (points.size() >= kPippengerFrom) pippenger(A::rep(out), scalars, points);
  else straus(A::rep(out), scalars, points);
  A::mark_unencoded(out);
  return out;
}

// The same code as multi_mul_vartime: straus() branches on the scalars' digits only (the NAFs,
// `top`, the signs and the table indices), never on a point (group.hpp).
Point multi_mul_public_scalars(std::span<const Scalar> scalars, std::span<const Point> points) {
  if (scalars.size() != points.size()) std::abort();
  Point out;
  straus(A::rep(out), scalars, points);
  A::mark_unencoded(out);
  return out;
}

Point double_mul_vartime(const Scalar& a, const Point& p, const Scalar& b, const Point& q) {
  // Public, all of it (the function's contract): these branches are allowed.
  if (p == Point::generator() && !b.is_zero() && !a.is_zero()) {
    Point out;
    const DecafScalar da(a), db(b);
    decaf_255_base_double_scalarmul_non_secret(A::rep(out), da.get(), A::rep(q), db.get());
    A::mark_unencoded(out);
    return out;
  }
  // libdecaf 1.0.2 returns the identity for a·G + 0·Q
  // (GroupBackendDiff.VartimeDoubleMulWithZeroSecondScalarIsWrongInLibdecaf102): Straus here.
  const std::array<Scalar, 2> s{a, b};
  const std::array<Point, 2> pts{p, q};
  return multi_mul_vartime(s, pts);
}

}  // namespace escrow::group
