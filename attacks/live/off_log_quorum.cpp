// live-off-log-quorum: k trustees' state files and passphrases copied while the trustees keep
// serving (their operators, or a thief inside the machines), and used off the log: every session
// in the mailbox opened without one request. The trustees are audited live, before and after.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "scenarios.hpp"
#include "support.hpp"

namespace doormat::attacks::live {

namespace {

// The test variant's decryption: the same sessions asked of the trustees under a warrant the court
// issues on every user of the mailbox, so each trustee decides and logs each one.
std::map<int64_t, std::optional<std::string>> through_trustees(const Scene& s, const std::string& work) {
  std::set<std::string> users;
  uint64_t first = UINT64_MAX, last = 0;
  for (const auto& m : s.truth.messages) {
    users.insert(m.sender), users.insert(m.recipient);
    first = std::min(first, m.time), last = std::max(last, m.time);
  }
  std::vector<std::string> issue = {"court", "issue", "--dir", "court", "--judge", "jane", "--case", "LIVE-OFF-LOG-VARIANT", "--from",
                                    std::to_string(first), "--to", std::to_string(last), "--max-sessions", "100", "--agency", "agency.pub",
                                    "--out", work + "/warrant.bin"};
  for (const auto& u : users) issue.insert(issue.end(), {"--target", u});
  const auto issued = authority_cmd(s.dir, s.bin, issue);
  if (issued.status != 0) setup_error("court issue exited " + std::to_string(issued.status) + ": " + issued.err);
  return investigate(s.dir, s.bin, work + "/warrant.bin", "agency.key").plaintexts;
}

}  // namespace

Report off_log_quorum(const Scene& s) {
  Report r;
  r.attack = "live-off-log-quorum";
  r.title = fmt::format("A quorum decrypts off the log: {} trustees' files copied while they serve (live deployment)", s.truth.k);
  const AuditResult before = audit(s.dir, s.bin);
  // Copied from the live folders, the trustees running (SQLite's WAL copied beside the file).
  TempDir loot_dir("doormat-offlog");
  std::vector<escrow::tdh2::KeyShare> shares;
  std::string who;
  for (unsigned i = 1; i <= s.truth.k; ++i) {
    shares.push_back(share_of(steal(s.dir, loot_dir.path, i, true)));
    if (!who.empty()) who += ',';
    who += std::to_string(i);
  }
  // The test variant makes the same quorum ask its trustees instead (the logs then hold every read).
  const bool asked = s.options.variant.off_log_through_trustees;
  const auto obs = observe(s.truth, asked ? through_trustees(s, loot_dir.path) : open_mailbox(s.box, s.pk, shares, s.rng));
  const std::size_t got = recovered(obs);
  const AuditResult after = audit(s.dir, s.bin);
  // Flagged only if the real auditor saw something in this run: a log inconsistent with the head
  // it held, or sessions opened that moved while the attack ran.
  const bool moved = after.sessions_opened != before.sessions_opened;
  const bool flagged = !after.consistent || moved;
  const auto seen = Detection::checked(flagged, "escrow-authority audit against the live trustees, before and after (consistency, sessions opened)");
  const bool all = got == obs.size() && !obs.empty();
  const bool serving = before.all_reachable && after.all_reachable;
  Cell c{std::string(kScheme), seen.verdict(all),
         fmt::format("{} of {} mailbox sessions opened {} trustees {}'s shares, copied while they served; the live audit after: "
                     "logs {}, {} trustees reachable, sessions opened in the logs {} before and {} after",
                     got, obs.size(), asked ? "by asking (test variant: through the trustees) the holders of" : "with", who,
                     after.consistent ? "consistent" : "INCONSISTENT", serving ? "all" : "NOT all", before.sessions_opened,
                     after.sessions_opened),
         {{"sessions_in_mailbox", s.box.size()},
          {"sessions_recovered", got},
          {"shares_used", shares.size()},
          {"k", s.truth.k},
          {"trustees_kept_serving", serving},
          {"audit_consistent_after", after.consistent},
          {"audit_status_after", after.status},
          {"audit_sessions_opened_before", before.sessions_opened},
          {"audit_sessions_opened_after", after.sessions_opened},
          {"detection", seen.to_json()},
          {"settings", {{"decrypted_through_trustees", asked}}}},
         obs};
  // Each sentence follows this run's results.
  const std::string how =
      asked ? "The test variant makes them ask their trustees instead (a warrant from the court on every user, `investigate`), as shares "
              "that cannot leave a trustee would force"
            : "They decrypt with the shares alone: no request reaches any trustee";
  const std::string audit_saw =
      !after.consistent ? "reports a log INCONSISTENT with the head it held"
      : moved           ? fmt::format("reports the logs consistent, and the sessions opened in them moved from {} to {}: the reads are on the "
                                      "record", before.sessions_opened, after.sessions_opened)
                        : fmt::format("reports the logs consistent and {} sessions opened both before and after: nothing of the attack is in "
                                      "any log", after.sessions_opened);
  const std::string lesson =
      all && !flagged ? "A decryption that never asks a trustee is in no log; the audit can only vouch for what the trustees were asked."
      : all           ? "The reads were recorded because they went through the trustees; shares used outside them would not be."
                      : "The quorum did not open every session, so the run shows no mass decryption.";
  r.narrative = fmt::format(
      "Trustees {} keep serving; their operators (or whoever is inside those machines) copy each one's state.db and passphrase "
      "as it runs and open the shares with the trustee's own at-rest code. {}. {} of {} sessions open{} (k = {}). The real "
      "auditor, run against the live trustees before and after, {}{}. {}",
      who, how, got, obs.size(), all ? ", byte for byte the ground truth" : "", s.truth.k, audit_saw,
      serving ? "" : " (NOT every trustee was reachable)", lesson);
  r.numbers = {{"sessions_recovered", got}, {"audit_sessions_opened_after", after.sessions_opened}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace doormat::attacks::live
