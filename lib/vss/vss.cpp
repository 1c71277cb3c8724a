#include "escrow/vss.hpp"

namespace escrow::vss {
using group::Point;
using group::Scalar;

Commitments commit(const shamir::Polynomial& f) {
  Commitments c;
  c.reserve(f.coefficients().size());
  for (const auto& a : f.coefficients()) c.push_back(Point::base_mul(a));
  return c;
}

Point share_image(std::span<const Point> commitments, PartyIndex i) {
  // Horner in the exponent: (((C_{k-1}) i + C_{k-2}) i + ...) + C_0.
  const Scalar x = shamir::to_scalar(i);
  Point acc;
  for (auto it = commitments.rbegin(); it != commitments.rend(); ++it) acc = acc * x + *it;
  return acc;
}

bool verify_share(std::span<const Point> commitments, const shamir::Share& share) {
  if (commitments.empty()) return false;
  for (const auto& c : commitments)
    if (c.is_identity()) return false;
  return Point::base_mul(share.value) == share_image(commitments, share.index);
}

}  // namespace escrow::vss
