#pragma once
/// Verifiable secret sharing (SPEC §4.2): the dealer publishes commitments to the coefficients of
/// its polynomial, and party i checks its share against them without learning the polynomial.
///
/// - Feldman: C_j = a_j G. Party i checks f(i) G == sum_j i^j C_j. Hides the secret only
///   computationally (C_0 = secret * G is public).
/// - Pedersen: E_j = a_j G + b_j Gbar, for a second polynomial f' with coefficients b_j. Party i
///   checks f(i) G + f'(i) Gbar == sum_j i^j E_j. Hides the secret perfectly (GJKR's first phase).
///
/// The `*_holds` checks test the equation only; the shape of the commitment vector (its length,
/// no identity point) is the caller's to check, with blame (dkg does it when a deal arrives).
#include <span>
#include <vector>

#include "escrow/group.hpp"
#include "escrow/shamir.hpp"

namespace escrow::vss {

using Commitments = std::vector<group::Point>;  ///< C_0 .. C_{k-1}

[[nodiscard]] Commitments commit(const shamir::Polynomial& f);
/// E_j = a_j G + b_j Gbar for the coefficients of f and f' (equal lengths; the shorter bounds it).
[[nodiscard]] Commitments commit_pedersen(std::span<const group::Scalar> f, std::span<const group::Scalar> f_prime);
/// sum_j i^(j + first_exponent) C_j, the public image f(i) G of party i's share. first_exponent
/// is 1 for a sharing of zero whose a_0 = 0 has no commitment (a refresh, SPEC §12.2).
[[nodiscard]] group::Point share_image(std::span<const group::Point> commitments, PartyIndex i, unsigned first_exponent = 0);
/// True when share.value * G equals share_image(commitments, share.index). Refuses (false) an
/// empty commitment vector or an identity commitment.
[[nodiscard]] bool verify_share(std::span<const group::Point> commitments, const shamir::Share& share);
/// The Feldman equation: s G == share_image(commitments, i, first_exponent).
[[nodiscard]] bool feldman_holds(std::span<const group::Point> commitments, PartyIndex i, const group::Scalar& s,
                                 unsigned first_exponent = 0);
/// The Pedersen equation: s G + s' Gbar == share_image(commitments, i).
[[nodiscard]] bool pedersen_holds(std::span<const group::Point> commitments, PartyIndex i, const group::Scalar& s,
                                  const group::Scalar& s_prime);

}  // namespace escrow::vss
