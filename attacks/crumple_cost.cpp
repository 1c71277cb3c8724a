// crumple-cost (Wright & Varia, "Crypto Crumple Zones: Enabling Limited Access without Mass
// Surveillance", EuroS&P 2018). tdh2-crumple withholds t bits of each session key from the escrow,
// so every recovery — lawful or not — ends with a 2^t search against the session's AEAD tag. The
// point is to price mass decryption, not to stop single recoveries: we measure the price.
#include <cmath>

#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

// A stated rate so that seconds become money; change it and the dollar column scales linearly.
constexpr double kDollarsPerCoreHour = 0.04;

struct Measured {
  unsigned bits;
  double seconds_per_session;
  int sessions;
  int opened;
};

Measured measure(unsigned bits, int sessions, const Options& o) {
  auto rng = rng_for(o, "crumple-cost", fmt::format("t{}", bits));
  schemes::Config c;
  c.crumple_bits = bits;
  auto scheme = make_scheme("tdh2-crumple", o, rng, c);
  std::vector<StoredSession> archive;
  for (int i = 0; i < sessions; ++i) archive.push_back(make_session(*scheme, "alice", "bob", i, fmt::format("session {}", i), rng));
  auto d = scheme->decryptor(steal_quorum(*scheme)).value();
  int opened = 0;
  const double secs = time_it([&] {
    for (const auto& s : archive) opened += observe("", s, open_with(s.session, d(s.session))).recovered();
  });
  return {bits, secs / sessions, sessions, opened};
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("An attacker (or an agency) holds k shares and wants sessions back. Under tdh2-crumple each one still");
  story.say("needs a search over 2^t keys, each tried against the session's AEAD tag. We measure the search at");
  story.say("several t, then extrapolate to 1, 100 and 1,000,000 sessions, in CPU time and in money at");
  story.say("${:.2f} per core-hour.", kDollarsPerCoreHour);
  std::vector<unsigned> sweep = o.quick ? std::vector<unsigned>{4, 8, 10, 12} : std::vector<unsigned>{4, 8, 12, 14, 16, 18};
  std::vector<Measured> rows;
  for (unsigned t : sweep) {
    progress(o, "crumple-cost", fmt::format("t = {}", t));
    const int sessions = t <= 10 ? 8 : (t <= 14 ? 4 : 2);
    rows.push_back(measure(t, sessions, o));
  }
  // Cost per trial pooled over the measured t >= 10 (a session needs 2^(t-1) trials on average but
  // anywhere from 1 to 2^t, so one session alone is a noisy estimate; fixed costs vanish at large t).
  double pooled_seconds = 0, pooled_trials = 0;
  for (const auto& m : rows)
    if (m.bits >= 10) {
      pooled_seconds += m.seconds_per_session * m.sessions;
      pooled_trials += m.sessions * std::ldexp(1.0, static_cast<int>(m.bits) - 1);
    }
  const double per_trial = pooled_seconds / pooled_trials;
  nlohmann::json table = nlohmann::json::array();
  Chart chart{"tdh2-crumple: CPU time to decrypt N sessions vs withheld bits t", "t (bits withheld)", "core-seconds", false, true, false, {}, {}};
  std::vector<Series> series{{"1 session", {}}, {"100 sessions", {}}, {"1,000,000 sessions", {}}};
  for (unsigned t = 4; t <= 40; t += 2) {
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const Measured& m) { return m.bits == t; });
    const double per_session = it != rows.end() ? it->seconds_per_session : per_trial * std::ldexp(1.0, static_cast<int>(t) - 1);
    table.push_back({{"t", t}, {"measured", it != rows.end()}, {"seconds_per_session", per_session},
                     {"seconds_100", per_session * 100}, {"seconds_1e6", per_session * 1e6},
                     {"dollars_1", per_session / 3600 * kDollarsPerCoreHour},
                     {"dollars_1e6", per_session * 1e6 / 3600 * kDollarsPerCoreHour}});
    series[0].points.emplace_back(t, per_session);
    series[1].points.emplace_back(t, per_session * 100);
    series[2].points.emplace_back(t, per_session * 1e6);
  }
  chart.series = series;
  r.charts.push_back(chart);
  r.numbers = {{"dollars_per_core_hour", kDollarsPerCoreHour}, {"seconds_per_trial", per_trial}, {"table", table}};
  for (const auto& m : rows)
    story.say("  t = {:2}: {:.4g} s per session measured ({} of {} sessions opened)", m.bits, m.seconds_per_session, m.opened, m.sessions);
  for (const auto& row : table)
    if (row["t"].get<unsigned>() % 8 == 0)
      story.say("  t = {:2}: one session {:.3g} s (${:.3g}); a million sessions {:.3g} core-years (${:.3g}){}", row["t"].get<unsigned>(),
                row["seconds_per_session"].get<double>(), row["dollars_1"].get<double>(),
                row["seconds_1e6"].get<double>() / (365.25 * 86400), row["dollars_1e6"].get<double>(),
                row["measured"].get<bool>() ? "" : " (extrapolated)");
  // The cells: the same stolen-shares attacker against every design, one session each, at the
  // configured t for tdh2-crumple.
  for (auto name : schemes::names()) {
    auto rng = rng_for(o, "crumple-cost", name);
    auto scheme = make_scheme(name, o, rng);
    const auto s = make_session(*scheme, "alice", "bob", 1, "one session, recovered at a price", rng);
    auto d = scheme->decryptor(steal_quorum(*scheme)).value();
    Cell cell{.scheme = std::string(name)};
    Result<SecureBytes> got = escrow::unexpected(Error{ErrorCategory::internal, "", "", {}});
    const double secs = time_it([&] { got = open_with(s.session, d(s.session)); });
    cell.observations.push_back(observe("one session with k shares", s, got));
    const double million = secs * 1e6;
    cell.verdict = cell.observations[0].recovered() ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("{:.3g} s for this session; a million sessions ≈ {:.3g} core-seconds (${:.3g})", secs, million,
                                million / 3600 * kDollarsPerCoreHour);
    cell.metrics = {{"work_bits", scheme->properties().work_bits}, {"seconds_per_session", secs},
                    {"seconds_1e6_sessions", million}, {"dollars_1e6_sessions", million / 3600 * kDollarsPerCoreHour}};
    r.cells.push_back(std::move(cell));
  }
  for (const auto& row : table)
    if (row["t"].get<unsigned>() == 32)
      story.say("Crumple zones turn 'all or nothing' into a price per session: at t = 32 one session costs {:.3g} core-hours,\n"
                "a million cost {:.3g} core-years — and the price binds lawful access exactly as much.",
                row["seconds_per_session"].get<double>() / 3600, row["seconds_1e6"].get<double>() / (365.25 * 86400));
  return r;
}

}  // namespace

const Attack kCrumpleCost{"crumple-cost", "What a per-session work factor costs the mass decryptor (and the lawful one)",
                          "Wright & Varia, Crypto Crumple Zones, IEEE EuroS&P 2018", run};

}  // namespace doormat::attacks
