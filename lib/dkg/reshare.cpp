// Resharing refresh (Desmedt-Jajodia 1997; the share recovery of Herzberg et al. 1995; SPEC §12.7):
// the Joint-Feldman rounds where only the dealers D, holding shares of one epoch e, deal, each a
// Feldman sharing of lambda_j^D x_j with all k commitments published. Every one of the n parties,
// also one left on an older epoch, receives x'_i = sum_j f_j(i): a fresh sharing of the same x at
// epoch e + 1, which repairs trustees split across epochs.
//
// Checks on the dealers' constant terms, the part the plain refresh does not need:
// - a party that holds epoch e's key checks each C_j0 = lambda_j^D Y_j on receipt, and blames j;
// - every party, lagging ones too (they know Y only), checks sum_{j in QUAL} mu_j C_j0 = Y at finish.
// Secret: x_me (the dealer's old share) and the polynomial f; lambda and mu are public.
#include "state.hpp"

namespace escrow::dkg::detail {
using group::Point;
using group::Scalar;

namespace {
std::size_t position(const std::vector<PartyIndex>& list, PartyIndex i) {
  return static_cast<std::size_t>(std::find(list.begin(), list.end(), i) - list.begin());
}
}  // namespace

Result<void> prepare_resharing(State& st, const Resharing& plan) {
  constexpr std::string_view fn = "dkg::Party::resharing";
  const auto& dealers = plan.dealers;
  if (dealers.size() < st.k) return fail(ErrorCategory::not_enough_shares, fn, fmt::format("{} dealers, k = {}", dealers.size(), st.k));
  for (std::size_t a = 0; a < dealers.size(); ++a)
    if (dealers[a].value() > st.n || (a > 0 && !(dealers[a - 1].value() < dealers[a].value())))
      return fail(ErrorCategory::malformed, fn, "dealers must be increasing indices of 1..n");
  const auto& [pk, share] = *st.previous;
  if (pk.k != st.k || pk.n != st.n) return fail(ErrorCategory::malformed, fn, fmt::format("this party's key is {}-of-{}, not {}-of-{}", pk.k, pk.n, st.k, st.n));
  if (share.index() != st.me || share.epoch() != pk.epoch) return fail(ErrorCategory::malformed, fn, "the share is not this party's share of its key");
  // The result is epoch e + 1: it must be above this party's own epoch, or it would move backwards.
  if (pk.epoch > plan.epoch)
    return fail(ErrorCategory::policy_denied, fn, fmt::format("this party is at epoch {}, past the dealers' epoch {}", pk.epoch, plan.epoch));
  st.dealers = dealers;
  st.reshare_epoch = plan.epoch;
  auto lambdas = shamir::lagrange_coefficients(dealers);
  if (!lambdas) return escrow::unexpected(lambdas.error());
  st.dealer_lambdas = std::move(*lambdas);
  if (st.deals_in_protocol(st.me)) {
    if (pk.epoch != plan.epoch) return fail(ErrorCategory::policy_denied, fn, fmt::format("a dealer must hold a share of epoch {}, not {}", plan.epoch, pk.epoch));
    st.f.insert(st.f.begin(), st.dealer_lambdas[position(dealers, st.me)] * share.expose_secret());
  }
  return {};
}

Result<void> check_resharing_deal(const State& st, const Deal& d) {
  if (!st.knows_dealers_epoch()) return {};  // a lagging party checks the sum at finish
  const Point want = st.previous->first.verification_key(d.from) * st.dealer_lambdas[position(st.dealers, d.from)];
  if (d.commitments.empty() || !(d.commitments[0] == want))
    return fail(ErrorCategory::invalid_proof, "dkg::receive(Deal)",
                fmt::format("party {}: C_0 is not lambda^D times its verification key of epoch {}", d.from.value(), st.reshare_epoch), {d.from});
  return {};
}

Result<uint32_t> sum_resharing(const State& st, const std::vector<PartyIndex>& qual, KeySum& sum, Scalar& x) {
  constexpr std::string_view fn = "dkg::finish";
  // mu_j turns dealer j's lambda_j^D x_j into lambda_j^QUAL x_j: a disqualified dealer drops out
  // and the others still add up to x.
  auto lambda_qual = shamir::lagrange_coefficients(qual);
  if (!lambda_qual) return escrow::unexpected(lambda_qual.error());
  for (std::size_t a = 0; a < qual.size(); ++a) {
    const PartyIndex j = qual[a];
    auto inverse = st.dealer_lambdas[position(st.dealers, j)].invert();
    if (!inverse) return escrow::unexpected(inverse.error());
    const Scalar mu = (*lambda_qual)[a] * *inverse;
    x = x + mu * st.received.at(j).s;
    const auto& c = st.deals.at(j).commitments;
    sum.y = sum.y + c[0] * mu;
    for (uint32_t l = 1; l <= st.n; ++l) sum.keys[l - 1] = sum.keys[l - 1] + vss::share_image(c, *PartyIndex::make(l), 0) * mu;
  }
  if (!(sum.y == st.previous->first.y))
    return fail(ErrorCategory::invalid_proof, fn, "the dealers' constant terms do not add up to the authority key Y");
  return st.reshare_epoch + 1;
}

}  // namespace escrow::dkg::detail
