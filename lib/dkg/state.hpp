#pragma once
// The state a dkg::Party keeps between rounds, shared by the files of lib/dkg/ (one per protocol,
// party.cpp for the rounds all three share). Not a public header: nothing outside lib/dkg sees it.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "escrow/dkg.hpp"
#include "escrow/shamir.hpp"
#include "escrow/vss.hpp"

namespace escrow::dkg::detail {

// Sum over the qualified dealers of each one's public polynomial image: Y and every Y_l.
struct KeySum {
  group::Point y;
  std::vector<group::Point> keys;  // Y_l at index l - 1
};

struct State {
  State(Protocol protocol_, PartyIndex me_, std::size_t k_, std::size_t n_, std::vector<group::Scalar> f_,
        std::vector<group::Scalar> f_prime_, Party::Previous previous_)
      : protocol(protocol_), me(me_), k(k_), n(n_), f(std::move(f_)), f_prime(std::move(f_prime_)), deal{me_, {}},
        previous(std::move(previous_)) {}
  Protocol protocol;
  PartyIndex me;
  std::size_t k, n;
  std::size_t open = 0;  // index in rounds(protocol) of the open round; == its size once closed
  bool finished = false;
  std::vector<group::Scalar> f, f_prime;  // secret polynomials (coefficients)
  Deal deal;
  std::map<PartyIndex, Deal> deals;
  std::map<PartyIndex, Share> received;                       // shares sent to me, by dealer
  std::map<PartyIndex, std::vector<PartyIndex>> complaints;   // dealer -> complainers
  std::map<PartyIndex, std::vector<Justification>> justified;  // dealer -> its answers
  std::map<PartyIndex, Extraction> extractions;
  std::map<PartyIndex, std::map<PartyIndex, group::Scalar>> revealed;  // accused dealer -> holder -> s
  std::map<PartyIndex, std::string> disqualified;
  std::vector<PartyIndex> accused_in_extraction;
  Party::Previous previous;
  // Reshare only (SPEC §12.7): D, the dealers' epoch e, and lambda_j^D at 0 for j in D (same order).
  std::vector<PartyIndex> dealers;
  uint32_t reshare_epoch = 0;
  std::vector<group::Scalar> dealer_lambdas;
  // What this party sends in the open round, prepared by the close() before it.
  std::vector<Message> outbox;

  [[nodiscard]] std::span<const Round> round_list() const { return rounds(protocol); }
  [[nodiscard]] bool closed() const { return open >= round_list().size(); }
  [[nodiscard]] Round round() const { return round_list()[std::min(open, round_list().size() - 1)]; }
  [[nodiscard]] bool qualified(PartyIndex i) const { return !disqualified.contains(i); }
  void disqualify(PartyIndex who, std::string why) {
    if (!disqualified.contains(who)) disqualified.emplace(who, std::move(why));
  }
  [[nodiscard]] bool accused(PartyIndex dealer) const {
    return std::find(accused_in_extraction.begin(), accused_in_extraction.end(), dealer) != accused_in_extraction.end();
  }
  void accuse(PartyIndex dealer) {
    if (!accused(dealer)) accused_in_extraction.push_back(dealer);
  }
  [[nodiscard]] std::size_t commitment_count() const { return protocol == Protocol::refresh ? k - 1 : k; }
  /// Every party deals, except in a resharing, where only D does.
  [[nodiscard]] bool deals_in_protocol(PartyIndex i) const {
    return protocol != Protocol::reshare || std::find(dealers.begin(), dealers.end(), i) != dealers.end();
  }
  /// Whether this party holds the key of the dealers' epoch e, and so can check each C_j0 = lambda_j^D Y_j.
  [[nodiscard]] bool knows_dealers_epoch() const { return previous && previous->first.epoch == reshare_epoch; }
  [[nodiscard]] group::Scalar f_at(PartyIndex at) const { return shamir::evaluate(f, shamir::to_scalar(at)); }
  [[nodiscard]] group::Scalar f_prime_at(PartyIndex at) const {
    return f_prime.empty() ? group::Scalar() : shamir::evaluate(f_prime, shamir::to_scalar(at));
  }
  /// A share (s, s') that `dealer` gave party `at`, checked against the dealer's deal: Pedersen in
  /// GJKR, Feldman otherwise (from the exponent 1 in a refresh, whose a_0 = 0 is not committed).
  [[nodiscard]] bool deal_share_valid(PartyIndex dealer, PartyIndex at, const group::Scalar& s, const group::Scalar& s_prime) const {
    const auto& c = deals.at(dealer).commitments;
    if (protocol == Protocol::gjkr) return vss::pedersen_holds(c, at, s, s_prime);
    return vss::feldman_holds(c, at, s, protocol == Protocol::refresh ? 1 : 0);
  }
  /// The message's sender is one of the n, and the message belongs to the open round.
  [[nodiscard]] Result<void> check_sender(PartyIndex from, bool in_round, std::string_view fn) const {
    if (from.value() > n) return fail(ErrorCategory::malformed, fn, fmt::format("party {} is not one of the {}", from.value(), n), {from});
    if (!in_round || closed())
      return fail(ErrorCategory::policy_denied, fn, fmt::format("message from party {} arrived outside its round", from.value()), {from});
    return {};
  }
};

inline std::string name_of(PartyIndex p) { return std::to_string(p.value()); }

// party.cpp: the rounds every protocol runs (deal, complain, justify).
Result<void> receive_deal(State& st, const Deal& d);
Result<void> receive_share(State& st, const Share& s);
Result<void> receive_complaint(State& st, const Complaint& c);
Result<void> receive_justification(State& st, const Justification& j);
void close_deal(State& st);
void close_complain(State& st);
void close_justify(State& st);
/// Adds sum_m l^(m + first) C_m for every l, and C_0 to Y when `with_y`.
void add_feldman(const State& st, const std::vector<group::Point>& commitments, unsigned first, bool with_y, KeySum& sum);

// joint_feldman.cpp
void add_joint_feldman(const State& st, PartyIndex dealer, KeySum& sum);

// gjkr.cpp: the extraction phase.
Result<void> receive_extraction(State& st, const Extraction& e);
Result<void> receive_extraction_complaint(State& st, const Complaint& c);
Result<void> receive_reveal(State& st, const Reveal& r);
void open_extract(State& st);  // after justify closes: this party's extraction
void close_extract(State& st);
void close_extract_complain(State& st);
Result<void> add_gjkr(State& st, PartyIndex dealer, KeySum& sum);

// refresh.cpp
void add_refresh(const State& st, PartyIndex dealer, KeySum& sum);
/// Y' = Y, Y'_l = Y_l + the deltas, x' = x + delta, epoch + 1.
Result<uint32_t> apply_previous(const State& st, KeySum& sum, group::Scalar& x);

// reshare.cpp
/// The plan checked against this party's key, lambda^D computed, and a dealer's a_0 = lambda_me^D x_me.
Result<void> prepare_resharing(State& st, const Resharing& plan);
/// A deal's C_0 against lambda_j^D Y_j of epoch e, when this party knows epoch e's key.
Result<void> check_resharing_deal(const State& st, const Deal& d);
/// x' = sum_{j in QUAL} mu_j s_j, Y' = sum mu_j C_j0 (must be Y), Y'_l = sum mu_j F_j(l), with
/// mu_j = lambda_j^QUAL / lambda_j^D (1 when QUAL = D); returns the epoch e + 1.
Result<uint32_t> sum_resharing(const State& st, const std::vector<PartyIndex>& qual, KeySum& sum, group::Scalar& x);

}  // namespace escrow::dkg::detail
