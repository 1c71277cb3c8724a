// warrant-laundering: why TDH2 exists (Shoup–Gennaro 1998, the labeled CCA-secure threshold KEM).
// An agency holds a warrant for session A only. It takes session B's escrow field, re-randomises it
// so no trustee has seen it before, attaches A's label and asks the trustees to decrypt "A".
// Plain threshold ElGamal cannot tell; TDH2's validity proof binds the field to its label.
#include <ctime>
#include <variant>

#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

// How the trustees are asked: the shipped trustee under the warrant (tdh2 designs: decide(), logged),
// or a trustee that computes its answer under the warrant's scope without the validity check.
struct Asking {
  const schemes::Warrant& warrant;
  bool skip_validity_check = false;
};

// Trustees 1..k answer for `field` presented as `label`; the first refusal's reason otherwise.
std::variant<std::vector<schemes::Answer>, std::string> ask(schemes::Scheme& s, std::span<const uint8_t> field,
                                                            const SessionLabel& label, const Asking& how, Rng& rng) {
  std::vector<schemes::Answer> answers;
  for (uint32_t i = 1; i <= s.threshold(); ++i) {
    auto a = how.skip_validity_check
                 ? s.answer(*PartyIndex::make(i), field, label, how.warrant.scope(), schemes::Conduct::skip_validity_check, rng)
                 : s.answer_request(*PartyIndex::make(i), field, label, how.warrant, rng);
    if (!a) return fmt::format("trustee {} refused: {}", i, a.error().message());
    answers.push_back(std::move(*a));
  }
  return answers;
}

struct Attempt {
  Observation observation;
  std::string how;
};

Attempt launder(schemes::Scheme& s, const StoredSession& a, const StoredSession& b, const Asking& how, Rng& rng) {
  auto mauled = s.maul(b.session.field, a.session.label, rng);
  auto answers = ask(s, mauled->field, a.session.label, how, rng);
  if (auto* why = std::get_if<std::string>(&answers))
    return {observe("session B through a mauled copy", b, fail(ErrorCategory::policy_denied, "", *why)), *why};
  auto key = s.unblind(b.session.field, std::get<0>(answers), mauled->blind,
                       [&](const schemes::SessionKey& k) { return schemes::open(b.session, k).has_value(); });
  auto obs = observe("session B through a mauled copy", b, open_with(b.session, key));
  return {obs, describe(obs)};
}

Attempt label_swap(schemes::Scheme& s, const StoredSession& a, const StoredSession& b, const Asking& how, Rng& rng) {
  const auto swapped = s.relabel(b.session.field, a.session.label);
  auto answers = ask(s, swapped, a.session.label, how, rng);
  if (auto* why = std::get_if<std::string>(&answers))
    return {observe("session B under A's label", b, fail(ErrorCategory::policy_denied, "", *why)), *why};
  auto rec = s.combine(swapped, a.session.label, std::get<0>(answers),
                       [&](const schemes::SessionKey& k) { return schemes::open(b.session, k).has_value(); });
  auto obs = observe("session B under A's label", b, open_recovered(b.session, rec));
  return {obs, describe(obs)};
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("A court authorises session A (alice, day 1). The agency also wants session B (carol to dave,");
  story.say("day 2), which no warrant covers. It re-randomises B's escrow field (u' = u + bG), attaches A's");
  story.say("label and asks the trustees to decrypt it as if it were A; then it removes the blinding b. An");
  story.say("auditor then reads the trustees' logs against the court's register.");
  Court court = Court::make(static_cast<uint64_t>(std::time(nullptr)));
  for (auto name : schemes::names()) {
    progress(o, "warrant-laundering", name);
    auto rng = rng_for(o, "warrant-laundering", name);
    auto scheme = make_scheme(name, o, rng);
    const auto a = make_session(*scheme, "alice", "bob", 1, "A: alice -> bob, covered by the warrant", rng);
    const auto b = make_session(*scheme, "carol", "dave", 2, "B: carol -> dave, no warrant covers this", rng);
    const auto warrant = court.issue({"alice"}, 1, 1, rng);
    if (!scheme->maul(b.session.field, a.session.label, rng)) {
      r.cells.push_back(not_applicable(name, scheme->properties().investigator_keeps_key
                                                 ? "a warrant hands over key material itself (see key-persistence)"
                                                 : "the field has no malleable structure"));
      continue;
    }
    Cell cell{.scheme = std::string(name)};
    // The deployed trustees (a test variant swaps in trustees that skip the validity check).
    const Asking deployed{warrant, o.variant.trustees_skip_validity};
    auto honest = launder(*scheme, a, b, deployed, rng);
    auto skipping = launder(*scheme, a, b, Asking{warrant, true}, rng);
    auto swap = label_swap(*scheme, a, b, deployed, rng);
    if (o.variant.unrelated_unregistered_warrant) {
      // A test variant: another warrant, missing from the register, opens another session through the
      // same trustees, so the auditor flags their logs for something this attack did not do.
      const auto other = make_session(*scheme, "erin", "frank", 3, "erin -> frank: an unrelated case", rng);
      const auto unlisted = court.issue({"erin"}, 3, 3, rng, /*registered=*/false);
      (void)schemes::lawful_open(*scheme, other.session, unlisted, rng);
    }
    const auto audit = audit_logs(*scheme, &court.issued);
    cell.observations = {honest.observation, skipping.observation, swap.observation};
    cell.observations[1].what += " (a trustee that skips the validity check)";
    cell.observations[1].role = Role::comparison;
    // Detected only if the auditor names what this attack did: the warrant it laundered B under,
    // among the warrants whose logged decisions the register lacks. A flag for another reason is
    // reported (logs_flagged) but is not a finding about this attack.
    const bool named = audit.unregistered_warrants.contains(warrant.signed_warrant.hash());
    // Each strategy judged by the same rule as the cell: obtained, and whether the audit named it.
    const Verdict v_skipping = judge(skipping.observation.recovered(), named);
    const Verdict v_swap = judge(swap.observation.recovered(), named);
    cell.verdict = best_for_attacker({judge(honest.observation.recovered(), named), v_swap});
    cell.evidence = fmt::format("{}; label swap: {}; audit against the court's register: {}{}", honest.how, swap.how,
                                audit.summary(), named ? " (names the laundering warrant)" : "");
    cell.metrics = {{"mauled_field_opened", honest.observation.recovered()},
                    {"detection", detection_by_audit(audit, named, "the auditor naming the warrant used, against the court's register")},
                    {"auditor_named_laundering_warrant", named},
                    {"logs_audited", audit.logs}, {"log_entries", audit.entries}, {"logs_flagged", audit.flagged},
                    {"trustees_skipping_validity_check", std::string(to_string(v_skipping))},
                    {"label_swap", std::string(to_string(v_swap))},
                    {"label_swap_detail", swap.how}};
    r.cells.push_back(std::move(cell));
  }
  return r;
}

// The closing paragraph, from the cells: where session B opened as deployed (and whether the audit
// flagged it), where the trustees refused, and where trustees that skip the validity check open it.
std::string closing(const Report& r) {
  const auto skipping_opened = [](const Cell& c) {
    const auto v = c.metrics.value("trustees_skipping_validity_check", std::string());
    return v == "broken" || v == "detected";
  };
  std::string out = fmt::format(
      "In this run, session B (no warrant): {}.\n",
      clauses({{"opened unnoticed under ", designs_with(r, Verdict::broken, "")},
               {"opened and flagged by the auditor under ", designs_with(r, Verdict::detected, "")},
               {"refused by the trustees under ", designs_with(r, Verdict::held, "")}}));
  out += fmt::format("Asked of trustees that skip the validity check, B opened under {}.\n",
                     cells_where(r, skipping_opened));
  return out;
}

}  // namespace

const Attack kWarrantLaundering{"warrant-laundering", "A warrant for one session opens another through a mauled field",
                                "V. Shoup, R. Gennaro, Securing Threshold Cryptosystems against Chosen Ciphertext Attack, EUROCRYPT 1998",
                                run, closing};

}  // namespace doormat::attacks
