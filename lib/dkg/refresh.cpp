// Refresh (Herzberg et al. 1995, SPEC §12.2): the Joint-Feldman rounds over a sharing of zero,
// whose deal commits to a_1..a_{k-1} only. Y stays, each Y_l and x_l move by the deltas, the
// epoch goes up.
#include "state.hpp"

namespace escrow::dkg::detail {

void add_refresh(const State& st, PartyIndex dealer, KeySum& sum) {
  add_feldman(st, st.deals.at(dealer).commitments, /*first=*/1, /*with_y=*/false, sum);
}

Result<uint32_t> apply_previous(const State& st, KeySum& sum, group::Scalar& x) {
  if (!st.previous) return fail(ErrorCategory::malformed, "dkg::finish", "refresh needs the current key and share");
  const auto& [old_pk, old_share] = *st.previous;
  sum.y = old_pk.y;  // unchanged: the deltas are sharings of zero
  for (std::size_t i = 0; i < st.n; ++i) sum.keys[i] = sum.keys[i] + old_pk.verification_keys[i];
  x = x + old_share.expose_secret();
  return old_pk.epoch + 1;
}

}  // namespace escrow::dkg::detail
