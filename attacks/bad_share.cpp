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
    // k + 1 answers where there are that many trustees (a test variant asks k only: no spare answer).
    const std::size_t asked = o.variant.no_spare_answer ? scheme->threshold() : std::min(scheme->threshold() + 1, scheme->trustees());
    const bool cheats = !o.variant.bad_trustee_honest;  // a test variant: trustee 2 answers honestly
    for (uint32_t i = 1; i <= asked; ++i) {
      const auto conduct = i == 2 && cheats ? schemes::Conduct::wrong_share : schemes::Conduct::honest;
      answers.push_back(scheme->answer(*PartyIndex::make(i), s.session.field, s.session.label, sc, conduct, rng).value());
    }
    auto rec = scheme->combine(s.session.field, s.session.label, answers,
                               [&](const schemes::SessionKey& k) { return schemes::open(s.session, k).has_value(); });
    Cell cell{.scheme = std::string(name)};
    cell.observations.push_back(observe("lawful recovery despite the cheater", s, open_recovered(s.session, rec)));
    cell.observations.back().role = Role::denied;  // the cheater wants this recovery to fail
    std::vector<int> blamed;
    if (rec)
      for (auto b : rec->blamed) blamed.push_back(b.value());
    else
      for (auto b : rec.error().blame) blamed.push_back(b.value());
    const bool named = std::find(blamed.begin(), blamed.end(), 2) != blamed.end();
    const bool recovered = cell.observations[0].recovered();
    cell.verdict = bad_share_verdict(recovered, named);
    cell.evidence = fmt::format("{}; {}; trustee 2 {}", describe(cell.observations[0]),
                                named ? "cheater named: trustee 2"
                                : recovered ? "recovered, cheater not named"
                                            : "refused, cheater not named",
                                cheats ? "answered with a wrong share" : "answered honestly");
    cell.metrics = {{"answers", asked}, {"recovered", recovered}, {"blamed", blamed}, {"cheater_named", named},
                    {"trustee_2_cheated", cheats},
                    {"detection", {{"observable", true}, {"detected", named},
                                   {"by", "the investigator's combine naming trustee 2 (its proofs, or its k-subsets against the AEAD)"}}}};
    r.cells.push_back(std::move(cell));
  }
  story.say("Without proofs the investigator can still try each k-subset of the k + 1 shares against the AEAD;");
  story.say("with DLEQ proofs a bad partial fails its proof. Clipper has two agents and no spare answer.");
  return r;
}

// The closing paragraph, from the cells: where the cheater stopped the lawful recovery unnamed, where
// it was named, and where the recovery succeeded despite it.
std::string closing(const Report& r) {
  const auto named = [](const Cell& c) { return c.metrics.value("cheater_named", false); };
  return fmt::format(
      "In this run: {}.\n",
      clauses({{"the cheater made the lawful recovery fail without being named under ", designs_with(r, Verdict::broken, "")},
               {"the recovery failed but trustee 2 was named under ", designs_with(r, Verdict::detected, "")},
               {"the recovery succeeded with trustee 2 named under ",
                cells_where(r, [&](const Cell& c) { return c.verdict == Verdict::held && named(c); }, {}, "")},
               {"the recovery succeeded with nobody named under ",
                cells_where(r, [&](const Cell& c) { return c.verdict == Verdict::held && !named(c); }, {}, "")}}));
}

}  // namespace

const Attack kBadShare{"bad-share", "A cheating trustee sends a wrong partial decryption",
                       "Chaum & Pedersen, Wallet Databases with Observers, CRYPTO 1992 (DLEQ proofs); Shoup & Gennaro 1998",
                       run, closing};

}  // namespace doormat::attacks
