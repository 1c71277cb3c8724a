#include "escrow/vss.hpp"

#include <algorithm>

namespace escrow::vss {
using group::Point;
using group::Scalar;

Commitments commit(const shamir::Polynomial& f) {
  Commitments c;
  c.reserve(f.coefficients().size());
  for (const auto& a : f.coefficients()) c.push_back(Point::base_mul(a));
  return c;
}

Commitments commit_pedersen(std::span<const Scalar> f, std::span<const Scalar> f_prime) {
  Commitments c;
  const std::size_t count = std::min(f.size(), f_prime.size());
  c.reserve(count);
  for (std::size_t j = 0; j < count; ++j) c.push_back(Point::base_mul(f[j]) + Point::generator_bar() * f_prime[j]);
  return c;
}

Point share_image(std::span<const Point> commitments, PartyIndex i, unsigned first_exponent) {
  // Horner in the exponent: (((C_{k-1}) i + C_{k-2}) i + ...) + C_0, then i^first_exponent.
  const Scalar x = shamir::to_scalar(i);
  Point acc;
  for (auto it = commitments.rbegin(); it != commitments.rend(); ++it) acc = acc * x + *it;
  for (unsigned e = 0; e < first_exponent; ++e) acc = acc * x;
  return acc;
}

bool verify_share(std::span<const Point> commitments, const shamir::Share& share) {
  if (commitments.empty()) return false;
  for (const auto& c : commitments)
    if (c.is_identity()) return false;
  return feldman_holds(commitments, share.index, share.value);
}

bool feldman_holds(std::span<const Point> commitments, PartyIndex i, const Scalar& s, unsigned first_exponent) {
  return Point::base_mul(s) == share_image(commitments, i, first_exponent);
}

bool pedersen_holds(std::span<const Point> commitments, PartyIndex i, const Scalar& s, const Scalar& s_prime) {
  return Point::base_mul(s) + Point::generator_bar() * s_prime == share_image(commitments, i);
}

}  // namespace escrow::vss
