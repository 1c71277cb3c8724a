// crumple-cost (Wright & Varia, "Crypto Crumple Zones: Enabling Limited Access without Mass
// Surveillance", EuroS&P 2018). tdh2-crumple withholds t bits of each session key from the escrow,
// so every recovery — lawful or not — ends with a 2^t search against the session's AEAD tag. The
// point is to price mass decryption, not to stop single recoveries: we measure the price.
#include <sodium.h>

#include <algorithm>
#include <cmath>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "registry.hpp"
#include "stats.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

// A stated rate so that seconds become money; change it and the dollar column scales linearly.
constexpr double kDollarsPerCoreHour = 0.04;

// One measured row: sessions escrowed at this row's own t, each recovered twice from the k
// partials the stolen shares compute — once by the implementation's own search (combine with
// schemes::open as the check: it re-hashes the 208-byte field on every trial), once by the
// attacker's search (the field hash and the associated data computed once per session). Every
// trial is counted; the cost per trial divides by the counted trials.
struct Measured {
  unsigned bits = 0;
  int sessions = 0;
  int opened_implementation = 0, opened_attacker = 0;
  uint64_t trials_implementation = 0, trials_attacker = 0;
  double seconds_fixed = 0;                  ///< combine up to its first candidate, summed over sessions
  double seconds_implementation = 0;         ///< combine with the search, summed
  double seconds_attacker_search = 0;        ///< the attacker's search alone, summed
  // Per session, for the cost per trial's interval: the attacker's search seconds and trials, and the
  // implementation's search seconds (combine minus its part up to the search) and trials.
  std::vector<double> attacker_seconds_each{}, attacker_trials_each{}, implementation_seconds_each{}, implementation_trials_each{};
  [[nodiscard]] double implementation_search() const { return std::max(0.0, seconds_implementation - seconds_fixed); }
};

// Candidate `guess` for the withheld bits, laid out as lib/schemes' complete_by_search lays them.
void set_guess(schemes::SessionKey& candidate, uint64_t guess, unsigned bits) {
  for (unsigned b = 0; b < bits; b += 8) {
    const unsigned width = std::min(8u, bits - b);
    const uint8_t mask = static_cast<uint8_t>((1u << width) - 1);
    auto& byte = candidate.expose()[b / 8];
    byte = static_cast<uint8_t>((byte & ~mask) | ((guess >> b) & mask));
  }
}

// The attacker's check, with H(field) || label computed once: per trial one BLAKE2b of K and one
// XChaCha20-Poly1305 decryption. Returns the plaintext of the first candidate that opens.
std::optional<std::string> attacker_search(const schemes::Session& s, const schemes::SessionKey& partial, unsigned bits,
                                           uint64_t& trials) {
  const auto field_hash = Hasher(domain::kSchemesFieldHash, 32).add(s.field).finish<32>();
  std::vector<uint8_t> ad(field_hash.begin(), field_hash.end());
  const auto label = s.label.encode();
  ad.insert(ad.end(), label.begin(), label.end());
  if (s.body.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) return std::nullopt;
  std::vector<uint8_t> plain(s.body.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  auto candidate = schemes::SessionKey::from(partial.expose());
  Secret<32> aead_key;
  for (uint64_t guess = 0; guess < (uint64_t{1} << bits); ++guess) {
    set_guess(candidate, guess, bits);
    ++trials;
    Hasher(domain::kSchemesAeadKey, 32).add(candidate.expose()).finish(aead_key.expose());
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &len, nullptr, s.body.data(), s.body.size(), ad.data(),
                                                   ad.size(), s.nonce.data(), aead_key.expose().data()) == 0)
      return std::string(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(len));
  }
  return std::nullopt;
}

Measured measure(unsigned bits, int sessions, const Options& o) {
  auto rng = rng_for(o, "crumple-cost", fmt::format("t{}", bits));
  auto c = config_for(o);
  c.crumple_bits = bits;  // this row's own t, whatever the run's
  auto scheme = make_scheme("tdh2-crumple", c, rng);
  if (scheme->properties().work_bits != bits) throw std::runtime_error("crumple-cost: the scheme is not at the row's t");
  Measured m{.bits = bits, .sessions = sessions};
  const auto sc = scope({"alice"}, 0, static_cast<uint64_t>(sessions));
  for (int i = 0; i < sessions; ++i) {
    const auto s = make_session(*scheme, "alice", "bob", static_cast<uint64_t>(i), fmt::format("session {}", i), rng);
    // What k stolen shares compute for this field (the trustees' own partials; no trustee asked).
    std::vector<schemes::Answer> partials;
    for (uint32_t j = 1; j <= scheme->threshold(); ++j)
      partials.push_back(
          scheme->answer(*PartyIndex::make(j), s.session.field, s.session.label, sc, schemes::Conduct::honest, rng).value());
    // Up to the search: the first candidate (withheld bits all zero) is where the search starts.
    std::optional<schemes::SessionKey> first;
    const double fixed_here = m.seconds_fixed;
    m.seconds_fixed += time_it([&] {
      (void)scheme->combine(s.session.field, s.session.label, partials, [&](const schemes::SessionKey& k) {
        first = schemes::SessionKey::from(k.expose());
        return true;
      });
    });
    if (!first) throw std::runtime_error("crumple-cost: combine never reached its search");
    // The implementation's own search.
    Result<schemes::Recovered> rec = escrow::unexpected(Error{ErrorCategory::internal, "", "", {}});
    const uint64_t impl_before = m.trials_implementation, attacker_before = m.trials_attacker;
    const double impl_here = m.seconds_implementation;
    m.seconds_implementation += time_it([&] {
      rec = scheme->combine(s.session.field, s.session.label, partials, [&](const schemes::SessionKey& k) {
        ++m.trials_implementation;
        return schemes::open(s.session, k).has_value();
      });
    });
    m.opened_implementation += observe("", s, open_recovered(s.session, rec)).recovered();
    // The attacker's.
    std::optional<std::string> got;
    const double attacker_secs = time_it([&] { got = attacker_search(s.session, *first, bits, m.trials_attacker); });
    m.seconds_attacker_search += attacker_secs;
    m.opened_attacker += got && *got == s.plaintext;
    m.attacker_seconds_each.push_back(attacker_secs);
    m.attacker_trials_each.push_back(static_cast<double>(m.trials_attacker - attacker_before));
    m.implementation_seconds_each.push_back(std::max(0.0, (m.seconds_implementation - impl_here) - (m.seconds_fixed - fixed_here)));
    m.implementation_trials_each.push_back(static_cast<double>(m.trials_implementation - impl_before));
  }
  return m;
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("An attacker (or an agency) holds k shares and wants sessions back. Under tdh2-crumple each one still");
  story.say("needs a search over 2^t keys, each tried against the session's AEAD tag. We build sessions at each");
  story.say("t of the sweep, count every trial of two searches — the implementation's own (combine, which");
  story.say("re-hashes the escrow field on every trial) and the attacker's (field hash computed once) — and");
  story.say("extrapolate from the counted cost per trial to larger t and to 100 and 1,000,000 sessions, in CPU");
  story.say("time and in money at ${:.2f} per core-hour.", kDollarsPerCoreHour);
  std::vector<unsigned> sweep = o.quick ? std::vector<unsigned>{4, 8, 10, 12} : std::vector<unsigned>{4, 8, 12, 14, 16, 18};
  // The attacker's cost before its search: the stolen shares' decryptor on the same design without
  // withheld bits (tdh2: the same code up to the search), per session.
  double attacker_fixed = 0;
  {
    auto rng = rng_for(o, "crumple-cost", "pre-search");
    auto scheme = make_scheme("tdh2", o, rng);
    const int n = o.quick ? 8 : 32;
    std::vector<StoredSession> archive;
    for (int i = 0; i < n; ++i) archive.push_back(make_session(*scheme, "alice", "bob", 1, fmt::format("session {}", i), rng));
    auto d = scheme->decryptor(steal_quorum(*scheme)).value();
    int opened = 0;
    attacker_fixed = time_it([&] {
                       for (const auto& s : archive) opened += observe("", s, open_with(s.session, d(s.session))).recovered();
                     }) / n;
    if (opened != n) throw std::runtime_error("crumple-cost: the stolen shares did not open tdh2 sessions");
  }
  std::vector<Measured> rows;
  for (unsigned t : sweep) {
    progress(o, "crumple-cost", fmt::format("t = {}", t));
    const int sessions = t <= 10 ? 8 : (t <= 14 ? 4 : 2);
    rows.push_back(measure(t, sessions, o));
  }
  // Cost per trial pooled over the measured t >= 10, divided by the trials counted (a session needs
  // anywhere from 1 to 2^t trials, so the expected count would misprice the few sessions measured);
  // the fixed cost (combine up to its search) per session, pooled over every row.
  double fixed_seconds = 0;  // the implementation's combine up to its search
  uint64_t attacker_trials = 0;
  int fixed_sessions = 0;
  for (const auto& m : rows) {
    fixed_seconds += m.seconds_fixed;
    fixed_sessions += m.sessions;
    if (m.bits < 10) continue;
    attacker_trials += m.trials_attacker;
  }
  // The same pooled costs with their ratio estimator's Student t interval, over the sessions of those rows.
  std::vector<double> a_secs, a_trials, i_secs, i_trials;
  for (const auto& m : rows) {
    if (m.bits < 10) continue;
    a_secs.insert(a_secs.end(), m.attacker_seconds_each.begin(), m.attacker_seconds_each.end());
    a_trials.insert(a_trials.end(), m.attacker_trials_each.begin(), m.attacker_trials_each.end());
    i_secs.insert(i_secs.end(), m.implementation_seconds_each.begin(), m.implementation_seconds_each.end());
    i_trials.insert(i_trials.end(), m.implementation_trials_each.begin(), m.implementation_trials_each.end());
  }
  const auto per_trial_ci = stats::ratio_t_interval95(a_secs, a_trials);
  const auto per_trial_impl_ci = stats::ratio_t_interval95(i_secs, i_trials);
  const double per_trial_impl = per_trial_impl_ci.mean;
  const double per_trial = per_trial_ci.mean;
  const auto ci_json = [](const stats::Mean& m) { return m.ci95 ? m.ci95->json() : nlohmann::json(nullptr); };
  const double fixed_impl = fixed_seconds / std::max(fixed_sessions, 1);
  // Expected trials of one session: the withheld value is uniform in [0, 2^t), found at trial value + 1.
  const auto expected_trials = [](unsigned t) { return (std::ldexp(1.0, static_cast<int>(t)) + 1) / 2; };
  nlohmann::json measured = nlohmann::json::array();
  for (const auto& m : rows)
    measured.push_back({{"t", m.bits}, {"sessions", m.sessions}, {"trials_counted", m.trials_attacker},
                        {"trials_counted_implementation", m.trials_implementation},
                        {"trials_expected", expected_trials(m.bits) * m.sessions},
                        {"opened_implementation", m.opened_implementation}, {"opened_attacker", m.opened_attacker},
                        {"seconds_per_session", attacker_fixed + m.seconds_attacker_search / m.sessions},
                        {"seconds_per_session_implementation", m.seconds_implementation / m.sessions},
                        {"seconds_per_trial", m.seconds_attacker_search / static_cast<double>(std::max<uint64_t>(m.trials_attacker, 1))},
                        {"seconds_per_trial_implementation",
                         m.implementation_search() / static_cast<double>(std::max<uint64_t>(m.trials_implementation, 1))}});
  nlohmann::json table = nlohmann::json::array();
  Chart chart{"tdh2-crumple: CPU time to decrypt N sessions vs withheld bits t (attacker's search)", "t (bits withheld)",
              "core-seconds", false, true, false, {}, {}};
  std::vector<Series> series{{"1 session, measured", {}},
                             {"1 session, extrapolated", {}},
                             {"100 sessions, extrapolated", {}},
                             {"1,000,000 sessions, extrapolated", {}}};
  for (unsigned t = 4; t <= 40; t += 2) {
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const Measured& m) { return m.bits == t; });
    const double model = attacker_fixed + per_trial * expected_trials(t);
    const double model_impl = fixed_impl + per_trial_impl * expected_trials(t);
    const bool is_measured = it != rows.end();
    const double one = is_measured ? attacker_fixed + it->seconds_attacker_search / it->sessions : model;
    // The model's interval carries the cost per trial's only (the pre-search cost is one pooled timing).
    const auto model_ci = per_trial_ci.ci95 ? nlohmann::json::array({attacker_fixed + per_trial_ci.ci95->low * expected_trials(t),
                                                                     attacker_fixed + per_trial_ci.ci95->high * expected_trials(t)})
                                            : nlohmann::json(nullptr);
    table.push_back({{"t", t}, {"measured", is_measured}, {"source", is_measured ? "measured" : "extrapolated"},
                     {"seconds_per_session", one}, {"seconds_per_session_model", model},
                     {"seconds_per_session_model_ci95", model_ci},
                     {"seconds_per_session_implementation", is_measured ? it->seconds_implementation / it->sessions : model_impl},
                     {"seconds_100", model * 100}, {"seconds_1e6", model * 1e6}, {"many_sessions_source", "extrapolated"},
                     {"dollars_1", one / 3600 * kDollarsPerCoreHour},
                     {"dollars_1e6", model * 1e6 / 3600 * kDollarsPerCoreHour}});
    if (is_measured) series[0].points.emplace_back(t, one);
    series[1].points.emplace_back(t, model);
    series[2].points.emplace_back(t, model * 100);
    series[3].points.emplace_back(t, model * 1e6);
    for (std::size_t k = 1; k < series.size(); ++k) series[k].extrapolated.push_back(true);  // the model, not a run
  }
  chart.series = series;
  r.charts.push_back(chart);
  r.numbers = {{"dollars_per_core_hour", kDollarsPerCoreHour},
               {"seconds_per_trial", per_trial},
               {"seconds_per_trial_ci95", ci_json(per_trial_ci)},
               {"seconds_per_trial_ci95_method", stats::kRatioMethod},
               {"seconds_per_trial_sessions", per_trial_ci.n},
               {"seconds_per_trial_implementation", per_trial_impl},
               {"seconds_per_trial_implementation_ci95", ci_json(per_trial_impl_ci)},
               {"seconds_before_search_per_session", attacker_fixed},
               {"seconds_before_search_per_session_implementation", fixed_impl},
               {"trials_counted_for_cost", attacker_trials},
               {"measured", measured},
               {"table", table}};
  for (const auto& m : rows)
    story.say("  t = {:2} (measured, {} sessions built at t = {}): {} trials counted ({:.0f} expected); attacker {:.4g} s "
              "per session, implementation {:.4g} s; opened {} and {} of {}",
              m.bits, m.sessions, m.bits, m.trials_attacker, expected_trials(m.bits) * m.sessions,
              attacker_fixed + m.seconds_attacker_search / m.sessions, m.seconds_implementation / m.sessions,
              m.opened_attacker, m.opened_implementation, m.sessions);
  const auto us_ci = [](const stats::Mean& m) {
    return m.ci95 ? fmt::format(" (95% t interval {:.3g}–{:.3g} over {} sessions)", m.ci95->low * 1e6, m.ci95->high * 1e6, m.n)
                  : fmt::format(" ({} session(s), no interval)", m.n);
  };
  story.say("Cost per trial from {} counted trials at t >= 10: attacker {:.3g} µs{}, implementation {:.3g} µs{} ({:.2f}x);",
            attacker_trials, per_trial * 1e6, us_ci(per_trial_ci), per_trial_impl * 1e6, us_ci(per_trial_impl_ci),
            per_trial_impl / std::max(per_trial, 1e-12));
  story.say("before the search, per session: attacker {:.3g} ms (the stolen shares' decryptor), implementation {:.3g} ms",
            attacker_fixed * 1e3, fixed_impl * 1e3);
  story.say("(combine, which checks the k partials' proofs). Figures below are the attacker's; a million sessions is");
  story.say("always extrapolated.");
  for (const auto& row : table)
    if (row["t"].get<unsigned>() % 8 == 0)
      story.say("  t = {:2}: one session {:.3g} s (${:.3g}) ({}); a million sessions {:.3g} core-years (${:.3g}) (extrapolated)",
                row["t"].get<unsigned>(), row["seconds_per_session"].get<double>(), row["dollars_1"].get<double>(),
                row["source"].get<std::string>(), row["seconds_1e6"].get<double>() / (365.25 * 86400),
                row["dollars_1e6"].get<double>());
  // The cells: the same stolen-shares attacker against every design, one session each, at the
  // configured t for tdh2-crumple.
  for (auto name : schemes::names()) {
    auto rng = rng_for(o, "crumple-cost", name);
    auto scheme = make_scheme(name, o, rng);
    const auto s = make_session(*scheme, "alice", "bob", 1, "one session, recovered at a price", rng);
    auto d = scheme->decryptor(steal_quorum(*scheme, o.variant.stolen_short_of_k));  // a refusal opens nothing
    Cell cell{.scheme = std::string(name)};
    Result<SecureBytes> got = escrow::unexpected(Error{ErrorCategory::internal, "", "", {}});
    const double secs = time_it([&] { got = open_with(s.session, d); });
    cell.observations.push_back(observe("one session with k shares", s, got));
    const double million = secs * 1e6;
    cell.verdict = cell.observations[0].recovered() ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("{:.3g} s for this session (measured); a million sessions ≈ {:.3g} core-seconds (${:.3g}) (extrapolated)", secs, million,
                                million / 3600 * kDollarsPerCoreHour);
    cell.metrics = {{"work_bits", scheme->properties().work_bits}, {"seconds_per_session", secs},
                    {"seconds_per_session_source", "measured"}, {"seconds_1e6_sessions", million},
                    {"dollars_1e6_sessions", million / 3600 * kDollarsPerCoreHour},
                    {"seconds_1e6_sessions_source", "extrapolated"}};
    // No check runs in this attack: its detection is "not observable", never a computed false.
    cell.metrics["detection"] = {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", "the session is opened offline with k shares; the attack runs no check that could see it"}};
    r.cells.push_back(std::move(cell));
  }
  // From this run's figures: the attacker's price at t = 32, and what the lawful side pays for the same
  // session through the implementation's own search (its counted cost per trial, not assumed equal).
  for (const auto& row : table)
    if (row["t"].get<unsigned>() == 32)
      story.say("At t = 32 one session costs the attacker {:.3g} core-hours and a million {:.3g} core-years; a lawful\n"
                "recovery through the implementation's own search costs {:.3g} core-hours for that session, {:.2f}x the\n"
                "attacker's (all extrapolated from the costs per trial counted above).",
                row["seconds_per_session"].get<double>() / 3600, row["seconds_1e6"].get<double>() / (365.25 * 86400),
                row["seconds_per_session_implementation"].get<double>() / 3600,
                row["seconds_per_session_implementation"].get<double>() / std::max(row["seconds_per_session"].get<double>(), 1e-12));
  return r;
}

}  // namespace

const Attack kCrumpleCost{"crumple-cost", "What a per-session work factor costs the mass decryptor (and the lawful one)",
                          "Wright & Varia, Crypto Crumple Zones, IEEE EuroS&P 2018", run};

}  // namespace doormat::attacks
