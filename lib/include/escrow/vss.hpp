#pragma once
/// Feldman verifiable secret sharing (SPEC §4.2): the dealer publishes C_j = a_j G for every
/// coefficient of its polynomial; party i checks f(i) G == sum_j i^j C_j without learning f.
/// Feldman hides the secret only computationally (C_0 = secret * G is public).
#include <span>
#include <vector>

#include "escrow/group.hpp"
#include "escrow/shamir.hpp"

namespace escrow::vss {

using Commitments = std::vector<group::Point>;  ///< C_0 .. C_{k-1}

[[nodiscard]] Commitments commit(const shamir::Polynomial& f);
/// sum_j i^j C_j, the public image f(i) G of party i's share.
[[nodiscard]] group::Point share_image(std::span<const group::Point> commitments, PartyIndex i);
/// True when share.value * G equals share_image(commitments, share.index). Refuses (false) an
/// empty commitment vector or an identity commitment.
[[nodiscard]] bool verify_share(std::span<const group::Point> commitments, const shamir::Share& share);

}  // namespace escrow::vss
