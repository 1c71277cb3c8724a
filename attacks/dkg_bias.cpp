// dkg-bias (Gennaro, Jarecki, Krawczyk, Rabin, "Secure Distributed Key Generation for Discrete-Log
// Based Cryptosystems", EUROCRYPT 1999, §3). In Joint-Feldman the dealers' Feldman commitments
// reveal each a_j0·G in round 1, so corrupt parties who speak last can compute Y for every set of
// qualified dealers they can still bring about — by answering a complaint or staying silent — and
// pick the one they like. GJKR's round 1 uses Pedersen commitments, which hide a_j0·G until the
// qualified set is fixed, so the same strategy has nothing to choose with.
#include <cmath>

#include "escrow/dkg.hpp"
#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;
using dkg::Party;
using dkg::Protocol;

constexpr std::size_t kN = 5, kK = 3;

PartyIndex P(uint32_t i) { return *PartyIndex::make(i); }

// The targeted bit of Y: the lowest bit of its encoding's second byte. (Not of the first byte: a
// canonical ristretto255 encoding is a non-negative field element, so that bit is always 0.)
bool target_bit_zero(const group::Point& y) { return (y.to_bytes()[1] & 1) == 0; }

// One run among 5 parties; parties 4 and 5 are corrupt and rushing. Each sends party 1 a wrong share
// (so party 1 complains) and, after seeing every round-1 commitment, answers its complaint or not
// so that the sum of the first commitments of the qualified dealers has the target bit. Returns
// the Y every honest party ended with.
group::Point one_run(Protocol protocol, Rng& rng) {
  std::vector<Party> parties;
  for (uint32_t i = 1; i <= kN; ++i) parties.emplace_back(protocol, P(i), kK, kN, rng);
  std::vector<dkg::Deal> deals;
  for (auto& dealer : parties) {
    deals.push_back(dealer.deal());
    for (auto& p : parties) (void)p.receive(deals.back());
    for (auto s : dealer.shares()) {
      if (dealer.index().value() >= 4 && s.to == P(1)) s.s = s.s + group::Scalar::from_u64(1);
      (void)parties[s.to.value() - 1].receive(s);
    }
  }
  // The corrupt parties' choice: which of them will answer party 1's complaint.
  const group::Point honest_sum = deals[0].commitments[0] + deals[1].commitments[0] + deals[2].commitments[0];
  bool answer4 = true, answer5 = true;
  for (int option = 0; option < 4; ++option) {
    const bool a4 = option & 1, a5 = option & 2;
    group::Point y = honest_sum;
    if (a4) y = y + deals[3].commitments[0];
    if (a5) y = y + deals[4].commitments[0];
    if (target_bit_zero(y)) {
      answer4 = a4;
      answer5 = a5;
      break;
    }
  }
  auto close_round = [&] {
    for (auto& p : parties) p.close();
  };
  close_round();
  std::vector<dkg::Complaint> complaints;
  for (auto& p : parties)
    for (auto& c : p.complaints()) complaints.push_back(c);
  for (const auto& c : complaints)
    for (auto& p : parties) (void)p.receive(c);
  close_round();
  std::vector<dkg::Justification> answers;
  for (auto& p : parties)
    for (auto& j : p.justifications())
      if ((p.index() != P(4) || answer4) && (p.index() != P(5) || answer5)) answers.push_back(j);
  for (const auto& j : answers)
    for (auto& p : parties) (void)p.receive(j);
  close_round();
  if (protocol == Protocol::gjkr) {
    std::vector<dkg::Extraction> ex;
    for (auto& p : parties)
      if (auto e = p.extraction()) ex.push_back(*e);
    for (const auto& e : ex)
      for (auto& p : parties) (void)p.receive(e);
    close_round();
    std::vector<dkg::Complaint> ec;
    for (auto& p : parties)
      for (auto& c : p.complaints()) ec.push_back(c);
    for (const auto& c : ec)
      for (auto& p : parties) (void)p.receive(c);
    close_round();
    std::vector<dkg::Reveal> rv;
    for (auto& p : parties)
      for (auto& x : p.reveals()) rv.push_back(x);
    for (const auto& x : rv)
      for (auto& p : parties) (void)p.receive(x);
    close_round();
  }
  auto outcome = parties[0].finish();  // honest party 1's view
  if (!outcome) throw std::runtime_error(outcome.error().message());
  return outcome->public_key.y;
}

struct Rate {
  int hits = 0, runs = 0;
  double p() const { return runs ? double(hits) / runs : 0; }
  // Wilson score interval, 95%.
  std::pair<double, double> ci() const {
    const double z = 1.96, n = runs, ph = p();
    const double centre = (ph + z * z / (2 * n)) / (1 + z * z / n);
    const double half = z * std::sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / (1 + z * z / n);
    return {centre - half, centre + half};
  }
};

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("Five trustees generate the authority's key; two of them (4 and 5) are corrupt and want one bit");
  story.say("of Y (the lowest of its second byte) to be 0 (any predicate works the same way). Each sends trustee 1 a bad share, waits for");
  story.say("the complaint, and then answers it or stays silent — whichever makes the bit come out 0.");
  const int runs = o.quick ? 48 : 400;
  std::map<Protocol, Rate> rates;
  for (auto protocol : {Protocol::joint_feldman, Protocol::gjkr}) {
    auto rng = rng_for(o, "dkg-bias", protocol == Protocol::gjkr ? "gjkr" : "joint-feldman");
    Rate& rate = rates[protocol];
    for (int i = 0; i < runs; ++i) {
      if (i % 16 == 0) progress(o, "dkg-bias", fmt::format("{} run {}/{}", protocol == Protocol::gjkr ? "GJKR" : "Joint-Feldman", i, runs));
      rate.hits += target_bit_zero(one_run(protocol, rng));
      ++rate.runs;
    }
  }
  auto cell_for = [&](std::string_view scheme, Protocol protocol) {
    const auto& rate = rates.at(protocol);
    const auto [lo, hi] = rate.ci();
    Cell c{.scheme = std::string(scheme)};
    c.verdict = lo > 0.5 ? Verdict::broken : Verdict::held;
    c.evidence = fmt::format("{}: bit of Y = 0 in {} of {} runs, p = {:.3f} (95% CI {:.3f}–{:.3f}; unbiased 0.5, "
                             "best bias with two parties 15/16 = 0.9375)",
                             protocol == Protocol::gjkr ? "GJKR" : "Joint-Feldman", rate.hits, rate.runs, rate.p(), lo, hi);
    c.metrics = {{"protocol", protocol == Protocol::gjkr ? "gjkr" : "joint-feldman"}, {"runs", rate.runs},
                 {"target_hits", rate.hits}, {"probability", rate.p()}, {"ci95_low", lo}, {"ci95_high", hi}};
    // No check runs in this attack: its detection is "not observable", never a computed false.
    c.metrics["detection"] = {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", "the bias is in the key generation itself; the attack runs no check that could see it"}};
    return c;
  };
  for (auto name : schemes::names()) {
    if (name == "clipper" || name == "naive-shamir")
      r.cells.push_back(not_applicable(name, "keys come from a dealer, who chooses them outright (see dealer-retains-key)"));
    else if (name == "threshold-elgamal")
      r.cells.push_back(cell_for(name, Protocol::joint_feldman));
    else
      r.cells.push_back(cell_for(name, Protocol::gjkr));
  }
  Chart chart{"P(target bit of Y = 0) with two corrupt parties", "protocol", "probability", false, false, true, {}, {}};
  Series s{"measured", {{0, rates[Protocol::joint_feldman].p()}, {1, rates[Protocol::gjkr].p()}}};
  s.intervals = {rates[Protocol::joint_feldman].ci(), rates[Protocol::gjkr].ci()};  // Wilson 95% intervals of the proportions
  Series ref{"unbiased", {{0, 0.5}, {1, 0.5}}};
  chart.series = {s, ref};
  chart.categories = {"Joint-Feldman", "GJKR"};
  r.charts.push_back(chart);
  story.say("Joint-Feldman: {:.3f} over {} runs; GJKR: {:.3f}. Two rushing parties get 4 choices of Y under",
            rates[Protocol::joint_feldman].p(), runs, rates[Protocol::gjkr].p());
  story.say("Joint-Feldman, so they hit a one-bit target with probability 1 - 1/16. Under GJKR the commitments they");
  story.say("see are Pedersen commitments: the sum they compute says nothing about Y.");
  return r;
}

}  // namespace

const Attack kDkgBias{"dkg-bias", "Two corrupt parties bias the public key of a Joint-Feldman DKG",
                      "Gennaro, Jarecki, Krawczyk, Rabin, Secure Distributed Key Generation for Discrete-Log Based "
                      "Cryptosystems, EUROCRYPT 1999",
                      run};

}  // namespace doormat::attacks
