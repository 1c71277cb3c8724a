// FixedBase under libsodium (group.hpp): libsodium 1.0.18 has no tables for bases other than G, so
// the product is the plain one (Point::operator*, which routes G to libsodium's own table).
#include "escrow/group.hpp"

namespace escrow::group {

struct FixedBase::Table {};

FixedBase::FixedBase(const Point& p) : point_(p) {}

Point FixedBase::mul(const Scalar& s) const { return point_ * s; }

}  // namespace escrow::group
