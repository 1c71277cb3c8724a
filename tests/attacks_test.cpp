// Each attack in its quick mode. The assertions look at the plaintexts each attack obtained, next
// to the originals — never only at the verdict string the attack printed — and then check that
// the verdict says the same thing.
#include <gtest/gtest.h>

#include <algorithm>

#include "attack.hpp"
#include "report.hpp"
#include "stats.hpp"
#include "support.hpp"
#include "escrow/schemes.hpp"

namespace doormat::attacks {
namespace leaf_forgery_stats {
nlohmann::json interval_stats(std::vector<double> xs, unsigned bits);  // attacks/leaf_forgery.cpp
}
namespace {

const Report& report(std::string_view name) {
  static std::map<std::string, Report, std::less<>> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  Options o;
  o.quick = true;
  const Attack* a = find(name);
  EXPECT_NE(a, nullptr) << name;
  return cache.emplace(std::string(name), run(*a, o)).first->second;
}

const Cell& cell(std::string_view attack, std::string_view scheme) {
  for (const auto& c : report(attack).cells)
    if (c.scheme == scheme) return c;
  ADD_FAILURE() << attack << " has no cell for " << scheme;
  static Cell none;
  return none;
}

// A quick run of one attack under a test variant (not cached).
Report variant(std::string_view name, Variant v) {
  Options o;
  o.quick = true;
  o.variant = v;
  return run(*find(name), o);
}

const Cell& cell_of(const Report& r, std::string_view scheme) {
  for (const auto& c : r.cells)
    if (c.scheme == scheme) return c;
  ADD_FAILURE() << r.attack << " has no cell for " << scheme;
  static Cell none;
  return none;
}

// Observation `i` of the cell obtained exactly the original plaintext.
bool got(std::string_view attack, std::string_view scheme, std::size_t i) {
  const auto& c = cell(attack, scheme);
  EXPECT_LT(i, c.observations.size()) << attack << "/" << scheme;
  return i < c.observations.size() && c.observations[i].recovered();
}

TEST(Attacks, RegistryHasEveryAttackOnceWithACellPerDesign) {
  EXPECT_EQ(all().size(), 13u);
  std::set<std::string_view> names;
  for (const auto& a : all()) EXPECT_TRUE(names.insert(a.name).second) << a.name;
  EXPECT_EQ(find("no-such-attack"), nullptr);
  EXPECT_EQ(report("bad-share").cells.size(), escrow::schemes::names().size());
}

TEST(Attacks, LeafForgeryFoolsChecksumDesignsAndNotTheReencryptionCheck) {
  for (auto s : {"clipper", "naive-shamir", "threshold-elgamal"}) {
    EXPECT_TRUE(got("leaf-forgery", s, 0)) << s << ": the receiver read the forged session";
    EXPECT_FALSE(got("leaf-forgery", s, 1)) << s << ": the warrant got nothing";
    EXPECT_EQ(cell("leaf-forgery", s).verdict, Verdict::broken);
  }
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    EXPECT_TRUE(cell("leaf-forgery", s).observations.empty()) << s << ": no forged field passed";
    EXPECT_EQ(cell("leaf-forgery", s).verdict, Verdict::held);
  }
  const auto& sweep = report("leaf-forgery").numbers["clipper_sweep"];
  ASSERT_EQ(sweep.size(), 3u);
  EXPECT_GT(sweep[0]["mean_trials"].get<double>(), 65536.0 / 4);  // a 16-bit check: ~2^16 tries, not a handful
}

// The 16-bit sample's figures come with their intervals and the geometric law's, and no percentile
// is reported from too few samples.
TEST(Attacks, LeafForgeryReportsIntervalsBesideTheGeometricLawAndNoP99FromFewSamples) {
  const auto& row = report("leaf-forgery").numbers["clipper_sweep"][0];
  EXPECT_EQ(row["runs"].get<std::size_t>(), 32u);  // quick mode's draws, counted
  const double mean = row["mean_trials"], median = row["median_trials"];
  EXPECT_LT(row["mean_ci95"][0].get<double>(), mean);
  EXPECT_GT(row["mean_ci95"][1].get<double>(), mean);
  // The time per forgery carries the mean's interval at the pooled time per trial.
  const double per_trial = row["us_per_trial"].get<double>() / 1e6;
  EXPECT_NEAR(row["seconds_per_forgery_ci95"][0].get<double>(), row["mean_ci95"][0].get<double>() * per_trial, 1e-12);
  EXPECT_NEAR(row["seconds_per_forgery_ci95"][1].get<double>(), row["mean_ci95"][1].get<double>() * per_trial, 1e-12);
  EXPECT_LE(row["median_ci95"][0].get<double>(), median);
  EXPECT_GE(row["median_ci95"][1].get<double>(), median);
  EXPECT_LE(row["min_trials"].get<double>(), median);
  EXPECT_GE(row["max_trials"].get<double>(), mean);
  EXPECT_EQ(row["law_mean"].get<double>(), 65536.0);
  EXPECT_EQ(row["law_median"].get<double>(), 45426.0);  // ceil(ln 2 / -ln(1 - 2^-16))
  EXPECT_LT(row["law_mean_range95"][0].get<double>(), 65536.0);
  EXPECT_GT(row["law_mean_range95"][1].get<double>(), 65536.0);
  const double p = row["law_mean_p_value"];
  EXPECT_GT(p, 0.0);
  EXPECT_LE(p, 1.0);
  // p < 0.05 exactly when the law's mean falls outside the sample's interval.
  const bool outside = 65536.0 < row["mean_ci95"][0].get<double>() || 65536.0 > row["mean_ci95"][1].get<double>();
  EXPECT_EQ(outside, p < 0.05) << "p " << p;
  EXPECT_FALSE(row.contains("p99_trials")) << "a p99 from 32 samples is one of its top values";
  EXPECT_TRUE(row.contains("p99_note"));
}

// Two runs (the full mode's 24-bit row) carry no interval: n is stated instead; from 8 runs on they do.
TEST(Attacks, LeafForgeryStatsGiveNoIntervalBelowEightRuns) {
  const auto two = leaf_forgery_stats::interval_stats({70000, 50000}, 16);
  EXPECT_FALSE(two.contains("mean_ci95"));
  EXPECT_FALSE(two.contains("median_ci95"));
  EXPECT_EQ(two.at("runs"), 2);
  EXPECT_NE(two.at("intervals").get<std::string>().find("fewer than 8"), std::string::npos);
  const auto eight = leaf_forgery_stats::interval_stats({70000, 50000, 60000, 65000, 80000, 40000, 66000, 61000}, 16);
  EXPECT_TRUE(eight.contains("mean_ci95"));
}

TEST(Attacks, WarrantLaunderingOpensBUnderThresholdElGamalOnly) {
  EXPECT_TRUE(got("warrant-laundering", "threshold-elgamal", 0));
  EXPECT_TRUE(got("warrant-laundering", "threshold-elgamal", 2)) << "label swap works without a label binding";
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    EXPECT_FALSE(got("warrant-laundering", s, 0)) << s;
    EXPECT_TRUE(got("warrant-laundering", s, 1)) << s << ": a trustee skipping the validity check is laundered";
    EXPECT_FALSE(got("warrant-laundering", s, 2)) << s << ": label swap refused";
    EXPECT_EQ(cell("warrant-laundering", s).verdict, Verdict::held);
    // The refusals went through decide() into the log: trustee 1 refused the mauled field and the swap.
    EXPECT_EQ(cell("warrant-laundering", s).metrics["log_entries"], 2) << s;
  }
  EXPECT_EQ(cell("warrant-laundering", "clipper").verdict, Verdict::not_applicable);
}

// held is the trustees' refusal, not the design's name: trustees that skip the validity check are
// laundered, nothing logs it, and the cell is broken.
TEST(Attacks, WarrantLaunderingBreaksTdh2WhenItsTrusteesSkipTheValidityCheck) {
  const auto r = variant("warrant-laundering", {.trustees_skip_validity = true});
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    EXPECT_TRUE(cell_of(r, s).observations.at(0).recovered()) << s;
    EXPECT_EQ(cell_of(r, s).verdict, Verdict::broken) << s;
  }
}

// The per-strategy metrics are judged by the cell's own rule (obtained, and the audit naming it), not
// by "recovered ? broken : held": in the default run and with skipping trustees deployed.
TEST(Attacks, WarrantLaunderingStrategyMetricsFollowTheCellsRule) {
  const auto skip = variant("warrant-laundering", {.trustees_skip_validity = true});
  for (const Report* r : {&report("warrant-laundering"), &skip})
    for (const auto& c : r->cells) {
      if (c.verdict == Verdict::not_applicable) continue;
      const bool flagged = c.metrics.at("auditor_named_laundering_warrant").get<bool>();
      EXPECT_EQ(c.metrics.at("trustees_skipping_validity_check").get<std::string>(),
                to_string(judge(c.observations.at(1).recovered(), flagged))) << c.scheme;
      EXPECT_EQ(c.metrics.at("label_swap").get<std::string>(), to_string(judge(c.observations.at(2).recovered(), flagged))) << c.scheme;
    }
}

// The outside review of issue 14, finding 1: "detected" is the auditor naming the warrant the
// laundering used, not any flag it raised. With an unrelated warrant missing from the register, the
// auditor flags the tdh2 designs' logs; with trustees that skip the validity check B opens, and the cell
// stays broken (it was "detected" under the old any-flag rule).
TEST(Attacks, WarrantLaunderingIsDetectedOnlyWhenTheAuditorNamesTheLaunderingWarrant) {
  const auto r = variant("warrant-laundering", {.trustees_skip_validity = true, .unrelated_unregistered_warrant = true});
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    const auto& c = cell_of(r, s);
    EXPECT_TRUE(c.observations.at(0).recovered()) << s;
    EXPECT_GT(c.metrics["logs_flagged"].get<std::size_t>(), 0u) << s << ": the unrelated warrant's decisions are flagged";
    EXPECT_FALSE(c.metrics["auditor_named_laundering_warrant"].get<bool>()) << s;
    EXPECT_EQ(c.metrics["detection"]["observable"], true) << s;
    EXPECT_EQ(c.metrics["detection"]["detected"], false) << s;
    EXPECT_EQ(c.verdict, Verdict::broken) << s << ": " << c.evidence;
  }
  // As deployed the logs hold the refusals and nothing the auditor flags; threshold-elgamal has no log.
  EXPECT_EQ(cell("warrant-laundering", "tdh2").metrics["detection"]["detected"], false);
  EXPECT_EQ(cell("warrant-laundering", "tdh2").metrics["detection"]["observable"], true);
  EXPECT_EQ(cell("warrant-laundering", "threshold-elgamal").metrics["detection"]["observable"], false);
}

TEST(Attacks, QuorumCompromiseOpensEveryArchivedSessionAndKMinusOneNothing) {
  for (auto s : escrow::schemes::names()) {
    const auto& c = cell("quorum-compromise", s);
    EXPECT_TRUE(got("quorum-compromise", s, 0)) << s;
    EXPECT_FALSE(got("quorum-compromise", s, 1)) << s << ": k-1 shares and a guess";
    EXPECT_EQ(c.metrics["decrypted"], c.metrics["sessions"]) << s;
    EXPECT_EQ(c.verdict, Verdict::broken);
  }
}

// The k - 1 half is tried against real sessions and judged by plaintexts: the tries are counted
// and none opened.
TEST(Attacks, QuorumCompromiseKMinusOneSharesAreTriedOnRealSessionsAndOpenNone) {
  EXPECT_FALSE(report("quorum-compromise").numbers.contains("k_minus_1_consistency")) << "the identity that could not fail";
  for (auto s : escrow::schemes::names()) {
    const auto& m = cell("quorum-compromise", s).metrics;
    EXPECT_GE(m["k_minus_1_attempts"].get<int>(), m["k_minus_1_guesses"].get<int>()) << s;
    EXPECT_GT(m["k_minus_1_guesses"].get<int>(), 0) << s;
    EXPECT_EQ(m["k_minus_1_opened"].get<int>(), 0) << s;
    EXPECT_TRUE(m["k_minus_1_decryptor_refused"].get<bool>()) << s;
  }
  EXPECT_EQ(cell("quorum-compromise", "tdh2").metrics["sessions"], 100);
  EXPECT_EQ(cell("quorum-compromise", "tdh2-crumple").metrics["sessions"], 8);
}

TEST(Attacks, KeyPersistenceOnlyWhereTheWarrantHandsOverKeys) {
  for (auto s : escrow::schemes::names()) EXPECT_TRUE(got("key-persistence", s, 0)) << s << ": the lawful session opens";
  EXPECT_TRUE(got("key-persistence", "naive-shamir", 1));
  EXPECT_TRUE(got("key-persistence", "naive-shamir", 2)) << "the master key opens strangers' sessions too";
  EXPECT_TRUE(got("key-persistence", "clipper", 1)) << "the unit key opens the device's later sessions";
  EXPECT_FALSE(got("key-persistence", "clipper", 2)) << "but not another device's";
  for (auto s : {"threshold-elgamal", "tdh2", "tdh2-crumple"}) {
    EXPECT_FALSE(got("key-persistence", s, 1)) << s;
    EXPECT_FALSE(got("key-persistence", s, 2)) << s;
    EXPECT_EQ(cell("key-persistence", s).verdict, Verdict::held);
  }
  EXPECT_EQ(cell("key-persistence", "tdh2").metrics["log_entries"], 3) << "the lawful decision, logged by k trustees";
  EXPECT_EQ(cell("key-persistence", "tdh2").metrics["logs_flagged"], 0);
}

// broken is the kept material opening sessions: an investigator that keeps nothing opens nothing.
TEST(Attacks, KeyPersistenceHoldsWhenTheInvestigatorKeepsNothing) {
  const auto r = variant("key-persistence", {.investigator_discards = true});
  for (auto s : {"clipper", "naive-shamir"}) {
    EXPECT_TRUE(cell_of(r, s).observations.at(0).recovered()) << s;
    EXPECT_FALSE(cell_of(r, s).observations.at(1).recovered()) << s;
    EXPECT_EQ(cell_of(r, s).verdict, Verdict::held) << s;
  }
}

TEST(Attacks, BadShareIsNamedWithProofsOrWithASpareAnswerAndTheAead) {
  EXPECT_FALSE(got("bad-share", "clipper", 0)) << "two agents, no spare answer";
  EXPECT_TRUE(cell("bad-share", "clipper").metrics["blamed"].empty());
  EXPECT_EQ(cell("bad-share", "clipper").verdict, Verdict::broken);
  // naive-shamir: the investigator tries the k-subsets of its k + 1 answers against the session.
  EXPECT_TRUE(got("bad-share", "naive-shamir", 0)) << "the subset without trustee 2 opens the session";
  EXPECT_EQ(cell("bad-share", "naive-shamir").metrics["blamed"], nlohmann::json::array({2}));
  EXPECT_EQ(cell("bad-share", "naive-shamir").verdict, Verdict::held);
  for (auto s : {"naive-shamir", "threshold-elgamal", "tdh2", "tdh2-crumple"}) {
    EXPECT_TRUE(got("bad-share", s, 0)) << s;
    EXPECT_EQ(cell("bad-share", s).metrics["blamed"], nlohmann::json::array({2})) << s;
  }
}

// "detected" only when the combine named the cheater: each cell's verdict is the rule applied to what
// its run recovered and whom it blamed, and the rule itself cannot call an unnamed cheater detected.
TEST(Attacks, BadShareIsDetectedOnlyWhenTheCheaterIsNamed) {
  EXPECT_EQ(doormat::attacks::bad_share_verdict(true, false), Verdict::held) << "recovered, cheater not named: not detected";
  EXPECT_EQ(doormat::attacks::bad_share_verdict(true, true), Verdict::held);
  EXPECT_EQ(doormat::attacks::bad_share_verdict(false, true), Verdict::detected);
  EXPECT_EQ(doormat::attacks::bad_share_verdict(false, false), Verdict::broken);
  for (auto s : escrow::schemes::names()) {
    const auto& c = cell("bad-share", s);
    const auto& blamed = c.metrics["blamed"];
    const bool named = std::find(blamed.begin(), blamed.end(), 2) != blamed.end();
    EXPECT_EQ(c.metrics["cheater_named"].get<bool>(), named) << s;
    EXPECT_EQ(c.verdict, doormat::attacks::bad_share_verdict(got("bad-share", s, 0), named)) << s;
    if (!named) {
      EXPECT_NE(c.evidence.find("cheater not named"), std::string::npos) << s << ": " << c.evidence;
    }
  }
}

// The offline decryption contacts no trustee by construction: quorum-compromise reports no constant
// standing in for a count it never measured.
TEST(Attacks, QuorumCompromiseReportsNoUnmeasuredCounts) {
  for (auto s : escrow::schemes::names()) {
    const auto& m = cell("quorum-compromise", s).metrics;
    EXPECT_FALSE(m.contains("trustees_contacted")) << s;
    EXPECT_FALSE(m.contains("log_entries_written")) << s;
  }
}

TEST(Attacks, DealerDecryptsEverythingAndDkgPartiesNothing) {
  for (auto s : {"clipper", "naive-shamir"}) EXPECT_TRUE(got("dealer-retains-key", s, 0)) << s;
  for (auto s : {"threshold-elgamal", "tdh2", "tdh2-crumple"}) {
    EXPECT_FALSE(got("dealer-retains-key", s, 0)) << s << " under its DKG";
    EXPECT_TRUE(got("dealer-retains-key", s, 1)) << s << " keyed by a dealer instead";
  }
}

TEST(Attacks, DkgBiasMovesJointFeldmanAndNotGjkr) {
  const auto& jf = cell("dkg-bias", "threshold-elgamal").metrics;
  const auto& gjkr = cell("dkg-bias", "tdh2").metrics;
  EXPECT_GT(jf["target_hits"].get<double>() / jf["runs"].get<double>(), 0.75);
  EXPECT_LT(gjkr["target_hits"].get<double>() / gjkr["runs"].get<double>(), 0.75);
  EXPECT_EQ(cell("dkg-bias", "naive-shamir").verdict, Verdict::not_applicable);
}

// The matrix verdicts as their rules computed from the cells' observations and metrics. A constant
// verdict fails these only where the rule gives both values across the designs (dkg-bias,
// dealer-retains-key); the attacks broken under every design are flipped by variants in
// Attacks.AllBrokenAttacksHoldWhenTheirAttackerHasNothing.
// quorum-compromise's closing sentence is the cells' counts summed, not a constant.
TEST(Attacks, QuorumCompromiseClosingSentenceSumsTheCells) {
  std::size_t attempts = 0, opened = 0;
  for (const auto& c : report("quorum-compromise").cells) {
    if (c.verdict == Verdict::not_applicable) continue;
    attempts += c.metrics.at("k_minus_1_attempts").get<std::size_t>();
    opened += c.metrics.at("k_minus_1_opened").get<std::size_t>();
  }
  EXPECT_NE(report("quorum-compromise").narrative.find(fmt::format("of {} tries of guessed completions on real archived sessions, {} opened",
                                                                   attempts, opened)),
            std::string::npos);
}

// The matrix attacks that run no check say so: detection "not observable", with the reason.
TEST(Attacks, MatrixCellsWithoutACheckSayDetectionIsNotObservable) {
  for (auto name : {"leaf-forgery", "dealer-retains-key", "dkg-bias", "superencryption", "forward-secrecy-loss", "quorum-compromise",
                    "crumple-cost"})
    for (const auto& c : report(name).cells) {
      if (c.verdict == Verdict::not_applicable) continue;
      ASSERT_TRUE(c.metrics.contains("detection")) << name << "/" << c.scheme;
      EXPECT_EQ(c.metrics["detection"]["observable"], false) << name << "/" << c.scheme;
      EXPECT_EQ(c.metrics["detection"]["detected"], "not observable in this scenario") << name << "/" << c.scheme;
      EXPECT_FALSE(c.metrics["detection"]["why"].get<std::string>().empty()) << name << "/" << c.scheme;
    }
}

TEST(Attacks, MatrixVerdictsAreTheirRulesOfTheObservations) {
  std::set<Verdict> dkg, dealer, superenc, fs;
  for (const auto& c : report("dkg-bias").cells) {
    if (c.verdict == Verdict::not_applicable) continue;
    EXPECT_EQ(c.verdict, c.metrics.at("ci95_low").get<double>() > 0.5 ? Verdict::broken : Verdict::held) << c.scheme;
    dkg.insert(c.verdict);
  }
  for (const auto& c : report("dealer-retains-key").cells) {
    if (c.verdict == Verdict::not_applicable) continue;
    EXPECT_EQ(c.verdict, c.metrics.at("opened").get<std::size_t>() > 0 ? Verdict::broken : Verdict::held) << c.scheme;
    EXPECT_EQ(c.observations.at(0).recovered(), c.metrics.at("opened").get<std::size_t>() > 0) << c.scheme;
    dealer.insert(c.verdict);
  }
  for (const auto& c : report("superencryption").cells) {
    if (c.verdict == Verdict::not_applicable) continue;
    const bool evaded = !c.observations.at(0).recovered() && c.observations.at(1).recovered();
    EXPECT_EQ(c.verdict, evaded ? Verdict::broken : Verdict::held) << c.scheme;
    superenc.insert(c.verdict);
  }
  for (const auto& c : report("quorum-compromise").cells) {
    if (c.verdict == Verdict::not_applicable) continue;
    EXPECT_EQ(c.verdict, c.metrics.at("decrypted").get<std::size_t>() > 0 ? Verdict::broken : Verdict::held) << c.scheme;
    EXPECT_EQ(c.metrics.at("all_decrypted").get<bool>(), c.metrics.at("decrypted") == c.metrics.at("sessions")) << c.scheme;
  }
  for (const auto& c : report("forward-secrecy-loss").cells) {
    if (c.verdict == Verdict::not_applicable) continue;
    EXPECT_EQ(c.verdict, c.metrics.at("opened").get<int>() > 0 ? Verdict::broken : Verdict::held) << c.scheme;
    fs.insert(c.verdict);
  }
  EXPECT_EQ(dkg, (std::set<Verdict>{Verdict::broken, Verdict::held}));
  EXPECT_EQ(dealer, (std::set<Verdict>{Verdict::broken, Verdict::held}));
}

TEST(Attacks, MobileAdversaryFallsWithoutRefreshAndWithTheOldShareBug) {
  for (auto s : {"clipper", "naive-shamir", "threshold-elgamal"}) EXPECT_TRUE(got("mobile-adversary", s, 0)) << s;
  const auto& tdh2 = cell("mobile-adversary", "tdh2");
  ASSERT_EQ(tdh2.observations.size(), 3u);
  EXPECT_FALSE(tdh2.observations[0].recovered()) << "with refresh";
  int fell = 0;
  for (std::size_t i = 1; i < 3; ++i) fell += tdh2.observations[i].recovered();
  EXPECT_EQ(fell, 2) << "no refresh, and refresh keeping old shares, both fall";
  EXPECT_EQ(tdh2.metrics["no refresh"], "fell at epoch 3");
  EXPECT_EQ(tdh2.metrics["refresh that keeps old shares"], "fell at epoch 3");
  EXPECT_EQ(tdh2.metrics["lawful_opened"], 6) << "one lawful decryption per epoch through decide()";
  EXPECT_EQ(tdh2.metrics["log_entries"], 18);
  EXPECT_EQ(tdh2.metrics["logs_flagged"], 0);
}

// The verdicts follow the epochs actually run: tdh2 without refresh falls; one epoch is too few
// for any design.
TEST(Attacks, MobileAdversaryVerdictFollowsTheRun) {
  const auto unrefreshed = variant("mobile-adversary", {.no_refresh = true});
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    EXPECT_TRUE(cell_of(unrefreshed, s).observations.at(0).recovered()) << s;
    EXPECT_EQ(cell_of(unrefreshed, s).verdict, Verdict::broken) << s;
  }
  const auto short_run = variant("mobile-adversary", {.epochs = 1});
  for (auto s : escrow::schemes::names()) EXPECT_EQ(cell_of(short_run, s).verdict, Verdict::held) << s;
}

TEST(Attacks, ForgedWarrantWorksUntilRevocationOrASecondJudge) {
  for (auto s : escrow::schemes::names()) {
    EXPECT_TRUE(got("forged-warrant", s, 0)) << s;
    EXPECT_FALSE(got("forged-warrant", s, 1)) << s << " after revocation";
    EXPECT_FALSE(got("forged-warrant", s, 2)) << s << " under a two-judge policy";
  }
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    const auto& m = cell("forged-warrant", s).metrics;
    EXPECT_TRUE(got("forged-warrant", s, 3)) << s << ": the court's own warrant opens alice's session";
    // The k trustees that answered each logged one issued decision under the forged warrant, and
    // the auditor, reading the n logs, flagged those k against the register.
    EXPECT_EQ(m["logs_audited"], 5) << s;
    EXPECT_EQ(m["entries_with_unregistered_warrant"], 3) << s;
    EXPECT_EQ(m["logs_flagged"], 3) << s;
    EXPECT_EQ(cell("forged-warrant", s).verdict, Verdict::detected) << s;
  }
  for (auto s : {"clipper", "naive-shamir", "threshold-elgamal"}) {
    EXPECT_EQ(cell("forged-warrant", s).metrics["logs_audited"], 0) << s;
    EXPECT_EQ(cell("forged-warrant", s).verdict, Verdict::broken) << s;
  }
}

// "detected" is what the auditor reported in the run: a register that lists the forged warrant,
// or trustees that write no log, leave the same plaintext recovered and the cell broken.
TEST(Attacks, ForgedWarrantIsDetectedOnlyWhenTheAuditorFlagsALoggedDecision) {
  const auto listed = variant("forged-warrant", {.register_lists_forged = true});
  const auto unlogged = variant("forged-warrant", {.trustees_log = false});
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    for (const auto* r : {&listed, &unlogged}) {
      const auto& c = cell_of(*r, s);
      ASSERT_GE(c.observations.size(), 1u);
      EXPECT_TRUE(c.observations[0].recovered()) << s;
      EXPECT_EQ(c.metrics["logs_flagged"], 0) << s;
      EXPECT_EQ(c.verdict, Verdict::broken) << s;
    }
    EXPECT_EQ(cell_of(listed, s).metrics["log_entries"], 6) << s << ": the lawful and the forged decision, by 3 trustees";
    EXPECT_EQ(cell_of(unlogged, s).metrics["logs_audited"], 0) << s;
  }
}

// "detected" is the auditor naming the forged warrant, not any flag it raised: with the forged warrant
// in the register and the court's own lawful warrant left out, the auditor flags the logs for the
// lawful decision only, and the forged one stays broken.
TEST(Attacks, ForgedWarrantIsDetectedOnlyWhenTheAuditorNamesTheForgedWarrant) {
  const auto r = variant("forged-warrant", {.register_lists_forged = true, .lawful_warrant_unregistered = true});
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    const auto& c = cell_of(r, s);
    EXPECT_TRUE(c.observations.at(0).recovered()) << s;
    EXPECT_EQ(c.metrics["logs_flagged"], 3) << s << ": the lawful decisions, under a warrant the register lacks";
    EXPECT_EQ(c.verdict, Verdict::broken) << s << ": " << c.evidence;
  }
}

TEST(Attacks, SuperencryptionHidesColludersAndExposesTheCompliant) {
  for (auto s : escrow::schemes::names()) {
    EXPECT_FALSE(got("superencryption", s, 0)) << s;
    EXPECT_TRUE(got("superencryption", s, 1)) << s;
    EXPECT_GT(cell("superencryption", s).metrics["colluders_recovered_entropy_bits_per_byte"].get<double>(), 7.5) << s;
    EXPECT_LT(cell("superencryption", s).metrics["compliant_entropy_bits_per_byte"].get<double>(), 5.0) << s;
  }
}

TEST(Attacks, ForwardSecrecyLossExposesThePastOnlyUnderEscrow) {
  const auto& baseline = report("forward-secrecy-loss").numbers["baseline"];
  EXPECT_EQ(baseline["opened_after_compromise"], 0) << "the long-term keys the handshakes used open nothing";
  // The same computation with the ephemerals a forward-secret client erases opens every session:
  // the baseline's zero is computed by an attacker that can succeed.
  EXPECT_EQ(baseline["control_opened_with_unerased_ephemerals"], baseline["sessions"]);
  for (auto s : escrow::schemes::names()) {
    EXPECT_TRUE(got("forward-secrecy-loss", s, 0)) << s;
    EXPECT_EQ(cell("forward-secrecy-loss", s).metrics["opened"], cell("forward-secrecy-loss", s).metrics["past_sessions"]);
  }
}

// The verdicts of the attacks whose every cell is broken by default, against the run that must hold:
// a thief one share short of the quorum opens nothing, so every quorum-compromise, forward-secrecy-loss
// and crumple-cost cell is held; colluders without a layer of their own are read, so every
// superencryption cell is held. A verdict fixed at "broken" fails here (the default runs cannot tell).
TEST(Attacks, AllBrokenAttacksHoldWhenTheirAttackerHasNothing) {
  for (auto name : {"quorum-compromise", "forward-secrecy-loss", "crumple-cost"}) {
    const auto r = variant(name, {.stolen_short_of_k = 1});
    ASSERT_EQ(r.cells.size(), escrow::schemes::names().size()) << name;
    for (const auto& c : r.cells) {
      ASSERT_FALSE(c.observations.empty()) << name << "/" << c.scheme;
      for (const auto& o : c.observations) EXPECT_FALSE(o.recovered()) << name << "/" << c.scheme << ": " << o.what;
      EXPECT_EQ(c.verdict, Verdict::held) << name << "/" << c.scheme;
    }
  }
  const auto plain = variant("superencryption", {.colluders_skip_own_layer = true});
  for (const auto& c : plain.cells) {
    EXPECT_TRUE(c.observations.at(0).recovered()) << c.scheme << ": the colluders' words, unlayered";
    EXPECT_TRUE(c.observations.at(1).recovered()) << c.scheme;
    EXPECT_EQ(c.verdict, Verdict::held) << c.scheme;
    EXPECT_NE(c.evidence.find("(their words)"), std::string::npos) << c.scheme << ": " << c.evidence;
  }
  for (const auto& c : report("superencryption").cells) {
    EXPECT_NE(c.evidence.find("(not their words)"), std::string::npos) << c.scheme << ": " << c.evidence;
  }
}

TEST(Attacks, CrumpleCostGrowsWithTAndStillDecrypts) {
  for (auto s : escrow::schemes::names()) EXPECT_TRUE(got("crumple-cost", s, 0)) << s;
  const auto& table = report("crumple-cost").numbers["table"];
  ASSERT_GE(table.size(), 4u);
  EXPECT_GT(table.back()["seconds_per_session"].get<double>(), 1000 * table.front()["seconds_per_session"].get<double>());
}

void expect_rows_at_their_own_t(const Report& r, const std::vector<unsigned>& sweep) {
  const auto& measured = r.numbers["measured"];
  ASSERT_EQ(measured.size(), sweep.size());
  uint64_t pooled = 0;
  bool some_count_differs_from_expectation = false;
  for (std::size_t i = 0; i < sweep.size(); ++i) {
    const auto& m = measured[i];
    const unsigned t = m["t"];
    EXPECT_EQ(t, sweep[i]);
    const int sessions = m["sessions"];
    // Every session opened by both searches, so each counted between 1 and 2^t trials; the two
    // searches walk the same candidates, so they count the same.
    EXPECT_EQ(m["opened_attacker"].get<int>(), sessions) << "t = " << t;
    EXPECT_EQ(m["opened_implementation"].get<int>(), sessions) << "t = " << t;
    const auto trials = m["trials_counted"].get<uint64_t>();
    EXPECT_EQ(trials, m["trials_counted_implementation"].get<uint64_t>()) << "t = " << t;
    EXPECT_GE(trials, static_cast<uint64_t>(sessions)) << "t = " << t;
    EXPECT_LE(trials, static_cast<uint64_t>(sessions) << t) << "t = " << t << ": more trials than a " << t << "-bit search has";
    some_count_differs_from_expectation |= static_cast<double>(trials) != m["trials_expected"].get<double>();
    if (t >= 10) pooled += trials;
  }
  EXPECT_TRUE(some_count_differs_from_expectation) << "trials counted, not the expected 2^(t-1) written in";
  // The cost per trial divides by the trials counted at t >= 10.
  EXPECT_EQ(r.numbers["trials_counted_for_cost"].get<uint64_t>(), pooled);
  EXPECT_GT(r.numbers["seconds_per_trial"].get<double>(), 0);
  for (const auto& row : r.numbers["table"]) {
    const unsigned t = row["t"];
    const bool in_sweep = std::find(sweep.begin(), sweep.end(), t) != sweep.end();
    EXPECT_EQ(row["measured"].get<bool>(), in_sweep) << "t = " << t;
    EXPECT_EQ(row["source"], in_sweep ? "measured" : "extrapolated") << "t = " << t;
    EXPECT_EQ(row["many_sessions_source"], "extrapolated");
    if (!in_sweep) {
      EXPECT_EQ(row["seconds_per_session"], row["seconds_per_session_model"]) << "t = " << t;
    }
  }
}

// Each measured row is built at its own t — t = 12 included, whatever the run's t — and priced
// from the trials it counted; every other row says it is extrapolated.
TEST(Attacks, CrumpleCostRowsAreBuiltAtTheirOwnTAndPricedFromCountedTrials) {
  expect_rows_at_their_own_t(report("crumple-cost"), {4, 8, 10, 12});
  Options o;
  o.quick = true;
  o.crumple_bits = 12;  // the value lib's Config defaults to, once mistaken for "unset"
  const auto r = run(*find("crumple-cost"), o);
  expect_rows_at_their_own_t(r, {4, 8, 10, 12});
  for (const auto& c : r.cells) {
    EXPECT_EQ(c.metrics["seconds_per_session_source"], "measured") << c.scheme;
    EXPECT_EQ(c.metrics["seconds_1e6_sessions_source"], "extrapolated") << c.scheme;
    if (c.scheme == "tdh2-crumple") {
      EXPECT_EQ(c.metrics["work_bits"], 12) << "the cell at the run's t";
    }
  }
}

// With k - 1 colluders the off-log half recovers nothing, and the cell is the equivocation
// half: detected where the trustees' logs and the auditors' comparison caught it, broken where
// there is no log — the logging design turned off included.
TEST(Attacks, LogEquivocationCellFollowsTheAuditWhenTheOffLogHalfFails) {
  const auto few = variant("log-equivocation", {.off_log_short_of_k = 1});
  const auto few_unlogged = variant("log-equivocation", {.trustees_log = false, .off_log_short_of_k = 1});
  for (auto s : escrow::schemes::names()) {
    const auto& c = cell_of(few, s);
    ASSERT_EQ(c.observations.size(), 3u) << s;
    EXPECT_FALSE(c.observations[1].recovered()) << s << ": k - 1 shares open nothing";
    EXPECT_EQ(c.metrics["off_log"], "held") << s;
    EXPECT_TRUE(c.observations[0].recovered()) << s;
    const bool logs = std::string_view(s).starts_with("tdh2");
    EXPECT_EQ(c.verdict, logs ? Verdict::detected : Verdict::broken) << s;
    EXPECT_EQ(cell_of(few_unlogged, s).verdict, Verdict::broken) << s;
  }
  EXPECT_EQ(cell_of(few, "tdh2").metrics["equivocating_trustees"], 3);
}

TEST(Attacks, LogEquivocationIsCaughtAndOffLogDecryptionIsNot) {
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    const auto& c = cell("log-equivocation", s);
    EXPECT_TRUE(got("log-equivocation", s, 0)) << s;
    EXPECT_TRUE(got("log-equivocation", s, 1)) << s << ": off-log plaintext";
    EXPECT_TRUE(c.metrics["auditor_a_accepted"].get<bool>() && c.metrics["auditor_b_accepted"].get<bool>());
    EXPECT_TRUE(c.metrics["conflicting_heads_found"].get<bool>());
    EXPECT_EQ(c.metrics["off_log_detection"]["observable"], false);  // the outside review's F4: it was a false that could not be true
    EXPECT_EQ(c.metrics["equivocation"], "detected") << s << ": that half is caught";
    EXPECT_EQ(c.metrics["off_log"], "broken") << s << ": that half is not";
  }
}

// The cell takes the attacker's best strategy, and it is broken because the off-log plaintext matched.
TEST(Attacks, LogEquivocationCellIsBrokenBecauseTheOffLogPlaintextMatched) {
  for (auto s : escrow::schemes::names()) {
    const auto& c = cell("log-equivocation", s);
    ASSERT_EQ(c.observations.size(), 3u) << s;
    EXPECT_TRUE(c.observations[1].recovered()) << s << ": the off-log session's plaintext";
    EXPECT_EQ(c.metrics["off_log"], "broken") << s;
    EXPECT_EQ(c.verdict, Verdict::broken) << s;
  }
  EXPECT_EQ(best_for_attacker({Verdict::detected, Verdict::broken}), Verdict::broken);
  EXPECT_EQ(best_for_attacker({Verdict::held, Verdict::detected}), Verdict::detected);
  EXPECT_EQ(best_for_attacker({Verdict::held, Verdict::not_applicable}), Verdict::held);
}

// Every verdict agrees with its observations: no cell claims broken or detected without plaintext in hand.
TEST(Attacks, NoBrokenVerdictWithoutRecoveredPlaintext) {
  for (const auto& a : all()) {
    // dkg-bias's evidence is a measured probability; bad-share's attacker wants the lawful recovery to
    // fail unnoticed, so its "broken" is plaintext *missing* (both checked above).
    if (a.name == "dkg-bias" || a.name == "bad-share") continue;
    for (const auto& c : report(a.name).cells) {
      if (c.verdict != Verdict::broken && c.verdict != Verdict::detected) continue;
      bool any = false;
      for (const auto& o : c.observations) any |= o.recovered();
      EXPECT_TRUE(any) << a.name << "/" << c.scheme;
    }
  }
}

// The interval arithmetic (attacks/stats.cpp) against known values: Wilson 95% for 0/32, 16/32 and
// 32/32 (z = 1.959964), Student t for a small sample, and the rate as the inverted time interval.
TEST(Stats, WilsonIntervalsMatchKnownValues) {
  const auto none = stats::wilson95(0, 32), half = stats::wilson95(16, 32), all32 = stats::wilson95(32, 32);
  EXPECT_DOUBLE_EQ(none.low, 0.0);
  EXPECT_NEAR(none.high, 0.107179, 1e-5);  // z^2 / (n + z^2)
  EXPECT_NEAR(half.low, 0.336309, 1e-5);
  EXPECT_NEAR(half.high, 0.663691, 1e-5);
  EXPECT_NEAR(all32.low, 0.892821, 1e-5);
  EXPECT_DOUBLE_EQ(all32.high, 1.0);
  EXPECT_NEAR(stats::wilson95(1, 10).low, 0.017876, 1e-5);
  EXPECT_NEAR(stats::wilson95(1, 10).high, 0.404150, 1e-5);
  EXPECT_EQ(stats::wilson95(0, 0).high, 1.0) << "no trials: nothing known";
}

TEST(Stats, TIntervalOfAMeanAndTheRateItGives) {
  const std::vector<double> xs{1, 2, 3, 4, 5};
  const auto m = stats::t_interval95(xs);
  EXPECT_DOUBLE_EQ(m.mean, 3.0);
  ASSERT_TRUE(m.ci95);
  // sd = sqrt(2.5), t(4) = 2.776: half-width 2.776 * 1.58114 / sqrt(5) = 1.96293.
  EXPECT_NEAR(m.ci95->low, 3 - 1.96293, 1e-4);
  EXPECT_NEAR(m.ci95->high, 3 + 1.96293, 1e-4);
  EXPECT_FALSE(stats::t_interval95(std::vector<double>{2.0}).ci95) << "one sample: no interval";
  const std::vector<double> times{0.01, 0.01, 0.01, 0.01};
  const auto rate = stats::item_rate(times, 0.5);
  EXPECT_NEAR(rate.value(), 50.0, 1e-9);
  EXPECT_NEAR(rate.ci95_json()[0].get<double>(), 50.0, 1e-6) << "no spread: a point interval";
}

// Each attack's closing paragraph (Attack::closing, appended by run()) is computed from the run: the
// narrative ends with it, and a variant that flips a cell's verdict changes it.
TEST(Attacks, ClosingParagraphChangesWhenAVariantFlipsAVerdict) {
  struct Case {
    const char* attack;
    Variant variant;
    const char* scheme;
  };
  const std::vector<Case> cases{{"forged-warrant", {.trustees_log = false}, "tdh2"},
                                {"forged-warrant", {.register_lists_forged = true}, "tdh2"},
                                {"log-equivocation", {.off_log_short_of_k = 1}, "tdh2"},
                                {"key-persistence", {.investigator_discards = true}, "naive-shamir"},
                                {"warrant-laundering", {.trustees_skip_validity = true}, "tdh2"},
                                {"mobile-adversary", {.no_refresh = true}, "tdh2"},
                                {"forward-secrecy-loss", {.stolen_short_of_k = 1}, "tdh2"},
                                {"superencryption", {.colluders_skip_own_layer = true}, "tdh2"}};
  for (const auto& [name, v, scheme] : cases) {
    const Attack* a = find(name);
    ASSERT_NE(a, nullptr) << name;
    ASSERT_NE(a->closing, nullptr) << name;
    const auto& base = report(name);
    const auto flipped = variant(name, v);
    ASSERT_NE(cell_of(base, scheme).verdict, cell_of(flipped, scheme).verdict) << name << ": the variant flips " << scheme;
    const auto before = a->closing(base), after = a->closing(flipped);
    EXPECT_TRUE(base.narrative.ends_with(before)) << name;
    EXPECT_TRUE(flipped.narrative.ends_with(after)) << name;
    EXPECT_NE(before, after) << name << ": " << before;
  }
}

// The attacks no variant reaches, on constructed cells: each quick report with one cell's verdict
// flipped (broken <-> held, detected -> broken) gives another closing paragraph, for every cell.
TEST(Attacks, ClosingParagraphChangesWhenAnyOneCellIsFlipped) {
  std::size_t with_closing = 0;
  for (const auto& a : all()) {
    if (!a.closing) continue;
    ++with_closing;
    const auto& base = report(a.name);
    EXPECT_TRUE(base.narrative.ends_with(a.closing(base))) << a.name;
    for (std::size_t i = 0; i < base.cells.size(); ++i) {
      if (base.cells[i].verdict == Verdict::not_applicable) continue;
      Report flipped = base;
      auto& v = flipped.cells[i].verdict;
      v = v == Verdict::broken ? Verdict::held : Verdict::broken;
      EXPECT_NE(a.closing(base), a.closing(flipped)) << a.name << "/" << base.cells[i].scheme;
    }
  }
  // Every attack but the two whose run() writes its closing from its own counts.
  EXPECT_EQ(with_closing, all().size() - 2);
  EXPECT_EQ(find("quorum-compromise")->closing, nullptr);
  EXPECT_EQ(find("crumple-cost")->closing, nullptr);
}

// The reports carry their rates' intervals in JSON beside the value, in text in the evidence.
TEST(Attacks, ReportsCarryIntervalsBesideTheirRates) {
  const auto j = report_json(report("dealer-retains-key"));
  for (const auto& c : j["cells"]) {
    if (c["verdict"] == "n/a") continue;
    const auto& m = c["metrics"];
    ASSERT_TRUE(m.contains("opened_share_ci95")) << c["scheme"];
    const auto k = m["opened"].get<std::size_t>(), n = m["sessions"].get<std::size_t>();
    EXPECT_DOUBLE_EQ(m["opened_share"].get<double>(), static_cast<double>(k) / static_cast<double>(n));
    EXPECT_DOUBLE_EQ(m["opened_share_ci95"][0].get<double>(), stats::wilson95(k, n).low) << c["scheme"];
    EXPECT_DOUBLE_EQ(m["opened_share_ci95"][1].get<double>(), stats::wilson95(k, n).high) << c["scheme"];
    EXPECT_NE(c["evidence"].get<std::string>().find("95% Wilson interval"), std::string::npos) << c["scheme"];
  }
  for (const auto& c : report("quorum-compromise").cells) {
    const auto ci = c.metrics.at("sessions_per_second_ci95");
    ASSERT_TRUE(ci.is_array()) << c.scheme;
    const double v = c.metrics.at("sessions_per_second").get<double>();
    EXPECT_LE(ci[0].get<double>(), v * (1 + 1e-9)) << c.scheme;
    if (!ci[1].is_null()) {
      EXPECT_GE(ci[1].get<double>(), v * (1 - 1e-9)) << c.scheme;
    }
    EXPECT_TRUE(c.metrics.at("decrypted_share_ci95").is_array()) << c.scheme;
  }
  const auto& chart = report("quorum-compromise").charts.at(0);
  EXPECT_EQ(chart.series.at(0).intervals.size(), chart.series.at(0).points.size()) << "the rate chart's error bars";
}

// The converse of every verdict, over every attack's quick run and the variants' runs: a held cell has
// no observation its verdict is about (sought or denied) that went the attacker's way; a broken or
// detected cell has one, and says through it what the attacker got. Controls (the lawful case) and
// comparisons (another configuration shown beside the cell) are not what the verdict is about.
// dkg-bias has no plaintext: its verdict is its measured proportion's interval, checked on its own.
TEST(Attacks, HeldCellsGotNothingAndBrokenOrDetectedCellsSayWhatTheyGot) {
  std::vector<Report> runs;
  for (const auto& a : all()) runs.push_back(report(a.name));
  runs.push_back(variant("forged-warrant", {.trustees_log = false}));
  runs.push_back(variant("log-equivocation", {.off_log_short_of_k = 1}));
  runs.push_back(variant("key-persistence", {.investigator_discards = true}));
  runs.push_back(variant("warrant-laundering", {.trustees_skip_validity = true}));
  runs.push_back(variant("mobile-adversary", {.no_refresh = true}));
  for (auto name : {"quorum-compromise", "forward-secrecy-loss", "crumple-cost"}) runs.push_back(variant(name, {.stolen_short_of_k = 1}));
  runs.push_back(variant("superencryption", {.colluders_skip_own_layer = true}));
  runs.push_back(variant("warrant-laundering", {.trustees_skip_validity = true, .unrelated_unregistered_warrant = true}));
  for (auto v : std::initializer_list<Variant>{{.dealer_deletes_copy = true}, {.keyed_by_dealer = true}})
    runs.push_back(variant("dealer-retains-key", v));
  for (auto v : std::initializer_list<Variant>{{.forger_escrows_real_key = true}, {.recipient_skips_check = true}})
    runs.push_back(variant("leaf-forgery", v));
  for (auto v : std::initializer_list<Variant>{{.bad_trustee_honest = true}, {.no_spare_answer = true}}) runs.push_back(variant("bad-share", v));
  std::size_t judged = 0;
  for (const auto& r : runs)
    for (const auto& c : r.cells) {
      if (c.verdict == Verdict::not_applicable) continue;
      if (r.attack == "dkg-bias") {
        EXPECT_TRUE(c.observations.empty());
        const auto ci = c.metrics.at("probability_ci95");
        EXPECT_EQ(c.verdict == Verdict::broken, ci[0].get<double>() > 0.5) << c.scheme;
        continue;
      }
      std::vector<std::string> won;
      std::size_t judged_here = 0;
      for (const auto& o : c.observations) {
        if (o.role == Role::control || o.role == Role::comparison) continue;
        ++judged_here;
        if (o.attacker_won()) won.push_back(describe(o));
      }
      ++judged;
      if (c.verdict == Verdict::held) {
        EXPECT_TRUE(won.empty()) << r.attack << "/" << c.scheme << " is held but the attacker got: " << (won.empty() ? "" : won.front());
      } else {
        EXPECT_GT(judged_here, 0u) << r.attack << "/" << c.scheme << ": " << to_string(c.verdict) << " with no observation";
        EXPECT_FALSE(won.empty()) << r.attack << "/" << c.scheme << " is " << to_string(c.verdict)
                                  << " but no observation went the attacker's way";
      }
    }
  EXPECT_GT(judged, 60u);
}

// key-persistence's and mobile-adversary's detection is what the auditor that ran in the attack
// reported: observable where the design's trustees serve logs, its flag the auditor's; "not
// observable" where none does, the tdh2 designs with logging turned off included.
// The outside review of issue 14 (F3): key-persistence and mobile-adversary were "detected" when
// the auditor flagged anything at all, though their attacker never asks a trustee and no log can
// hold what it does. Their detection is not observable, and the verdict is the plaintexts' alone,
// with logs (the auditor ran, its figures beside) or without.
TEST(Attacks, KeyPersistenceAndMobileAdversaryCannotBeSeenByTheAuditor) {
  const auto unlogged = variant("key-persistence", {.trustees_log = false});
  for (const Report* r : {&report("key-persistence"), &report("mobile-adversary"), &unlogged})
    for (const auto& c : r->cells) {
      ASSERT_TRUE(c.metrics.contains("detection")) << r->attack << "/" << c.scheme;
      EXPECT_EQ(c.metrics["detection"]["observable"], false) << r->attack << "/" << c.scheme;
      bool won = false;
      for (const auto& o : c.observations) won = won || o.attacker_won();
      EXPECT_EQ(c.verdict, won ? Verdict::broken : Verdict::held) << r->attack << "/" << c.scheme;
    }
  EXPECT_GT(cell("key-persistence", "tdh2").metrics.at("logs_audited").get<std::size_t>(), 0u);  // the auditor did run
}

// The outside review of issue 14, F5: dkg-bias, dealer-retains-key, leaf-forgery and bad-share gave
// per-design verdicts a constant could pass. For each design a variant must change its verdict.
struct Flip {
  const char* attack;
  Variant variant;
  std::vector<std::pair<std::string, Verdict>> expected;  ///< design -> verdict under the variant
};

const std::vector<Flip>& flips() {
  static const std::vector<Flip> all{
      {"dkg-bias", {.dkg_adversary_passive = true}, {{"threshold-elgamal", Verdict::held}}},
      {"dkg-bias", {.dkg_honest_coefficients_leak = true}, {{"tdh2", Verdict::broken}, {"tdh2-crumple", Verdict::broken}}},
      {"dealer-retains-key", {.dealer_deletes_copy = true}, {{"clipper", Verdict::held}, {"naive-shamir", Verdict::held}}},
      {"dealer-retains-key", {.keyed_by_dealer = true},
       {{"threshold-elgamal", Verdict::broken}, {"tdh2", Verdict::broken}, {"tdh2-crumple", Verdict::broken}}},
      {"leaf-forgery", {.forger_escrows_real_key = true},
       {{"clipper", Verdict::held}, {"naive-shamir", Verdict::held}, {"threshold-elgamal", Verdict::held}}},
      {"leaf-forgery", {.recipient_skips_check = true}, {{"tdh2", Verdict::broken}, {"tdh2-crumple", Verdict::broken}}},
      {"bad-share", {.bad_trustee_honest = true}, {{"clipper", Verdict::held}}},
      {"bad-share", {.no_spare_answer = true},
       {{"naive-shamir", Verdict::broken}, {"threshold-elgamal", Verdict::detected}, {"tdh2", Verdict::detected},
        {"tdh2-crumple", Verdict::detected}}},
  };
  return all;
}

const Report& flipped(std::size_t i) {
  static std::map<std::size_t, Report> cache;
  if (auto it = cache.find(i); it != cache.end()) return it->second;
  return cache.emplace(i, variant(flips()[i].attack, flips()[i].variant)).first->second;
}

TEST(Attacks, EveryDesignOfThePerDesignAttacksHasAVariantThatChangesItsVerdict) {
  for (auto name : {"dkg-bias", "dealer-retains-key", "leaf-forgery", "bad-share"})
    for (const auto& c : report(name).cells) {
      if (c.verdict == Verdict::not_applicable) continue;
      bool changed = false;
      for (std::size_t i = 0; i < flips().size(); ++i)
        if (std::string_view(flips()[i].attack) == name) changed = changed || cell_of(flipped(i), c.scheme).verdict != c.verdict;
      EXPECT_TRUE(changed) << name << "/" << c.scheme << ": no variant changes its " << to_string(c.verdict);
    }
  for (std::size_t i = 0; i < flips().size(); ++i)
    for (const auto& [scheme, v] : flips()[i].expected) {
      const auto& c = cell_of(flipped(i), scheme);
      EXPECT_EQ(c.verdict, v) << flips()[i].attack << "/" << scheme << ": " << c.evidence;
      EXPECT_NE(cell(flips()[i].attack, scheme).verdict, v) << flips()[i].attack << "/" << scheme << ": the default run differs";
    }
}

// dkg-bias: each design's protocol is its key generation as lib/schemes builds it, not its name; the
// variants move the proportions the verdicts are read from.
TEST(Attacks, DkgBiasTakesEachDesignsProtocolFromItsKeyGeneration) {
  for (const auto& c : report("dkg-bias").cells) {
    auto rng = escrow::DeterministicRng("dkg-bias-test/" + c.scheme);
    const std::string keygen(make_scheme(c.scheme, Options{.quick = true}, rng)->properties().key_generation);
    if (keygen == "dealer") {
      EXPECT_EQ(c.verdict, Verdict::not_applicable) << c.scheme;
      continue;
    }
    EXPECT_EQ(c.metrics.at("protocol").get<std::string>(), keygen) << c.scheme;
    EXPECT_EQ(c.verdict, c.metrics.at("ci95_low").get<double>() > 0.5 ? Verdict::broken : Verdict::held) << c.scheme;
  }
  for (std::size_t i : {0u, 1u})
    for (const auto& c : flipped(i).cells) {
      if (c.verdict == Verdict::not_applicable) continue;
      EXPECT_EQ(c.verdict, c.metrics.at("ci95_low").get<double>() > 0.5 ? Verdict::broken : Verdict::held) << c.scheme;
    }
}

// dealer-retains-key: a dealer that kept nothing opens nothing; designs keyed by a dealer open everything.
TEST(Attacks, DealerRetainsKeyFollowsWhatKeyGenerationKept) {
  for (const auto& c : flipped(2).cells) {
    EXPECT_EQ(c.metrics.at("opened").get<std::size_t>(), 0u) << c.scheme;
    EXPECT_FALSE(c.observations.at(0).recovered()) << c.scheme;
  }
  for (const auto& c : flipped(3).cells) {
    EXPECT_EQ(c.metrics.at("key_generation"), "dealer") << c.scheme;
    EXPECT_EQ(c.metrics.at("opened"), c.metrics.at("sessions")) << c.scheme;
  }
}

// leaf-forgery: a sender whose fields escrow the real K is read by the warrant; a recipient that skips
// its check lets the decoy through and the warrant gets nothing.
TEST(Attacks, LeafForgeryFollowsTheRecipientsCheckAndTheWarrantsRecovery) {
  for (auto s : {"clipper", "naive-shamir", "threshold-elgamal"}) {
    const auto& c = cell_of(flipped(4), s);
    ASSERT_EQ(c.observations.size(), 2u) << s;
    EXPECT_TRUE(c.observations[1].recovered()) << s << ": the warrant read it";
  }
  for (auto s : {"tdh2", "tdh2-crumple"}) {
    const auto& c = cell_of(flipped(5), s);
    ASSERT_EQ(c.observations.size(), 2u) << s;
    EXPECT_TRUE(c.observations[0].recovered()) << s;
    EXPECT_FALSE(c.observations[1].recovered()) << s;
  }
}

// bad-share: with trustee 2 honest every cell says so and nobody is named; with no spare answer the
// proofs still name it but the recovery fails, and naive-shamir has no subset left to isolate it.
TEST(Attacks, BadShareCellsSayWhetherTrustee2CheatedAndWhatTheSpareAnswerDid) {
  for (const auto& c : flipped(6).cells) {
    EXPECT_FALSE(c.metrics.at("trustee_2_cheated").get<bool>()) << c.scheme;
    EXPECT_FALSE(c.metrics.at("cheater_named").get<bool>()) << c.scheme;
    EXPECT_TRUE(c.observations.at(0).recovered()) << c.scheme;
    EXPECT_NE(c.evidence.find("answered honestly"), std::string::npos) << c.scheme << ": " << c.evidence;
    EXPECT_EQ(c.metrics.at("detection").at("detected"), false) << c.scheme;
  }
  for (const auto& c : report("bad-share").cells) {
    EXPECT_TRUE(c.metrics.at("trustee_2_cheated").get<bool>()) << c.scheme;
    EXPECT_NE(c.evidence.find("wrong share"), std::string::npos) << c.scheme;
    EXPECT_EQ(c.metrics.at("detection").at("detected"), c.metrics.at("cheater_named")) << c.scheme;
  }
  for (const auto& c : flipped(7).cells) EXPECT_EQ(c.metrics.at("answers").get<std::size_t>(), c.scheme == "clipper" ? 2u : 3u) << c.scheme;
}

// forged-warrant, log-equivocation, warrant-laundering and bad-share cells carry the `detection` metric
// the other attacks have; forged-warrant's is the auditor naming the forged warrant, not any flag.
TEST(Attacks, CellsWithACheckCarryItsDetection) {
  for (auto name : {"forged-warrant", "log-equivocation", "warrant-laundering", "bad-share"})
    for (const auto& c : report(name).cells) {
      if (c.verdict == Verdict::not_applicable) continue;
      ASSERT_TRUE(c.metrics.contains("detection")) << name << "/" << c.scheme;
      ASSERT_TRUE(c.metrics["detection"].contains("observable")) << name << "/" << c.scheme;
    }
  for (const auto& c : report("forged-warrant").cells)
    if (c.metrics["logs_audited"].get<std::size_t>() > 0) {
      EXPECT_EQ(c.metrics["detection"]["detected"], c.metrics["auditor_named_forged_warrant"]) << c.scheme;
    } else {
      EXPECT_EQ(c.metrics["detection"]["observable"], false) << c.scheme;
    }
  const auto unlisted = variant("forged-warrant", {.register_lists_forged = true, .lawful_warrant_unregistered = true});
  EXPECT_GT(cell_of(unlisted, "tdh2").metrics["logs_flagged"].get<std::size_t>(), 0u);
  EXPECT_EQ(cell_of(unlisted, "tdh2").metrics["detection"]["detected"], false);
  // log-equivocation: the cell's detection is that of the strategy its verdict took (off the log, by default).
  for (const auto& c : report("log-equivocation").cells) EXPECT_EQ(c.metrics["detection"], c.metrics["off_log_detection"]) << c.scheme;
  const auto few = variant("log-equivocation", {.off_log_short_of_k = 1});
  EXPECT_EQ(cell_of(few, "tdh2").metrics["detection"]["detected"], true);
  EXPECT_EQ(cell_of(few, "clipper").metrics["detection"]["observable"], false);
}

// crumple-cost's cost per trial carries its ratio estimator's Student t interval, and the measured
// figure lies inside it; the ratio interval itself against a hand computation.
TEST(Attacks, CrumpleCostPerTrialHasAStudentTInterval) {
  const auto& n = report("crumple-cost").numbers;
  ASSERT_TRUE(n.at("seconds_per_trial_ci95").is_array());
  const double v = n.at("seconds_per_trial").get<double>();
  EXPECT_LE(n["seconds_per_trial_ci95"][0].get<double>(), v);
  EXPECT_GE(n["seconds_per_trial_ci95"][1].get<double>(), v);
  EXPECT_GE(n.at("seconds_per_trial_sessions").get<std::size_t>(), 2u);
  EXPECT_TRUE(n.at("seconds_per_trial_implementation_ci95").is_array());
  for (const auto& row : n.at("table")) EXPECT_TRUE(row.at("seconds_per_session_model_ci95").is_array()) << row["t"];
  // ys = {2, 4, 9}, xs = {1, 2, 3}: R = 15 / 6 = 2.5; residuals -0.5, -1, 1.5; ss = 3.5; sd = sqrt(1.75);
  // half = t(2) 4.303 * 1.32288 / (sqrt(3) * 2) = 1.64323.
  const std::vector<double> ys{2, 4, 9}, xs{1, 2, 3};
  const auto m = stats::ratio_t_interval95(ys, xs);
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  ASSERT_TRUE(m.ci95);
  EXPECT_NEAR(m.ci95->low, 2.5 - 1.64323, 1e-4);
  EXPECT_NEAR(m.ci95->high, 2.5 + 1.64323, 1e-4);
  EXPECT_FALSE(stats::ratio_t_interval95(std::vector<double>{1.0}, std::vector<double>{1.0}).ci95);
}

// The outside review's F6: narratives computed from the run. quorum-compromise's opening no longer
// states the outcome; its result sentence sums the cells (and changes when the thief is one short);
// crumple-cost's lawful-access sentence is the run's own ratio; mobile-adversary's title the design's k-of-n.
TEST(Attacks, NarrativesStateOnlyWhatTheRunMeasured) {
  const auto& q = report("quorum-compromise");
  EXPECT_EQ(q.narrative.find("gets nothing"), std::string::npos);
  std::size_t opened = 0, archived = 0;
  for (const auto& c : q.cells) opened += c.metrics.at("decrypted").get<std::size_t>(), archived += c.metrics.at("sessions").get<std::size_t>();
  EXPECT_NE(q.narrative.find(fmt::format("With k stolen shares, {} of {} archived sessions opened", opened, archived)), std::string::npos);
  const auto short_thief = variant("quorum-compromise", {.stolen_short_of_k = 1});
  EXPECT_NE(short_thief.narrative.find(fmt::format("With k - 1 stolen shares, 0 of {} archived sessions opened", archived)), std::string::npos);
  const auto& crumple = report("crumple-cost");
  EXPECT_EQ(crumple.narrative.find("exactly as much"), std::string::npos);
  for (const auto& row : crumple.numbers.at("table"))
    if (row["t"] == 32) {
      const double ratio = row["seconds_per_session_implementation"].get<double>() / row["seconds_per_session"].get<double>();
      EXPECT_NE(crumple.narrative.find(fmt::format("{:.2f}x the\nattacker's", ratio)), std::string::npos) << crumple.narrative;
    }
  auto rng = escrow::DeterministicRng("mobile-title");
  const auto tdh2 = make_scheme("tdh2", Options{.quick = true}, rng);
  EXPECT_EQ(report("mobile-adversary").charts.at(0).title,
            fmt::format("Mobile adversary (tdh2, {}-of-{}): does the epoch's session open?", tdh2->threshold(), tdh2->trustees()));
}

}  // namespace
}  // namespace doormat::attacks
