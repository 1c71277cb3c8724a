// forged-warrant: the trustees obey any warrant a judge's key signs. Steal one judge's key and
// every session of anyone opens, until the key is revoked; a two-judge policy survives one stolen
// key. What is left is the audit: a decision the court never authorised shows up in the trustees'
// logs only where there are logs, and only if someone compares them with the court's register.
#include <ctime>

#include "escrow/pki.hpp"
#include "escrow/translog.hpp"
#include "escrow/warrant.hpp"
#include "registry.hpp"
#include "support.hpp"

namespace doormat::attacks {
namespace {
using namespace escrow;

struct Court {
  pki::Credential root, ada, ben;
  std::vector<std::array<uint8_t, 32>> register_of_warrants;  // what the court really issued
};

warrant::SignedWarrant draft(const std::vector<std::string>& targets, Rng& rng, uint64_t now) {
  warrant::SignedWarrant sw;
  rng.fill(sw.warrant.id);
  sw.warrant.case_reference = "2026-CR-0042";
  sw.warrant.court = "District Court";
  sw.warrant.targets = targets;
  sw.warrant.window_start = kDay0;
  sw.warrant.window_end = kDay0 + 60 * kDay;
  sw.warrant.max_sessions = 100;
  sw.warrant.not_after = now + 30 * kDay;
  return sw;
}

// Every trustee checks the warrant against its policy, then answers inside the warrant's scope.
Result<SecureBytes> obey(const schemes::Scheme& scheme, const StoredSession& s, const warrant::SignedWarrant& sw,
                         const warrant::Policy& policy, uint64_t now, Rng& rng) {
  auto ok = warrant::verify(sw, policy, now);
  if (!ok) return escrow::unexpected(ok.error());
  const schemes::Scope sc{sw.warrant.targets, sw.warrant.window_start, sw.warrant.window_end};
  return schemes::lawful_open(scheme, s.session, sc, rng);
}

Report run(const Options& o) {
  Report r;
  Story story(r);
  story.say("The court has two judges, Ada and Ben, certified by its root. The court keeps a register of the");
  story.say("warrants it issues. An intruder copies Ada's signing key and writes herself a warrant for");
  story.say("\"victim\", signs it as Ada, and presents it to the trustees. Then Ada's certificate is revoked;");
  story.say("then the trustees require two judges. Finally an auditor compares the trustees' logs with the register.");
  const uint64_t now = static_cast<uint64_t>(std::time(nullptr));
  Court court{pki::create_root("Doormat attack court root", 365).value(), {}, {}, {}};
  court.ada = pki::appoint_judge(court.root, "Judge Ada", 365).value();
  court.ben = pki::appoint_judge(court.root, "Judge Ben", 365).value();
  const auto fresh_crl = pki::issue_crl(court.root, {}, 24).value();
  const auto crl_after = pki::issue_crl(court.root, {court.ada.certificate_pem}, 24).value();
  auto rng = rng_for(o, "forged-warrant");
  auto legit = draft({"alice"}, rng, now);
  (void)warrant::add_signature(legit, court.ada);
  court.register_of_warrants.push_back(legit.hash());
  auto forged = draft({"victim"}, rng, now);
  const pki::Credential stolen{court.ada.certificate_pem, court.ada.private_key_pem};  // the copy
  if (auto s = warrant::add_signature(forged, stolen); !s) throw std::runtime_error(s.error().message());
  const warrant::Policy one_judge{court.root.certificate_pem, fresh_crl, 1};
  const warrant::Policy revoked{court.root.certificate_pem, crl_after, 1};
  const warrant::Policy two_judges{court.root.certificate_pem, fresh_crl, 2};

  for (auto name : schemes::names()) {
    progress(o, "forged-warrant", name);
    auto srng = rng_for(o, "forged-warrant", name);
    auto scheme = make_scheme(name, o, srng);
    const auto victim = make_session(*scheme, "victim", "friend", 3, "victim -> friend: never named by any court", srng);
    (void)make_session(*scheme, "alice", "bob", 3, "alice -> bob: the lawful case", srng);
    Cell cell{.scheme = std::string(name)};
    auto got = obey(*scheme, victim, forged, one_judge, now, srng);
    cell.observations.push_back(observe("victim's session with the forged warrant", victim, got));
    auto after = obey(*scheme, victim, forged, revoked, now, srng);
    cell.observations.push_back(observe("the same after Ada's revocation", victim, after));
    auto two = obey(*scheme, victim, forged, two_judges, now, srng);
    cell.observations.push_back(observe("the same under a two-judge policy", victim, two));
    // The audit: designs with logs record (warrant hash, field hash, decision) for every answer.
    std::size_t unknown_warrants = 0, logged = 0;
    if (scheme->properties().audit_log && got) {
      translog::Entry entry;  // the decision each trustee logged for the forged request
      entry.time = now;
      entry.warrant_hash = forged.hash();
      entry.reason = "issued";
      ++logged;
      const auto& reg = court.register_of_warrants;
      if (std::find(reg.begin(), reg.end(), entry.warrant_hash) == reg.end()) ++unknown_warrants;
    }
    const bool opened = cell.observations[0].recovered();
    cell.verdict = !opened ? Verdict::held : unknown_warrants ? Verdict::detected : Verdict::broken;
    cell.evidence = fmt::format("{}; after revocation: {}; two-judge policy: {}; audit: {}", describe(cell.observations[0]),
                                after ? "opened" : after.error().detail, two ? "opened" : two.error().detail,
                                scheme->properties().audit_log
                                    ? fmt::format("{} logged decision(s) name a warrant missing from the court's register", unknown_warrants)
                                    : std::string("no log: nothing to compare"));
    cell.metrics = {{"forged_opened", opened}, {"after_revocation_opened", cell.observations[1].recovered()},
                    {"two_judge_policy_opened", cell.observations[2].recovered()},
                    {"log_entries", logged}, {"entries_with_unregistered_warrant", unknown_warrants}};
    r.cells.push_back(std::move(cell));
  }
  story.say("A stolen judge key is a master key for every design: the cryptography below it cannot tell a forged");
  story.say("warrant from a real one. Revocation and a two-judge policy stop it; a log only tells you afterwards.");
  return r;
}

}  // namespace

const Attack kForgedWarrant{"forged-warrant", "A stolen judge key signs warrants the trustees obey",
                            "Keys Under Doormats (Abelson et al. 2015), §3; the 2011 DigiNotar CA compromise as the analogue", run};

}  // namespace doormat::attacks
