// GJKR (Gennaro-Jarecki-Krawczyk-Rabin 1999, SPEC §12.2): the shared rounds of party.cpp with
// Pedersen commitments fix QUAL; then the extraction phase (extract, extraction complaints,
// reveal) publishes A_m = a_m G, and a dealer caught lying there has its polynomial rebuilt in
// the open from k revealed shares.
#include "state.hpp"

namespace escrow::dkg::detail {
using group::Point;
using group::Scalar;

void open_extract(State& st) {
  if (!st.qualified(st.me)) return;
  Extraction e{st.me, {}};
  for (const auto& a : st.f) e.commitments.push_back(Point::base_mul(a));
  st.extractions.emplace(st.me, e);
  st.outbox.emplace_back(std::move(e));
}

Result<void> receive_extraction(State& st, const Extraction& e) {
  constexpr std::string_view fn = "dkg::receive(Extraction)";
  if (auto ok = st.check_sender(e.from, st.round() == Round::extract, fn); !ok) return ok;
  if (!st.qualified(e.from) || e.from == st.me) return {};
  if (auto it = st.extractions.find(e.from); it != st.extractions.end() && !(it->second.commitments == e.commitments))
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {} broadcast two different extractions", e.from.value()), {e.from});
  if (e.commitments.size() != st.k || std::any_of(e.commitments.begin(), e.commitments.end(), [](const Point& c) { return c.is_identity(); }))
    return fail(ErrorCategory::malformed, fn, fmt::format("party {}: extraction commitments malformed", e.from.value()), {e.from});
  st.extractions.emplace(e.from, e);
  return {};
}

void close_extract(State& st) {
  // Evidence: my share verifies under the dealer's Pedersen commitments but not its Feldman ones.
  for (const auto& [dealer, share] : st.received) {
    if (dealer == st.me || !st.qualified(dealer)) continue;
    auto it = st.extractions.find(dealer);
    if (it == st.extractions.end() || !vss::feldman_holds(it->second.commitments, st.me, share.s)) {
      st.outbox.emplace_back(Complaint{st.me, dealer, share});
      st.accuse(dealer);
    }
  }
}

Result<void> receive_extraction_complaint(State& st, const Complaint& c) {
  constexpr std::string_view fn = "dkg::receive(extraction Complaint)";
  if (auto ok = st.check_sender(c.from, st.round() == Round::extract_complain, fn); !ok) return ok;
  if (!c.evidence || c.evidence->from != c.against || c.evidence->to != c.from || !st.deals.contains(c.against))
    return fail(ErrorCategory::malformed, fn, "an extraction complaint must carry the complainer's share", {c.from});
  const bool pedersen_ok = vss::pedersen_holds(st.deals.at(c.against).commitments, c.from, c.evidence->s, c.evidence->s_prime);
  auto it = st.extractions.find(c.against);
  const bool feldman_ok = it != st.extractions.end() && vss::feldman_holds(it->second.commitments, c.from, c.evidence->s);
  if (!pedersen_ok || feldman_ok)
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {}'s extraction complaint is unfounded", c.from.value()), {c.from});
  st.accuse(c.against);
  return {};
}

void close_extract_complain(State& st) {
  for (PartyIndex dealer : st.accused_in_extraction) {
    auto it = st.received.find(dealer);
    if (it == st.received.end()) continue;
    st.outbox.emplace_back(Reveal{st.me, dealer, it->second.s, it->second.s_prime});
    st.revealed[dealer].emplace(st.me, it->second.s);
  }
}

Result<void> receive_reveal(State& st, const Reveal& r) {
  constexpr std::string_view fn = "dkg::receive(Reveal)";
  if (auto ok = st.check_sender(r.from, st.round() == Round::reveal, fn); !ok) return ok;
  if (r.dealer.value() > st.n || !st.deals.contains(r.dealer) || !vss::pedersen_holds(st.deals.at(r.dealer).commitments, r.from, r.s, r.s_prime))
    return fail(ErrorCategory::invalid_proof, fn, fmt::format("party {} revealed a share that fails the commitments", r.from.value()), {r.from});
  st.revealed[r.dealer].emplace(r.from, r.s);
  return {};
}

Result<void> add_gjkr(State& st, PartyIndex dealer, KeySum& sum) {
  if (!st.accused(dealer)) {
    add_feldman(st, st.extractions.at(dealer).commitments, 0, /*with_y=*/true, sum);
    return {};
  }
  // Rebuild the cheater's polynomial in the open from k revealed, Pedersen-valid shares.
  const auto& shown = st.revealed[dealer];
  if (shown.size() < st.k)
    return fail(ErrorCategory::not_enough_shares, "dkg::finish", fmt::format("only {} shares of party {} revealed", shown.size(), dealer.value()));
  std::vector<PartyIndex> idx;
  std::vector<Scalar> values;
  for (const auto& [holder, s] : shown) {
    if (idx.size() == st.k) break;
    idx.push_back(holder);
    values.push_back(s);
  }
  auto at = [&](const Scalar& point) {
    const auto lambda = shamir::lagrange_coefficients(idx, point).value();
    Scalar v;
    for (std::size_t a = 0; a < idx.size(); ++a) v = v + lambda[a] * values[a];
    return Point::base_mul(v);
  };
  sum.y = sum.y + at(Scalar());
  for (uint32_t l = 1; l <= st.n; ++l) sum.keys[l - 1] = sum.keys[l - 1] + at(shamir::to_scalar(*PartyIndex::make(l)));
  return {};
}

}  // namespace escrow::dkg::detail
