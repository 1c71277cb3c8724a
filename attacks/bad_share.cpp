// bad-share: one trustee answers with a wrong value (a cheater, or a corrupted disk). With DLEQ
// proofs the wrong partial is named, set aside, and k honest trustees still decrypt. Without
// proofs the investigator still has the session's AEAD: naive-shamir's tries every k-subset of
// the k + 1 answers, opens the session with the one that leaves the cheater out and names it.
// Clipper has two agents and no spare answer: a wrong half gives a wrong key and nobody to blame.
#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {

// The cheater wants the lawful recovery to fail unblamed. "detected" needs the combine to have named
// trustee 2; a recovery that succeeds is held whether or not anyone was named (the evidence says
// which), and a failure with nobody named is broken.
Verdict bad_share_verdict(bool recovered, bool cheater_named) {
  if (recovered) return Verdict::held;
  return cheater_named ? Verdict::detected : Verdict::broken;
}

namespace {
using namespace escrow;

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("A warrant covers alice's session. Trustee 2 wants the decryption to fail without being caught:");
  story.say("it answers with its share plus one. Every other trustee answers honestly; the investigator");
  story.say("receives k + 1 answers (clipper has only its two agents) and combines them.");
  for (auto name : schemes::names()) {
    progress(o, "bad-share", name);
    auto rng = rng_for(o, "bad-share", name);
    auto scheme = make_scheme(name, o, rng);
    const auto s = make_session(*scheme, "alice", "bob", 1, "alice -> bob: covered by the warrant", rng);
    const auto sc = scope({"alice"}, 1, 1);
    std::vector<schemes::Answer> answers;
    const std::size_t asked = std::min(scheme->threshold() + 1, scheme->trustees());
    for (uint32_t i = 1; i <= asked; ++i) {
      const auto conduct = i == 2 ? schemes::Conduct::wrong_share : schemes::Conduct::honest;
      answers.push_back(scheme->answer(*PartyIndex::make(i), s.session.field, s.session.label, sc, conduct, rng).value());
    }
    auto rec = scheme->combine(s.session.field, s.session.label, answers,
                               [&](const schemes::SessionKey& k) { return schemes::open(s.session, k).has_value(); });
    Cell cell{.scheme = std::string(name)};
    cell.observations.push_back(observe("lawful recovery despite the cheater", s, open_recovered(s.session, rec)));
    std::vector<int> blamed;
    if (rec)
      for (auto b : rec->blamed) blamed.push_back(b.value());
    else
      for (auto b : rec.error().blame) blamed.push_back(b.value());
    const bool named = std::find(blamed.begin(), blamed.end(), 2) != blamed.end();
    const bool recovered = cell.observations[0].recovered();
    cell.verdict = bad_share_verdict(recovered, named);
    cell.evidence = fmt::format("{}; {}", describe(cell.observations[0]),
                                named ? "cheater named: trustee 2"
                                : recovered ? "recovered, cheater not named"
                                            : "refused, cheater not named");
    cell.metrics = {{"answers", asked}, {"recovered", recovered}, {"blamed", blamed}, {"cheater_named", named}};
    r.cells.push_back(std::move(cell));
  }
  story.say("Clipper, with two agents and no spare answer, fails silently (wrong key, AEAD refuses, nobody to blame).");
  story.say("naive-shamir has no proofs but has the session: the investigator tries each k-subset of the k + 1");
  story.say("shares against the AEAD, one opens, and the trustee left out of every subset that opens is named.");
  story.say("With DLEQ proofs the bad partial fails its proof, trustee 2 is named and the other k decrypt.");
  return r;
}

}  // namespace

const Attack kBadShare{"bad-share", "A cheating trustee sends a wrong partial decryption",
                       "Chaum & Pedersen, Wallet Databases with Observers, CRYPTO 1992 (DLEQ proofs); Shoup & Gennaro 1998",
                       run};

}  // namespace doormat::attacks
