#pragma once
/// Many committed DLEQ proofs (dleq.hpp's CommittedProof) over the same two bases g1, g2, checked
/// in one random linear combination (Bellare–Garay–Rabin; SPEC §5.3's fields, §5.7's partials).
/// Proof j claims f_j g1 = a1_j + e_j h1_j and f_j g2 = a2_j + e_j h2_j; with independent 128-bit
/// weights rho_j, sigma_j the batch holds iff
///   (sum rho_j f_j) g1 + (sum sigma_j f_j) g2 + sum rho_j (-a1_j) + sum sigma_j (-a2_j)
///     + sum (-rho_j e_j) h1_j + sum (-sigma_j e_j) h2_j = 0.
/// The commitments are negated as points, not their weights as scalars, so that their scalars stay
/// 128 bits long and Straus spends half the additions on them. If proof j's equations are off by
/// D1, D2 (not both zero), the sum is zero for at most one value of rho_j (or sigma_j) given the
/// rest: the prime order makes a false accept at most 2^-128, provided the provers do not know the
/// weights (draw them from the system's CSPRNG). VARIABLE TIME: public inputs only.
#include <cstddef>
#include <vector>

#include "escrow/group.hpp"

namespace escrow::dleq {

class CommittedBatch {
 public:
  CommittedBatch(const group::Point& g1, const group::Point& g2, std::size_t expected_proofs);
  /// One proof, with e its challenge as the caller recomputed it (committed_challenge): two weights
  /// are drawn from rng, rho then sigma.
  void add(const group::Point& h1, const group::Point& h2, const group::Point& a1, const group::Point& a2,
           const group::Scalar& f, const group::Scalar& e, Rng& rng);
  /// One multi-scalar product over 4·(proofs added) + 2 points.
  [[nodiscard]] bool holds() const;

 private:
  std::vector<group::Scalar> scalars_;
  std::vector<group::Point> points_;
};

}  // namespace escrow::dleq
