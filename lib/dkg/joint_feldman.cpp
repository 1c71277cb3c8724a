// Joint-Feldman (Pedersen 1991, SPEC §12.1): the shared rounds of party.cpp with Feldman
// commitments C_m = a_m G, then Y = sum_{i in QUAL} C_i0 and Y_l = sum_{i in QUAL} sum_m l^m C_im.
#include "state.hpp"

namespace escrow::dkg::detail {

void add_joint_feldman(const State& st, PartyIndex dealer, KeySum& sum) {
  add_feldman(st, st.deals.at(dealer).commitments, 0, /*with_y=*/true, sum);
}

}  // namespace escrow::dkg::detail
