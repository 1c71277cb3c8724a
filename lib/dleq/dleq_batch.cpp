#include "escrow/dleq_batch.hpp"

#include <array>

namespace escrow::dleq {
using group::Point;
using group::Scalar;

namespace {
// A weight uniform in [0, 2^128), from 16 bytes of rng (SPEC §5.7).
Scalar weight(Rng& rng) {
  std::array<uint8_t, group::kScalarBytes> bytes{};
  rng.fill(std::span(bytes).first(16));
  return Scalar::from_bytes(bytes, group::ZeroScalar::allow).value();  // < 2^128 < L: canonical
}
}  // namespace

// The bases come first, their scalars (the weighted sums of the f_j) growing with each proof.
CommittedBatch::CommittedBatch(const Point& g1, const Point& g2, std::size_t expected_proofs) {
  scalars_.reserve(4 * expected_proofs + 2);
  points_.reserve(4 * expected_proofs + 2);
  scalars_.resize(2);
  points_.push_back(g1);
  points_.push_back(g2);
}

void CommittedBatch::add(const Point& h1, const Point& h2, const Point& a1, const Point& a2, const Scalar& f, const Scalar& e, Rng& rng) {
  const Scalar rho = weight(rng), sigma = weight(rng);
  scalars_[0] = scalars_[0] + rho * f;
  scalars_[1] = scalars_[1] + sigma * f;
  scalars_.push_back(rho);
  points_.push_back(Point::identity() - a1);
  scalars_.push_back(sigma);
  points_.push_back(Point::identity() - a2);
  scalars_.push_back((rho * e).negate());
  points_.push_back(h1);
  scalars_.push_back((sigma * e).negate());
  points_.push_back(h2);
}

bool CommittedBatch::holds() const { return group::multi_mul_vartime(scalars_, points_).is_identity(); }

}  // namespace escrow::dleq
