// log-equivocation: a transparency log only helps if everyone sees the same log (Certificate
// Transparency's gossip problem; RFC 9162 §8.1.4). A trustee that signs two different heads of the
// same size — one per auditor — is caught the moment two auditors compare. A quorum that decrypts
// and simply writes nothing is caught by no log at all. The logs are the ones the tdh2 designs'
// trustees wrote through decide() in the run; the checks are the auditor's (escrow/audit.hpp).
#include <algorithm>
#include <ctime>

#include "escrow/request.hpp"
#include "escrow/translog.hpp"
#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

using Served = std::map<uint32_t, std::pair<audit::Published, std::array<uint8_t, 32>>>;

// What trustee i shows auditor B: its own log with every entry naming `hidden` replaced by a
// refusal under `cover` (same size, same times), under a head its own log key signs. Nothing to
// change: its true log.
schemes::TrusteeLog doctor(const schemes::Scheme& scheme, PartyIndex i, const schemes::TrusteeLog& log,
                           const translog::Hash& hidden, const translog::Hash& cover) {
  schemes::TrusteeLog out{log.key, {}, log.head};
  std::vector<translog::Hash> leaves;
  bool changed = false;
  for (const auto& bytes : log.entries) {
    auto e = translog::Entry::decode(bytes);
    if (e && e->warrant_hash == hidden) {
      e->warrant_hash = cover;
      e->decision = static_cast<uint8_t>(request::FieldStatus::out_of_scope);
      e->reason = std::string(request::to_string(request::FieldStatus::out_of_scope));
      out.entries.push_back(e->encode());
      changed = true;
    } else {
      out.entries.push_back(bytes);
    }
    leaves.push_back(translog::leaf_hash(out.entries.back()));
  }
  if (changed)
    if (auto h = scheme.sign_head(i, leaves, log.head.timestamp)) out.head = *h;
  return out;
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("Every trustee's log already holds a lawful decision, and two auditors have recorded its head:");
  story.say("A, the trustees' own operator, and B, who checks the logs against the court's register. Two");
  story.say("strategies. Off the log: k trustees pool their shares and decrypt a session with no request, so");
  story.say("no decision is ever logged. Equivocation: the quorum decrypts another session through the trustee");
  story.say("under a warrant a judge signed off the register; each trustee then shows A its true log and B one");
  story.say("with that decision replaced by a refusal (same size, validly signed). Then the auditors compare heads.");
  const uint64_t now = static_cast<uint64_t>(std::time(nullptr));
  Court court = Court::make(now);
  for (auto name : schemes::names()) {
    progress(o, "log-equivocation", name);
    auto rng = rng_for(o, "log-equivocation", name);
    auto scheme = make_scheme(name, o, rng);
    const auto lawful_case = make_session(*scheme, "alice", "bob", 2, "alice -> bob: the lawful case", rng);
    const auto hidden = make_session(*scheme, "victim", "friend", 4, "victim -> friend: decrypted and hidden", rng);
    const auto off_log = make_session(*scheme, "victim", "friend", 5, "victim -> friend: decrypted off the log", rng);
    Cell cell{.scheme = std::string(name)};

    const auto lawful = court.issue({"alice"}, 0, 30, rng);
    const auto lawful_got = schemes::lawful_open(*scheme, lawful_case.session, lawful, rng);
    const auto a0 = audit_logs(*scheme, nullptr), b0 = audit_logs(*scheme, &court.issued);

    // Strategy 1, off the log: the colluders' own shares, no request, no trustee decides.
    const std::size_t short_of_k = std::min<std::size_t>(static_cast<std::size_t>(std::max(0, o.variant.off_log_short_of_k)),
                                                         scheme->threshold());
    const std::size_t colluders = scheme->threshold() - short_of_k;
    std::vector<schemes::TrusteeSecret> pooled;
    for (uint32_t i = 1; i <= colluders; ++i) pooled.push_back(scheme->steal(*PartyIndex::make(i)));
    const auto off_got = open_with(off_log.session, scheme->decryptor(pooled));
    // The auditors' next round: the heads the equivocation below must extend. No log holds the
    // off-log decryption, so nothing they could flag is it (its detection is not observable).
    const auto a1 = audit_logs(*scheme, nullptr, a0.heads), b1 = audit_logs(*scheme, &court.issued, b0.heads);

    // Strategy 2, equivocation: a decision the logs record, shown to B rewritten.
    const auto off_books = court.issue({"victim"}, 0, 30, rng, /*registered=*/false);
    const auto hidden_got = schemes::lawful_open(*scheme, hidden.session, off_books, rng);
    Served to_a, to_b;
    for (uint32_t i = 1; i <= scheme->trustees(); ++i) {
      const auto idx = *PartyIndex::make(i);
      const auto log = scheme->log(idx);
      if (!log) continue;
      const auto from = [](const AuditReport& rep, uint32_t t) {
        auto it = rep.heads.find(t);
        return it == rep.heads.end() ? std::optional<uint64_t>() : it->second.size;
      };
      to_a.emplace(i, std::pair{publish(*log, from(a1, i)), log->key});
      to_b.emplace(i, std::pair{publish(doctor(*scheme, idx, *log, off_books.signed_warrant.hash(), lawful.signed_warrant.hash()),
                                        from(b1, i)),
                                log->key});
    }
    const auto a2 = audit_served(to_a, nullptr, a1.heads), b2 = audit_served(to_b, &court.issued, b1.heads);
    // Gossip: the auditors compare the heads they were served, trustee by trustee.
    std::size_t conflicting = 0;
    for (const auto& [i, served] : to_a)
      conflicting += audit::equivocation(served.first.head, to_b.at(i).first.head, served.second);
    // Caught only by what names this attack: two signed roots for one size, or auditor B naming the
    // off-register warrant the hidden decision was issued under (a flag for another reason is not).
    const bool hide_flagged = conflicting > 0 || b2.unregistered_warrants.contains(off_books.signed_warrant.hash());

    cell.observations.push_back(observe("the hidden session", hidden, hidden_got));
    cell.observations.push_back(observe("the off-log session", off_log, off_got));
    cell.observations.push_back(observe("the lawful session", lawful_case, lawful_got));
    cell.observations.back().role = Role::control;
    const auto hide = judge(cell.observations[0].recovered(), hide_flagged);
    const auto off = cell.observations[1].recovered() ? Verdict::broken : Verdict::held;
    cell.verdict = best_for_attacker({hide, off});
    cell.evidence = fmt::format(
        "off the log: {} ({} colluder(s)); then auditor A: {}; auditor B: {}. Equivocation: {}; auditor A alone: {}; "
        "auditor B alone: {}; comparing heads: {} (equivocation: {}; off-log: {}; the cell takes the attacker's best)",
        describe(cell.observations[1]), colluders, a1.summary(), b1.summary(), describe(cell.observations[0]),
        a2.summary(), b2.summary(),
        conflicting ? fmt::format("{} trustee(s) signed two roots for one size — equivocation proven", conflicting)
                    : std::string("no conflicting heads"),
        to_string(hide), to_string(off));
    cell.metrics = {{"has_log", a0.logs > 0},
                    {"auditor_a_accepted", a2.logs > 0 && !a2.any()},
                    {"auditor_b_accepted", b2.logs > 0 && !b2.any()},
                    {"conflicting_heads_found", conflicting > 0},
                    {"equivocating_trustees", conflicting},
                    {"off_log_colluders", colluders},
                    {"off_log_detection", detection_not_observable("the colluders decrypt with their own shares: no trustee "
                                                                    "decides, so no log holds it and no auditor can see it")},
                    {"equivocation_detection",
                     a2.logs == 0 ? detection_not_observable("no trustee of this design keeps a log: there is nothing to equivocate about")
                                  : nlohmann::json{{"observable", true}, {"detected", hide_flagged},
                                                   {"by", "the auditors' comparison of heads, and auditor B against the court's register"},
                                                   {"conflicting_heads", conflicting}}},
                    {"equivocation", to_string(hide)},
                    {"off_log", to_string(off)}};
    // The cell's detection is that of the strategy its verdict took (the attacker's best).
    cell.metrics["detection"] = cell.verdict == off ? cell.metrics["off_log_detection"] : cell.metrics["equivocation_detection"];
    r.cells.push_back(std::move(cell));
  }
  story.say("A cell takes the attacker's best strategy.");
  return r;
}

// The closing paragraph, from the cells: each strategy's outcome per design (its own metric, judged by
// the cell's rule), then the cells, which take the attacker's best.
std::string closing(const Report& r) {
  const auto half = [](const char* key, Verdict v) {
    return [key, v](const Cell& c) { return c.metrics.value(key, std::string()) == to_string(v); };
  };
  const auto strategy = [&](const char* key) {
    return clauses({{"obtained unnoticed under ", cells_where(r, half(key, Verdict::broken), {}, "")},
                    {"caught by the auditors under ", cells_where(r, half(key, Verdict::detected), {}, "")},
                    {"obtained nothing under ", cells_where(r, half(key, Verdict::held), {}, "")}});
  };
  std::string out = fmt::format("In this run, equivocation: {}.\n", strategy("equivocation"));
  out += fmt::format("Off the log: {}.\n", strategy("off_log"));
  out += fmt::format("The cells, the attacker's best: {}.\n",
                     clauses({{"broken under ", designs_with(r, Verdict::broken, "")},
                              {"detected under ", designs_with(r, Verdict::detected, "")},
                              {"held under ", designs_with(r, Verdict::held, "")}}));
  return out;
}

}  // namespace

const Attack kLogEquivocation{"log-equivocation", "A trustee shows auditors different logs; a quorum decrypts off the log",
                              "RFC 9162 (Certificate Transparency 2.0) §8.1.4; Chuat et al., Efficient Gossip Protocols for "
                              "Verifying the Consistency of Certificate Logs, 2015",
                              run, closing};

}  // namespace doormat::attacks
