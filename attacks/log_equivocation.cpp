// log-equivocation: a transparency log only helps if everyone sees the same log (Certificate
// Transparency's gossip problem; RFC 9162 §8.1.4). A trustee that signs two different heads of the
// same size — one per auditor — is caught the moment two auditors compare. A quorum that decrypts
// and simply writes nothing is caught by no log at all.
#include <sodium.h>

#include <algorithm>

#include "escrow/translog.hpp"
#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

struct LogView {
  std::vector<translog::Hash> leaves;
  translog::TreeHead head(const Secret<64>& key, uint64_t time) const {
    translog::TreeHead h{leaves.size(), translog::root(leaves), time, {}};
    translog::sign(h, key);
    return h;
  }
};

translog::Hash entry(const std::string& reason, uint64_t time) {
  translog::Entry e;
  e.time = time;
  e.reason = reason;
  return translog::leaf_hash(e.encode());
}

// What one auditor checks on its own: the signature, and that the new head extends the last one it saw.
bool auditor_accepts(const LogView& view, const translog::TreeHead& old_head, const translog::TreeHead& new_head,
                     const std::array<uint8_t, 32>& trustee_key) {
  if (!translog::verify_signature(new_head, trustee_key)) return false;
  auto proof = translog::consistency_proof(view.leaves, old_head.size);
  return proof && translog::verify_consistency(old_head.size, new_head.size, old_head.root, new_head.root, *proof);
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("Trustee 3 helps decrypt a session no warrant covers. To hide it, it shows auditor A a log with the");
  story.say("entry and auditor B a log without it (same size, a harmless entry instead), each validly signed and");
  story.say("consistent with what that auditor saw before. Then the auditors compare heads. Finally k trustees");
  story.say("decrypt another session together and write nothing at all.");
  for (auto name : schemes::names()) {
    progress(o, "log-equivocation", name);
    auto rng = rng_for(o, "log-equivocation", name);
    auto scheme = make_scheme(name, o, rng);
    const auto hidden = make_session(*scheme, "victim", "friend", 4, "victim -> friend: decrypted and hidden", rng);
    const auto off_log = make_session(*scheme, "victim", "friend", 5, "victim -> friend: decrypted off the log", rng);
    const auto anything = scope({"victim"}, 0, 30);  // the corrupt trustees' own idea of scope
    Cell cell{.scheme = std::string(name)};
    cell.observations.push_back(observe("the hidden session", hidden, schemes::lawful_open(*scheme, hidden.session, anything, rng)));
    cell.observations.push_back(observe("the off-log session", off_log, schemes::lawful_open(*scheme, off_log.session, anything, rng)));
    // Two strategies, each with its own result; the cell is the attacker's best of them.
    const auto off_log_verdict = [&](bool caught) {
      return cell.observations[1].recovered() ? (caught ? Verdict::detected : Verdict::broken) : Verdict::held;
    };
    if (!scheme->properties().audit_log) {
      const auto hide = cell.observations[0].recovered() ? Verdict::broken : Verdict::held;
      const auto off = off_log_verdict(false);  // no log at all: nothing can catch it
      cell.verdict = best_for_attacker({hide, off});
      cell.evidence = fmt::format("no log exists: {}; {}; nothing for an auditor to compare", describe(cell.observations[0]),
                                  describe(cell.observations[1]));
      cell.metrics = {{"has_log", false}, {"equivocation", to_string(hide)}, {"off_log", to_string(off)}};
      r.cells.push_back(std::move(cell));
      continue;
    }
    std::array<uint8_t, 32> pk{};
    Secret<64> sk;
    crypto_sign_keypair(pk.data(), sk.expose().data());
    LogView common;
    for (int i = 0; i < 5; ++i) common.leaves.push_back(entry(fmt::format("lawful decision {}", i), kDay0 + i));
    const auto before = common.head(sk, kDay0 + 10);
    LogView to_a = common, to_b = common;
    to_a.leaves.push_back(entry("issued: victim's session of day 4", kDay0 + 11));
    to_b.leaves.push_back(entry("refused: out of scope", kDay0 + 11));
    const auto head_a = to_a.head(sk, kDay0 + 12), head_b = to_b.head(sk, kDay0 + 12);
    const bool a_ok = auditor_accepts(to_a, before, head_a, pk), b_ok = auditor_accepts(to_b, before, head_b, pk);
    // Gossip: two validly signed heads of one size with different roots are a signed confession.
    const bool conflicting = head_a.size == head_b.size && head_a.root != head_b.root &&
                             translog::verify_signature(head_a, pk) && translog::verify_signature(head_b, pk);
    // Off the log: the auditors look, in the log each of them was shown, for an entry about the
    // off-log session (its decision as an honest trustee would have logged it). Nothing in this
    // run writes one (the trustees' SQLite logs are not in this process), so this check finds only
    // what the quorum chose to write.
    const auto off_log_entry = entry("issued: victim's session of day 5", kDay0 + 13);
    const auto in = [&](const LogView& v) { return std::find(v.leaves.begin(), v.leaves.end(), off_log_entry) != v.leaves.end(); };
    const bool off_log_caught = in(to_a) || in(to_b);
    const auto hide = cell.observations[0].recovered() ? (conflicting ? Verdict::detected : Verdict::broken) : Verdict::held;
    const auto off = off_log_verdict(off_log_caught);
    cell.verdict = best_for_attacker({hide, off});
    cell.evidence = fmt::format("{}; each auditor alone accepted its view ({} / {}); comparing heads: {}; the off-log "
                                "decryption: {} and {}",
                                describe(cell.observations[0]), a_ok ? "A ok" : "A refused", b_ok ? "B ok" : "B refused",
                                conflicting ? "two signed roots for size 6 — equivocation proven" : "no conflict",
                                cell.observations[1].recovered() ? "plaintext recovered" : "nothing recovered",
                                off_log_caught ? "caught" : "not caught by any log");
    cell.evidence += fmt::format(" (equivocation: {}; off-log: {}; the cell takes the attacker's best)", to_string(hide),
                                 to_string(off));
    cell.metrics = {{"has_log", true}, {"auditor_a_accepted", a_ok}, {"auditor_b_accepted", b_ok},
                    {"conflicting_heads_found", conflicting}, {"off_log_decryption_caught", off_log_caught},
                    {"equivocation", to_string(hide)}, {"off_log", to_string(off)}};
    r.cells.push_back(std::move(cell));
  }
  story.say("Comparing signed heads turns equivocation into proof (that half: detected). But a log records what");
  story.say("trustees choose to write: k colluding trustees decrypt with no entry, and no audit can see what never");
  story.say("happened on it (that half: broken). A cell takes the attacker's best strategy, so every design is broken.");
  return r;
}

}  // namespace

const Attack kLogEquivocation{"log-equivocation", "A trustee shows auditors different logs; a quorum decrypts off the log",
                              "RFC 9162 (Certificate Transparency 2.0) §8.1.4; Chuat et al., Efficient Gossip Protocols for "
                              "Verifying the Consistency of Certificate Logs, 2015",
                              run};

}  // namespace doormat::attacks
