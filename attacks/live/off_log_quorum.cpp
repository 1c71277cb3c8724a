// live-off-log-quorum: k trustees' state files and passphrases copied while the trustees keep
// serving (their operators, or a thief inside the machines), and used off the log: every session
// in the mailbox opened without one request. The trustees are audited live, before and after.
#include <fmt/format.h>

#include "scenarios.hpp"
#include "support.hpp"

namespace doormat::attacks::live {

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
  const auto obs = observe(s.truth, open_mailbox(s.box, s.pk, shares, s.rng));
  const std::size_t got = recovered(obs);
  const AuditResult after = audit(s.dir, s.bin);
  // Flagged only if the real auditor saw something in this run: a log inconsistent with the head
  // it held, or sessions opened that moved while the attack ran.
  const bool flagged = !after.consistent || after.sessions_opened != before.sessions_opened;
  const bool all = got == obs.size() && !obs.empty();
  const bool serving = before.all_reachable && after.all_reachable;
  Cell c{std::string(kScheme), judge(all, flagged),
         fmt::format("{} of {} mailbox sessions opened with trustees {}'s shares, copied while they served; the live audit after: "
                     "logs {}, {} trustees reachable, sessions opened in the logs {} before and {} after",
                     got, obs.size(), who, after.consistent ? "consistent" : "INCONSISTENT", serving ? "all" : "NOT all",
                     before.sessions_opened, after.sessions_opened),
         {{"sessions_in_mailbox", s.box.size()},
          {"sessions_recovered", got},
          {"shares_used", shares.size()},
          {"k", s.truth.k},
          {"trustees_kept_serving", serving},
          {"audit_consistent_after", after.consistent},
          {"audit_status_after", after.status},
          {"audit_sessions_opened_before", before.sessions_opened},
          {"audit_sessions_opened_after", after.sessions_opened}},
         obs};
  r.narrative = fmt::format(
      "Trustees {} keep serving; their operators (or whoever is inside those machines) copy each one's state.db and passphrase "
      "as it runs, open the shares with the trustee's own at-rest code, and decrypt the provider's mailbox between them: {} of {} "
      "sessions, byte for byte the ground truth (k = {}). No request reaches any trustee. The real auditor, run against the live "
      "trustees before and after, reports the logs {} and {} sessions opened both times ({} before). A decryption that never asks "
      "a trustee is in no log; the audit can only vouch for what the trustees were asked.",
      who, got, obs.size(), s.truth.k, after.consistent ? "consistent" : "INCONSISTENT", after.sessions_opened, before.sessions_opened);
  r.numbers = {{"sessions_recovered", got}, {"audit_sessions_opened_after", after.sessions_opened}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace doormat::attacks::live
