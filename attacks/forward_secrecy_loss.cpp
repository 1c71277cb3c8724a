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

// The no-escrow baseline, a forward-secret X25519 handshake that uses the long-term keys (the
// triple Diffie–Hellman of Signal's X3DH without its one-time keys): Alice and Bob each bring an
// ephemeral key, and K = H(DH(a_e, B_e) || DH(A, B_e) || DH(a_e, B)) with A, B the long-term keys.
// The two long-term terms authenticate; the ephemeral-ephemeral term, erased after the handshake,
// is what no later theft can rebuild.
struct KeyPair {
  Secret<32> sk;
  std::array<uint8_t, 32> pk{};
};

KeyPair key_pair(Rng& rng) {
  KeyPair k;
  rng.fill(k.sk.expose());
  crypto_scalarmult_base(k.pk.data(), k.sk.expose().data());
  return k;
}

// Empty when the point is degenerate (libsodium refuses an all-zero result).
std::optional<std::array<uint8_t, 32>> dh(const Secret<32>& sk, std::span<const uint8_t> pk) {
  std::array<uint8_t, 32> out{};
  if (pk.size() != 32 || crypto_scalarmult(out.data(), sk.expose().data(), pk.data()) != 0) return std::nullopt;
  return out;
}

schemes::SessionKey kdf(const std::array<uint8_t, 32>& ee, const std::array<uint8_t, 32>& es,
                        const std::array<uint8_t, 32>& se) {
  schemes::SessionKey key;
  Hasher(domain::kAttackBaselineKdf, 32).add(ee).add(es).add(se).finish(key.expose());
  return key;
}

struct ForwardSecret {
  StoredSession stored;
  Secret<32> bob_ephemeral;  ///< erased by a forward-secret client; kept here only for the control run
};

ForwardSecret baseline_session(uint64_t day, const std::string& text, const KeyPair& alice, const KeyPair& bob, Rng& rng) {
  const auto a_e = key_pair(rng), b_e = key_pair(rng);
  const auto ee = dh(a_e.sk, b_e.pk), es = dh(alice.sk, b_e.pk), se = dh(a_e.sk, bob.pk);
  if (!ee || !es || !se) throw std::runtime_error("X25519 failed on a freshly generated key");  // a set-up bug
  const auto key = kdf(*ee, *es, *se);
  std::vector<uint8_t> field(a_e.pk.begin(), a_e.pk.end());  // both ephemeral public keys travel with the session
  field.insert(field.end(), b_e.pk.begin(), b_e.pk.end());
  auto label = SessionLabel::make("alice", "bob", kDay0 + day * kDay, rng).value();
  auto s = schemes::seal_with(label, std::move(field), key,
                              std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()), rng);
  return {{std::move(s), text}, Secret<32>::from(std::span<const uint8_t, 32>(b_e.sk.expose()))};
}

// The thief's best computation on one session: every Diffie–Hellman its keys allow with every
// public value in sight (the long-term public keys and the session's two ephemerals), for the
// ephemeral-ephemeral term; the two long-term terms it computes exactly. With `bob_ephemeral`
// (what erasure removes) it also gets the ephemeral term, which is the control that the same
// computation does open a session when the key is there.
Result<SecureBytes> thief_opens(const schemes::Session& s, const KeyPair& alice_stolen, const KeyPair& bob_stolen,
                                const Secret<32>* bob_ephemeral) {
  const auto fail_closed = escrow::unexpected(Error{ErrorCategory::decryption_failed, "baseline", "decryption failed", {}});
  if (s.field.size() != 64) return fail_closed;
  const std::span<const uint8_t> a_e(s.field.data(), 32), b_e(s.field.data() + 32, 32);
  const auto es = dh(alice_stolen.sk, b_e), se = dh(bob_stolen.sk, a_e);
  if (!es || !se) return fail_closed;
  std::vector<std::optional<std::array<uint8_t, 32>>> ee_guesses{
      dh(alice_stolen.sk, bob_stolen.pk), dh(alice_stolen.sk, b_e), dh(bob_stolen.sk, a_e),
      dh(alice_stolen.sk, a_e),           dh(bob_stolen.sk, b_e)};
  if (bob_ephemeral) ee_guesses.push_back(dh(*bob_ephemeral, a_e));
  for (const auto& ee : ee_guesses)
    if (ee)
      if (auto opened = schemes::open(s, kdf(*ee, *es, *se))) return opened;
  return fail_closed;
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("Alice and Bob talk every day for a month. On day 30 an attacker steals the long-lived secret: for the");
  story.say("escrow designs the authority's key material (k shares; clipper: the agents' databases), for the");
  story.say("forward-secret baseline Alice's and Bob's long-term keys — the very keys every handshake used. How");
  story.say("much of the month can it read?");
  const int days = o.quick ? 30 : 90;
  auto brng = rng_for(o, "forward-secrecy-loss", "baseline");
  const auto alice = key_pair(brng), bob = key_pair(brng);
  std::vector<ForwardSecret> month;
  for (int d = 0; d < days; ++d)
    month.push_back(baseline_session(static_cast<uint64_t>(d), fmt::format("day {}: alice -> bob", d), alice, bob, brng));
  // What the attacker steals on the last day: the long-term keys the handshakes used, copied.
  KeyPair alice_stolen{Secret<32>::from(std::span<const uint8_t, 32>(alice.sk.expose())), alice.pk};
  KeyPair bob_stolen{Secret<32>::from(std::span<const uint8_t, 32>(bob.sk.expose())), bob.pk};
  int baseline_opened = 0, control_opened = 0;
  std::vector<bool> baseline_days;
  for (const auto& s : month) {
    auto obs = observe("baseline session, long-term keys stolen", s.stored, thief_opens(s.stored.session, alice_stolen, bob_stolen, nullptr));
    baseline_opened += obs.recovered();
    baseline_days.push_back(obs.recovered());
    control_opened += observe("", s.stored, thief_opens(s.stored.session, alice_stolen, bob_stolen, &s.bob_ephemeral)).recovered();
  }
  r.numbers["baseline"] = {{"sessions", days},
                           {"opened_after_compromise", baseline_opened},
                           {"stolen", "alice's and bob's long-term X25519 keys, as used by every handshake"},
                           {"control_opened_with_unerased_ephemerals", control_opened}};
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
    cell.evidence = fmt::format("{} of {} past sessions opened by one compromise on day {}; forward-secret baseline "
                                "with the long-term keys its handshakes used: {} of {} (with unerased ephemerals: {} of {})",
                                opened, n_sessions, days, baseline_opened, days, control_opened, days);
    cell.metrics = {{"past_sessions", n_sessions}, {"opened", opened}, {"baseline_opened", baseline_opened},
                    {"baseline_sessions", days}, {"baseline_control_opened", control_opened}};
    // No check runs in this attack: its detection is "not observable", never a computed false.
    cell.metrics["detection"] = {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", "the past sessions are opened offline with the compromised keys; no log or auditor takes part"}};
    r.cells.push_back(std::move(cell));
  }
  Series base{"forward-secret baseline", {}};
  for (int d = 0; d < days; ++d) base.points.emplace_back(d, baseline_days[static_cast<std::size_t>(d)] ? 1 : 0);
  chart.series.push_back(base);
  r.charts.push_back(chart);
  story.say("Baseline: {} of {} sessions readable with the stolen long-term keys (the same computation with Bob's",
            baseline_opened, days);
  story.say("ephemeral keys, had his client not erased them, opens {} of {}: the zero is erasure, not a broken attacker).",
            control_opened, days);
  story.say("Every escrow design: all of them. tdh2-crumple only makes each one cost 2^t.");
  return r;
}

}  // namespace

const Attack kForwardSecrecyLoss{"forward-secrecy-loss", "One long-term compromise exposes every past session",
                                 "Keys Under Doormats (Abelson et al. 2015), §2.1 on forward secrecy", run};

}  // namespace doormat::attacks
