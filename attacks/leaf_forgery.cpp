// leaf-forgery (Blaze, "Protocol Failure in the Escrowed Encryption Standard", CCS 1994).
// A rogue sender wants the receiver to accept a session whose escrow field is useless to the
// authority. Against Clipper the receiver checks only a 16-bit checksum, so random LEAFs pass after
// ~2^16 tries. Against TDH2 the receiver re-encrypts: a field passes only if it hides the very K.
#include <algorithm>
#include <cmath>

#include "registry.hpp"
#include "stats.hpp"
#include "support.hpp"

namespace doormat::attacks {
inline constexpr std::size_t kMinRunsForIntervals = 8;
namespace {
using namespace escrow;

struct Search {
  uint64_t trials = 0;
  std::optional<std::vector<uint8_t>> field;
};

// Try candidate fields against the receiver's own check (the attacker uses it as an oracle) until
// one passes or the budget runs out. Clipper: random 48-byte LEAFs, as Blaze did. Others: decoy
// fields escrowing a different key, the only way to make something the design parses.
// The test variants: candidates that escrow the real K (a sender who does not cheat), and a recipient
// that accepts any field without its check.
struct Forger {
  bool escrows_real_key = false;
  bool recipient_skips_check = false;
};

Search search(schemes::Scheme& s, const schemes::SessionKey& key, const SessionLabel& label, uint64_t budget, Rng& rng,
              Forger how = {}) {
  Search out;
  const bool random_bytes = s.name() == "clipper" && !how.escrows_real_key;
  while (out.trials < budget) {
    ++out.trials;
    std::vector<uint8_t> candidate;
    if (random_bytes) {
      candidate.resize(48);
      rng.fill(candidate);
    } else {
      const auto decoy = how.escrows_real_key ? schemes::SessionKey::from(key.expose()) : tdh2::random_session_key(rng);
      auto f = s.escrow(decoy, label, rng);
      if (!f) continue;
      candidate = std::move(*f);
    }
    if (how.recipient_skips_check || s.recipient_check(candidate, key, label)) {
      out.field = std::move(candidate);
      return out;
    }
  }
  return out;
}

// The interval statistics of the 16-bit sample. The trials to the first success of a
// Bernoulli(p = 2^-w) are geometric with mean 1/p; with p this small 2·p·(sum of n draws) is
// chi-square with 2n degrees of freedom to within a relative 2^-w, which gives exact-enough
// intervals for the mean. Chi-square quantiles by Wilson–Hilferty (stats.hpp).
using stats::chi2_quantile;
using stats::chi2_two_sided_p;
using stats::geometric_quantile;
using stats::kZ975;

}  // namespace

namespace leaf_forgery_stats {
/// The trials' summary, with 95% intervals only from kMinRunsForIntervals runs on: below that the
/// Wilson–Hilferty chi-square quantiles are outside their accuracy and the median's order-statistic
/// interval clamps to [min, max], so no interval is printed, only the runs and their n.
nlohmann::json interval_stats(std::vector<double> xs, unsigned bits) {
  const auto s = summarize(xs);  // sorts xs
  const double n = static_cast<double>(s.n), p = std::ldexp(1.0, -static_cast<int>(bits)), law_mean = 1 / p;
  if (s.n < kMinRunsForIntervals)
    return {{"runs", s.n}, {"mean_trials", s.mean}, {"median_trials", s.median}, {"law_mean", law_mean},
            {"trials_each", xs}, {"intervals", fmt::format("none: {} runs, fewer than {}", s.n, kMinRunsForIntervals)}};
  const double sum = s.mean * n, dof = 2 * n;
  // Sample median's distribution-free 95% interval: order statistics n/2 -+ 0.98 sqrt(n) (1-based).
  const auto at = [&](double rank) { return xs[static_cast<std::size_t>(std::clamp(rank, 1.0, n)) - 1]; };
  const double half = 0.5 * kZ975 * std::sqrt(n);
  nlohmann::json j{
      {"runs", s.n},
      {"mean_trials", s.mean},
      {"mean_ci95", {2 * sum / chi2_quantile(dof, kZ975), 2 * sum / chi2_quantile(dof, -kZ975)}},
      {"law_mean", law_mean},
      {"law_mean_range95", {law_mean * chi2_quantile(dof, -kZ975) / dof, law_mean * chi2_quantile(dof, kZ975) / dof}},
      {"law_mean_p_value", chi2_two_sided_p(2 * sum * p, dof)},
      {"median_trials", s.median},
      {"median_ci95", {at(std::floor(n / 2 - half)), at(std::ceil(n / 2 + 1 + half))}},
      {"law_median", geometric_quantile(0.5, p)},
      {"law_median_range95",
       {geometric_quantile(0.5 - 0.5 * kZ975 / std::sqrt(n), p), geometric_quantile(0.5 + 0.5 * kZ975 / std::sqrt(n), p)}},
      {"min_trials", s.min},
      {"max_trials", s.max}};
  if (s.p99) j.update({{"p99_trials", *s.p99}, {"law_p99", geometric_quantile(0.99, p)}});
  else j["p99_note"] = fmt::format("omitted: {} samples (a p99 needs at least {})", s.n, kMinSamplesForP99);
  return j;
}
}  // namespace leaf_forgery_stats

namespace {
using leaf_forgery_stats::interval_stats;

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("Alice wants to talk to Bob without the escrow authority ever being able to read it. She");
  story.say("encrypts normally, then replaces the escrow field with one that hides a different (or no)");
  story.say("key. Bob's software checks the field before it decrypts; Alice keeps trying until a fake");
  story.say("passes that check. Then an investigator with a valid warrant for Alice tries to read it.");
  const std::string secret = "alice -> bob: the shipment moves on thursday";
  const uint64_t decoy_budget = o.quick ? 64 : 1024;
  for (auto name : schemes::names()) {
    progress(o, "leaf-forgery", name);
    auto rng = rng_for(o, "leaf-forgery", name);
    auto scheme = make_scheme(name, o, rng);
    (void)make_session(*scheme, "alice", "bob", 1, "an honest first session", rng);  // alice's unit exists
    auto label = SessionLabel::make("alice", "bob", kDay0 + kDay + 7200, rng).value();
    const auto key = tdh2::random_session_key(rng);
    Search found;
    const double seconds = time_it([&] { found = search(*scheme, key, label, name == "clipper" ? (1ull << 24) : decoy_budget, rng,
                                                          {o.variant.forger_escrows_real_key, o.variant.recipient_skips_check}); });
    Cell cell{.scheme = std::string(name)};
    cell.metrics = {{"trials", found.trials}, {"seconds", seconds}, {"us_per_trial", 1e6 * seconds / found.trials}};
    // No check runs in this attack: its detection is "not observable", never a computed false.
    cell.metrics["detection"] = {{"observable", false}, {"detected", "not observable in this scenario"},
                                 {"why", "the forgery passes between two clients' own checks; no trustee, log or auditor sees it (the "
                                         "investigator's failed recovery is the cell's evidence, not an alarm that ran)"}};
    if (!found.field) {
      cell.verdict = Verdict::held;
      cell.evidence = fmt::format("the recipient refused all {} forged fields (its check: {})", found.trials,
                                  scheme->properties().recipient_check ? "re-encryption of K" : "none");
      r.cells.push_back(std::move(cell));
      continue;
    }
    StoredSession forged{schemes::seal_with(label, *found.field, key,
                                            std::span(reinterpret_cast<const uint8_t*>(secret.data()), secret.size()), rng),
                         secret};
    auto read_by_bob = schemes::open(forged.session, key);  // bob has K from the key exchange
    auto lawful = schemes::lawful_open(*scheme, forged.session, scope({"alice"}, 0, 30), rng);
    cell.observations.push_back(observe("bob reads the session", forged, read_by_bob));
    cell.observations.push_back(observe("a warrant for alice recovers it", forged, lawful));
    cell.observations[0].role = Role::control;  // bob must read it for the forgery to be of use
    cell.observations[1].role = Role::denied;   // alice wants the warrant to get nothing
    const bool evaded = cell.observations[0].recovered() && !cell.observations[1].recovered();
    cell.verdict = evaded ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("forged field accepted after {} trial(s); {}; {}", found.trials,
                                describe(cell.observations[0]),
                                lawful ? describe(cell.observations[1]) : "lawful recovery: " + lawful.error().message());
    r.cells.push_back(std::move(cell));
  }

  // Clipper in numbers: the trials distribution at 16 bits, and the checksum-width sweep.
  // Full mode: 1,000 forgeries (about 0.04 s each here), enough for a p99 and intervals a few
  // percent wide; quick mode 32.
  const int runs = o.quick ? 32 : 1000;
  std::vector<double> trials, us;
  auto rng = rng_for(o, "leaf-forgery", "clipper-distribution");
  nlohmann::json sweep = nlohmann::json::array();
  Chart hist{"Clipper LEAF forgery: trials per forged LEAF (16-bit checksum)", "trials (thousands)", "runs", false, false, true, {}, {}};
  for (unsigned bits : {16u, 24u, 32u}) {
    const int width_runs = bits == 16 ? runs : (bits == 24 && !o.quick ? 2 : 0);
    std::vector<double> t;
    double secs = 0;
    uint64_t total = 0;
    if (width_runs > 0) {
      schemes::Config c;
      c.checksum_bits = bits;
      auto scheme = make_scheme("clipper", c, rng);
      (void)make_session(*scheme, "alice", "bob", 1, "setup", rng);
      for (int i = 0; i < width_runs; ++i) {
        if (i % 100 == 0 || bits != 16) progress(o, "leaf-forgery", fmt::format("{}-bit run {}/{}", bits, i + 1, width_runs));
        auto label = SessionLabel::make("alice", "bob", kDay0 + kDay, rng).value();
        const auto key = tdh2::random_session_key(rng);
        Search f;
        secs += time_it([&] { f = search(*scheme, key, label, uint64_t{1} << 40, rng); });
        t.push_back(static_cast<double>(f.trials));
        total += f.trials;
      }
    }
    nlohmann::json row{{"checksum_bits", bits}, {"expected_trials", std::ldexp(1.0, bits)}};
    if (!t.empty()) {
      const double per_trial = secs / total;
      if (bits == 16) {
        trials = t;
        us.push_back(per_trial * 1e6);
      }
      auto st = interval_stats(t, bits);
      row.update(st);
      row.update({{"us_per_trial", per_trial * 1e6}, {"seconds_per_forgery", st["mean_trials"].get<double>() * per_trial},
                  {"measured", true}});
      // The time per forgery's interval is the mean trials' interval at the pooled time per trial: it
      // carries the spread of the trials drawn, not of the time per trial (one pooled timing).
      if (st.contains("mean_ci95")) {
        row["seconds_per_forgery_ci95"] = {st["mean_ci95"][0].get<double>() * per_trial, st["mean_ci95"][1].get<double>() * per_trial};
        row["seconds_per_forgery_ci95_method"] = "the mean trials' 95% chi-square interval times the pooled time per trial";
      }
    } else {
      const double per_trial = us.empty() ? 0 : us.front() / 1e6;
      row.update({{"measured", false}, {"seconds_per_forgery", std::ldexp(1.0, bits) * per_trial},
                  {"note", "extrapolated: 2^w trials at the 16-bit run's time per trial"}});
    }
    sweep.push_back(row);
  }
  {
    std::map<int, int> buckets;  // 16k-wide buckets
    for (double t : trials) buckets[static_cast<int>(t / 16384)]++;
    Series s{"runs", {}};
    for (auto [b, count] : buckets) s.points.emplace_back(b * 16.384 + 8.192, count);
    hist.series.push_back(s);
  }
  Chart cost{"Clipper LEAF forgery: seconds per forged LEAF by checksum width", "checksum bits", "seconds", false, true, true, {}, {}};
  Series cs{"seconds per forgery", {}};
  for (const auto& row : sweep) {
    cs.points.emplace_back(row["checksum_bits"].get<double>(), row["seconds_per_forgery"].get<double>());
    cs.extrapolated.push_back(!row["measured"].get<bool>());
  }
  cost.series.push_back(cs);
  r.charts = {hist, cost};
  r.numbers["clipper_sweep"] = sweep;
  const auto& s16 = sweep[0];
  const auto pair = [](const nlohmann::json& a) { return fmt::format("{:.0f}–{:.0f}", a[0].get<double>(), a[1].get<double>()); };
  story.say("");
  story.say("Clipper, {} forgeries with a 16-bit checksum (the trials to a first success of a Bernoulli(2^-16) are",
            s16["runs"].get<std::size_t>());
  story.say("geometric: mean 65536, median {:.0f}):", s16["law_median"].get<double>());
  story.say("  mean {:.0f} trials, 95% interval {}; the law's mean of {} draws falls in {} (two-sided p = {:.2g})",
            s16["mean_trials"].get<double>(), pair(s16["mean_ci95"]), s16["runs"].get<std::size_t>(),
            pair(s16["law_mean_range95"]), s16["law_mean_p_value"].get<double>());
  story.say("  median {:.0f}, 95% interval {}; the law's sample median falls in {}", s16["median_trials"].get<double>(),
            pair(s16["median_ci95"]), pair(s16["law_median_range95"]));
  if (s16.contains("p99_trials"))
    story.say("  p99 {:.0f} (the law's {:.0f}); largest {:.0f}", s16["p99_trials"].get<double>(), s16["law_p99"].get<double>(),
              s16["max_trials"].get<double>());
  else
    story.say("  p99 {}; largest {:.0f}", s16["p99_note"].get<std::string>(), s16["max_trials"].get<double>());
  story.say("{:.2f} µs per trial, so one forged LEAF costs {:.3f} s of one core{}.", us.empty() ? 0 : us.front(),
            s16["mean_trials"].get<double>() * (us.empty() ? 0 : us.front()) / 1e6,
            s16.contains("seconds_per_forgery_ci95")
                ? fmt::format(" (95% interval {:.3f}–{:.3f} s from the trials' spread)", s16["seconds_per_forgery_ci95"][0].get<double>(),
                              s16["seconds_per_forgery_ci95"][1].get<double>())
                : std::string());
  for (const auto& row : sweep)
    story.say("  {}-bit checksum: {:.3g} s per forgery ({})", row["checksum_bits"].get<int>(),
              row["seconds_per_forgery"].get<double>(), row["measured"].get<bool>() ? "measured" : "extrapolated");
  return r;
}

// The closing paragraph, from the cells: where a forged field got past the recipient and kept the
// session from the warrant, and where the recipient refused every one it was shown.
std::string closing(const Report& r) {
  const auto refused = [](const Cell& c) {
    return fmt::format("{} ({} forged fields tried)", c.scheme, c.metrics.value("trials", uint64_t{0}));
  };
  return fmt::format(
      "In this run: {}.\n",
      clauses({{"a forged field passed the recipient's check and kept the session from the warrant under ",
                designs_with(r, Verdict::broken, "")},
               {"a forged field passed but the warrant still read the session under ",
                cells_where(r, [](const Cell& c) { return c.verdict == Verdict::held && !c.observations.empty(); }, {}, "")},
               {"the recipient refused every forged field under ",
                cells_where(r, [](const Cell& c) { return c.verdict == Verdict::held && c.observations.empty(); }, refused, "")}},
              "no design was attacked"));
}

}  // namespace

const Attack kLeafForgery{"leaf-forgery", "A rogue sender forges an escrow field the receiver accepts",
                          "M. Blaze, Protocol Failure in the Escrowed Encryption Standard, ACM CCS 1994", run, closing};

}  // namespace doormat::attacks
