// The variable-time multi-scalar products of group.hpp under libsodium, the reference: libsodium
// 1.0.18 has no multi-scalar multiplication, so these are the naive sums of constant-time products
// (the name stays _vartime: the contract, public inputs only, is the backend-independent one).
#include <cstdlib>

#include "escrow/group.hpp"

namespace escrow::group {

Point multi_mul_vartime(std::span<const Scalar> scalars, std::span<const Point> points) {
  if (scalars.size() != points.size()) std::abort();
  Point out;
  for (std::size_t i = 0; i < points.size(); ++i) out = out + points[i] * scalars[i];
  return out;
}

// Constant-time products and sums, the first product taken as the start: the interpolation's
// operations as they were before this function existed.
Point multi_mul_public_scalars(std::span<const Scalar> scalars, std::span<const Point> points) {
  if (scalars.size() != points.size()) std::abort();
  if (points.empty()) return Point();
  Point out = points[0] * scalars[0];
  for (std::size_t i = 1; i < points.size(); ++i) out = out + points[i] * scalars[i];
  return out;
}

Point double_mul_vartime(const Scalar& a, const Point& p, const Scalar& b, const Point& q) {
  return p * a + q * b;
}

}  // namespace escrow::group
