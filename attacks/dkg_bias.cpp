// dkg-bias (Gennaro, Jarecki, Krawczyk, Rabin, "Secure Distributed Key Generation for Discrete-Log
// Based Cryptosystems", EUROCRYPT 1999, §3). In Joint-Feldman the dealers' Feldman commitments
// reveal each a_j0·G in round 1, so corrupt parties who speak last can compute Y for every set of
// qualified dealers they can still bring about — by answering a complaint or staying silent — and
// pick the one they like. GJKR's round 1 uses Pedersen commitments, which hide a_j0·G until the
// qualified set is fixed, so the same strategy has nothing to choose with.
#include <cmath>

#include "escrow/dkg.hpp"
#include "registry.hpp"
#include "stats.hpp"
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
// The test variants: corrupt parties that answer every complaint (no choice made), and corrupt parties
// that learn the honest dealers' a_j0·G before they choose (what GJKR's Pedersen round hides).
struct Adversary {
  bool passive = false;
  bool sees_honest_coefficients = false;
};

group::Point one_run(Protocol protocol, Rng& rng, Adversary adversary = {}) {
  std::vector<Party> parties;
  group::Point honest_first = group::Point::identity();  // sum of the honest dealers' a_j0·G, for the leak variant
  for (uint32_t i = 1; i <= kN; ++i) {
    if (!adversary.sees_honest_coefficients || i >= 4) {
      parties.emplace_back(protocol, P(i), kK, kN, rng);
      continue;
    }
    std::vector<group::Scalar> f, f_prime;
    for (std::size_t j = 0; j < kK; ++j) f.push_back(group::Scalar::random(rng));
    if (protocol == Protocol::gjkr)
      for (std::size_t j = 0; j < kK; ++j) f_prime.push_back(group::Scalar::random(rng));
    honest_first = honest_first + group::Point::base_mul(f[0]);
    auto p = Party::with_polynomials(protocol, P(i), kK, kN, std::move(f), std::move(f_prime));
    if (!p) throw std::runtime_error(p.error().message());
    parties.push_back(std::move(*p));
  }
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
  // What the corrupt parties add up: the round-1 first commitments (a_j0·G under Joint-Feldman; under
  // GJKR Pedersen commitments that hide it), or the leaked a_j0·G themselves.
  const group::Point honest_sum = adversary.sees_honest_coefficients
                                      ? honest_first
                                      : deals[0].commitments[0] + deals[1].commitments[0] + deals[2].commitments[0];
  bool answer4 = true, answer5 = true;
  for (int option = 0; option < 4 && !adversary.passive; ++option) {
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
  // Wilson score interval, 95% (stats.hpp).
  std::pair<double, double> ci() const {
    const auto i = stats::wilson95(static_cast<std::size_t>(hits), static_cast<std::size_t>(runs));
    return {i.low, i.high};
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
  const Adversary adversary{o.variant.dkg_adversary_passive, o.variant.dkg_honest_coefficients_leak};
  for (auto protocol : {Protocol::joint_feldman, Protocol::gjkr}) {
    auto rng = rng_for(o, "dkg-bias", protocol == Protocol::gjkr ? "gjkr" : "joint-feldman");
    Rate& rate = rates[protocol];
    for (int i = 0; i < runs; ++i) {
      if (i % 16 == 0) progress(o, "dkg-bias", fmt::format("{} run {}/{}", protocol == Protocol::gjkr ? "GJKR" : "Joint-Feldman", i, runs));
      rate.hits += target_bit_zero(one_run(protocol, rng, adversary));
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
    stats::put_proportion(c.metrics, "probability", static_cast<std::size_t>(rate.hits), static_cast<std::size_t>(rate.runs));
    // No check runs in this attack: its detection is "not observable", never a computed false.
    c.metrics["detection"] = {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", "the bias is in the key generation itself; the attack runs no check that could see it"}};
    return c;
  };
  // Each design's protocol is its own key generation, as lib/schemes builds it (Properties::key_generation).
  for (auto name : schemes::names()) {
    auto srng = rng_for(o, "dkg-bias", name);
    const std::string keygen(make_scheme(name, o, srng)->properties().key_generation);
    if (keygen == "joint-feldman")
      r.cells.push_back(cell_for(name, Protocol::joint_feldman));
    else if (keygen == "gjkr")
      r.cells.push_back(cell_for(name, Protocol::gjkr));
    else
      r.cells.push_back(not_applicable(name, fmt::format("keys come from a {}, who chooses them outright (see dealer-retains-key)", keygen)));
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
  story.say("Joint-Feldman, so in theory they hit a one-bit target with probability 1 - 1/16; under GJKR the commitments");
  story.say("they see are Pedersen commitments, so in theory the sum they compute says nothing about Y.");
  return r;
}

// The closing paragraph, from the cells: where the measured proportion's 95% interval lies above an
// unbiased 1/2 (broken) and where it does not (held).
std::string closing(const Report& r) {
  const auto p = [](const Cell& c) {
    return fmt::format("{} ({}, {} of {} = {:.3f}, 95% interval {:.3f}–{:.3f})", c.scheme, c.metrics.value("protocol", std::string()),
                       c.metrics.value("target_hits", 0), c.metrics.value("runs", 0), c.metrics.value("probability", 0.0),
                       c.metrics.value("ci95_low", 0.0), c.metrics.value("ci95_high", 0.0));
  };
  return fmt::format(
      "Measured in this run: {}.\n",
      clauses({{"the corrupt parties biased Y (interval above 1/2) under ",
                cells_where(r, [](const Cell& c) { return c.verdict == Verdict::broken; }, p, "")},
               {"no bias shown (interval reaches 1/2) under ", cells_where(r, [](const Cell& c) { return c.verdict == Verdict::held; }, p, "")}}));
}

}  // namespace

const Attack kDkgBias{"dkg-bias", "Two corrupt parties bias the public key of a Joint-Feldman DKG",
                      "Gennaro, Jarecki, Krawczyk, Rabin, Secure Distributed Key Generation for Discrete-Log Based "
                      "Cryptosystems, EUROCRYPT 1999",
                      run, closing};

}  // namespace doormat::attacks
