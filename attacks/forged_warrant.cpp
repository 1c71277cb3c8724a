// forged-warrant: the trustees obey any warrant a judge's key signs. Steal one judge's key and
// every session of anyone opens, until the key is revoked; a two-judge policy survives one stolen
// key. What is left is the audit: a decision the court never authorised shows up in the trustees'
// logs only where there are logs, and only if someone compares them with the court's register.
#include <algorithm>
#include <ctime>

#include "escrow/pki.hpp"
#include "escrow/warrant.hpp"
#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

// The same warrant and agency key, held to another policy.
schemes::Warrant under(const schemes::Warrant& w, warrant::Policy policy) {
  schemes::Warrant out;
  out.signed_warrant = w.signed_warrant;
  out.policy = std::move(policy);
  out.now = w.now;
  std::ranges::copy(w.agency.expose(), out.agency.expose().begin());
  return out;
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("The court has two judges, Ada and Ben, certified by its root. The court keeps a register of the");
  story.say("warrants it issues. An intruder copies Ada's signing key and writes herself a warrant for");
  story.say("\"victim\", signs it as Ada, and presents it to the trustees. Then Ada's certificate is revoked;");
  story.say("then the trustees require two judges. Finally an auditor reads every trustee's log and compares");
  story.say("the warrants its decisions name with the court's register.");
  const uint64_t now = static_cast<uint64_t>(std::time(nullptr));
  auto rng = rng_for(o, "forged-warrant");
  Court court = Court::make(now);
  const auto ben = pki::appoint_judge(court.root, "Judge Ben", 365).value();
  const auto crl_after = pki::issue_crl(court.root, {court.judge.certificate_pem}, 24, 2).value();
  // The forged warrant: Ada's stolen key signs what the intruder wrote; the court never issued it.
  schemes::Warrant forged;
  forged.policy = court.policy(1);
  forged.now = now;
  {
    auto& w = forged.signed_warrant.warrant;
    rng.fill(w.id);
    w.case_reference = "2026-CR-0042";
    w.court = "District Court";
    w.targets = {"victim"};
    w.window_start = kDay0;
    w.window_end = kDay0 + 60 * kDay;
    w.max_sessions = 100;
    w.not_after = now + 30 * kDay;
    forged.agency = agency_key(w, rng);
    const pki::Credential stolen{court.judge.certificate_pem, court.judge.private_key_pem};  // the copy
    if (auto s = warrant::add_signature(forged.signed_warrant, stolen); !s) throw std::runtime_error(s.error().message());
  }
  if (o.variant.register_lists_forged) court.issued.insert(forged.signed_warrant.hash());  // a test variant
  const auto revoked = under(forged, {court.root.certificate_pem, crl_after, 1});
  const auto two_judges = under(forged, court.policy(2));
  (void)ben;  // Ben signs nothing: the two-judge policy wants a second judge the intruder does not have

  for (auto name : schemes::names()) {
    progress(o, "forged-warrant", name);
    auto srng = rng_for(o, "forged-warrant", name);
    auto scheme = make_scheme(name, o, srng);
    const auto victim = make_session(*scheme, "victim", "friend", 3, "victim -> friend: never named by any court", srng);
    const auto alice = make_session(*scheme, "alice", "bob", 3, "alice -> bob: the lawful case", srng);
    Cell cell{.scheme = std::string(name)};
    // The lawful case first: a registered warrant, so the logs hold a decision the register knows.
    const auto legit = court.issue({"alice"}, 0, 60, srng, /*registered=*/!o.variant.lawful_warrant_unregistered);
    const auto lawful = schemes::lawful_open(*scheme, alice.session, legit, srng);
    // The trustees answer the forged warrant as they answer any: tdh2's through decide() and its log.
    auto got = schemes::lawful_open(*scheme, victim.session, forged, srng);
    cell.observations.push_back(observe("victim's session with the forged warrant", victim, got));
    auto after = schemes::lawful_open(*scheme, victim.session, revoked, srng);
    cell.observations.push_back(observe("the same after Ada's revocation", victim, after));
    auto two = schemes::lawful_open(*scheme, victim.session, two_judges, srng);
    cell.observations.push_back(observe("the same under a two-judge policy", victim, two));
    cell.observations.push_back(observe("alice's session with the court's own warrant", alice, lawful));
    // The verdict is about the deployed policy (one judge, no revocation); the other two are shown beside it.
    cell.observations[1].role = cell.observations[2].role = Role::comparison;
    cell.observations[3].role = Role::control;
    // The audit: the auditor's own code on whatever logs the trustees wrote in this run.
    const auto audit = audit_logs(*scheme, &court.issued);
    const bool opened = cell.observations[0].recovered();
    // Detected only if the auditor names the forged warrant itself; a flag for another reason (another
    // warrant missing from the register, a failed check) is not a finding about this attack.
    const bool named = audit.unregistered_warrants.contains(forged.signed_warrant.hash());
    cell.verdict = judge(opened, named);
    cell.evidence = fmt::format("{}; after revocation: {}; two-judge policy: {}; audit against the court's register: {}",
                                describe(cell.observations[0]), after ? "opened" : after.error().detail,
                                two ? "opened" : two.error().detail, audit.summary());
    cell.metrics = {{"forged_opened", opened}, {"after_revocation_opened", cell.observations[1].recovered()},
                    {"two_judge_policy_opened", cell.observations[2].recovered()},
                    {"lawful_opened", cell.observations[3].recovered()},
                    {"logs_audited", audit.logs}, {"log_entries", audit.entries}, {"logs_flagged", audit.flagged},
                    {"entries_with_unregistered_warrant", audit.unregistered_decisions},
                    {"auditor_named_forged_warrant", named},
                    {"detection", detection_by_audit(audit, named, "the auditor naming the forged warrant, against the court's register")}};
    r.cells.push_back(std::move(cell));
  }
  return r;
}

// The closing paragraph, from the cells: where the forged warrant opened the victim's session, where
// the auditor's comparison with the register flagged it, and what revocation and two judges changed.
std::string closing(const Report& r) {
  const auto metric = [](const char* key) { return [key](const Cell& c) { return c.metrics.value(key, false); }; };
  std::string out = fmt::format("In this run the forged warrant opened the victim's session under {}.\n",
                                cells_where(r, metric("forged_opened")));
  out += fmt::format("The auditor, comparing the trustees' logs with the court's register: {}.\n",
                     clauses({{"flagged it under ", designs_with(r, Verdict::detected, "")},
                              {"saw nothing under ", designs_with(r, Verdict::broken, "")},
                              {"nothing to see (the forged warrant opened nothing) under ", designs_with(r, Verdict::held, "")}}));
  out += fmt::format("After Ada's revocation it opened the session under {}; under a two-judge policy, under {}.\n",
                     cells_where(r, metric("after_revocation_opened")), cells_where(r, metric("two_judge_policy_opened")));
  return out;
}

}  // namespace

const Attack kForgedWarrant{"forged-warrant", "A stolen judge key signs warrants the trustees obey",
                            "Keys Under Doormats (Abelson et al. 2015), §3; the 2011 DigiNotar CA compromise as the analogue", run, closing};

}  // namespace doormat::attacks
