// forward-secrecy-loss: a forward-secret messenger erases each session's ephemeral keys, so a
// key stolen tomorrow opens nothing sent today. Escrow re-creates exactly the long-lived key that
// forward secrecy removed: one compromise of the authority opens every past session.
#include <sodium.h>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

// The no-escrow baseline: ephemeral X25519 on both sides, K = H(shared secret), ephemerals erased.
struct ForwardSecret {
  schemes::Session session;
  std::string plaintext;
};

ForwardSecret baseline_session(uint64_t day, const std::string& text, Rng& rng) {
  Secret<32> a, b;
  rng.fill(a.expose());
  rng.fill(b.expose());
  std::array<uint8_t, 32> a_pub{}, shared{};
  crypto_scalarmult_base(a_pub.data(), a.expose().data());
  if (crypto_scalarmult(shared.data(), b.expose().data(), a_pub.data()) != 0)
    throw std::runtime_error("X25519 failed on a freshly generated key");  // a set-up bug, not an outcome
  schemes::SessionKey key;
  Hasher(domain::kAttackBaselineKdf, 32).add(shared).finish(key.expose());
  sodium_memzero(shared.data(), shared.size());
  auto label = SessionLabel::make("alice", "bob", kDay0 + day * kDay, rng).value();
  auto s = schemes::seal_with(label, std::vector<uint8_t>(a_pub.begin(), a_pub.end()), key,
                              std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), rng);
  return {std::move(s), text};  // a and b are wiped here: nobody can recompute K
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("Alice and Bob talk every day for a month. On day 30 an attacker steals the long-lived secret: for the");
  story.say("escrow designs the authority's key material (k shares; clipper: the agents' databases), for the");
  story.say("forward-secret baseline Alice's and Bob's long-term keys. How much of the month can it read?");
  const int days = o.quick ? 30 : 90;
  // Baseline first: the attacker holds long-term identity keys, which never touched a session key.
  auto brng = rng_for(o, "forward-secrecy-loss", "baseline");
  std::vector<ForwardSecret> month;
  for (int d = 0; d < days; ++d) month.push_back(baseline_session(d, fmt::format("day {}: alice -> bob", d), brng));
  Secret<32> alice_long_term, bob_long_term;  // what the attacker steals
  brng.fill(alice_long_term.expose());
  brng.fill(bob_long_term.expose());
  int baseline_opened = 0;
  for (const auto& s : month) {
    // The attacker's best computation: a DH between the stolen keys and each public ephemeral.
    std::array<uint8_t, 32> guess{};
    if (crypto_scalarmult(guess.data(), alice_long_term.expose().data(), s.session.field.data()) != 0) continue;
    schemes::SessionKey k;
    Hasher(domain::kAttackBaselineKdf, 32).add(guess).finish(k.expose());
    baseline_opened += schemes::open(s.session, k).has_value();
  }
  r.numbers["baseline"] = {{"sessions", days}, {"opened_after_compromise", baseline_opened}};
  Chart chart{"Sessions readable after a compromise on the last day", "day of the session", "readable (1) / not (0)", false, false, false, {}, {}};
  for (auto name : schemes::names()) {
    progress(o, "forward-secrecy-loss", name);
    auto rng = rng_for(o, "forward-secrecy-loss", name);
    auto scheme = make_scheme(name, o, rng);
    const int n_sessions = name == "tdh2-crumple" ? std::min(days, o.quick ? 6 : 30) : days;
    std::vector<StoredSession> past;
    for (int d = 0; d < n_sessions; ++d) past.push_back(make_session(*scheme, "alice", "bob", d, fmt::format("day {}: alice -> bob", d), rng));
    auto d = scheme->decryptor(steal_quorum(*scheme));
    Cell cell{.scheme = std::string(name)};
    int opened = 0;
    Series series{std::string(name), {}};
    for (int i = 0; i < n_sessions; ++i) {
      auto obs = observe(fmt::format("day {} session", i), past[i], open_with(past[i].session, d));
      opened += obs.recovered();
      series.points.emplace_back(i, obs.recovered());
      if (i == 0) cell.observations.push_back(obs);
    }
    if (name == "tdh2") chart.series.push_back(series);
    cell.verdict = opened ? Verdict::broken : Verdict::held;
    cell.evidence = fmt::format("{} of {} past sessions opened by one compromise on day {}; forward-secret baseline: "
                                "{} of {}",
                                opened, n_sessions, days, baseline_opened, days);
    cell.metrics = {{"past_sessions", n_sessions}, {"opened", opened}, {"baseline_opened", baseline_opened},
                    {"baseline_sessions", days}};
    r.cells.push_back(std::move(cell));
  }
  Series base{"forward-secret baseline", {}};
  for (int d = 0; d < days; ++d) base.points.emplace_back(d, 0);
  chart.series.push_back(base);
  r.charts.push_back(chart);
  story.say("Baseline: {} of {} sessions readable. Every escrow design: all of them. tdh2-crumple only makes each one cost 2^t.",
            baseline_opened, days);
  return r;
}

}  // namespace

const Attack kForwardSecrecyLoss{"forward-secrecy-loss", "One long-term compromise exposes every past session",
                                 "Keys Under Doormats (Abelson et al. 2015), §2.1 on forward secrecy", run};

}  // namespace doormat::attacks
