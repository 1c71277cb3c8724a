// live-off-log-quorum: k trustees' state files and passphrases copied while the trustees keep
// serving (their operators, or a thief inside the machines), and used off the log: every session
// in the mailbox opened without one request. The trustees are audited live, before and after.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "scenarios.hpp"
#include "support.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The test variants' decryption: the same sessions asked of the trustees under a warrant on every user
// of the mailbox, so each trustee decides and logs each one. `registered`: the real court issues it
// (and enters it in its register), as for a lawful read; otherwise it is signed with judge jane's key
// in a folder of the quorum's own, so the court's register lacks it. Returns the warrant's hash.
std::string through_trustees(const Scene& s, const std::string& work, bool registered,
                             std::map<int64_t, std::optional<std::string>>& plaintexts) {
  std::set<std::string> users;
  uint64_t first = UINT64_MAX, last = 0;
  for (const auto& m : s.truth.messages) {
    users.insert(m.sender), users.insert(m.recipient);
    first = std::min(first, m.time), last = std::max(last, m.time);
  }
  std::string where = s.dir;
  if (!registered) {
    where = work + "/forger";
    const std::string court = s.dir + "/court";
    fs::create_directories(where + "/court/judges");
    for (const char* f : {"root.pem", "crl.pem"}) fs::copy_file(court + "/" + f, where + "/court/" + f);
    for (const char* ext : {".pem", ".key"}) fs::copy_file(court + "/judges/jane" + std::string(ext), where + "/court/judges/jane" + ext);
  }
  std::vector<std::string> issue = {"court", "issue", "--dir", "court", "--judge", "jane", "--case",
                                    registered ? "LIVE-OFF-LOG-REGISTERED" : "LIVE-OFF-LOG-UNREGISTERED", "--from", std::to_string(first),
                                    "--to", std::to_string(last), "--max-sessions", "100", "--agency", s.dir + "/agency.pub", "--out",
                                    work + "/warrant.bin", "--json"};
  for (const auto& u : users) issue.insert(issue.end(), {"--target", u});
  const auto issued = authority_cmd(where, s.bin, issue);
  if (issued.status != 0) setup_error("court issue exited " + std::to_string(issued.status) + ": " + issued.err);
  plaintexts = investigate(s.dir, s.bin, work + "/warrant.bin", "agency.key").plaintexts;
  return nlohmann::json::parse(issued.out).at("hash").get<std::string>();
}

}  // namespace

Report off_log_quorum(const Scene& s) {
  Report r;
  r.attack = "live-off-log-quorum";
  r.title = fmt::format("A quorum decrypts off the log: {} trustees' files copied while they serve (live deployment)", s.truth.k);
  // Copied from the live folders, the trustees running (SQLite's WAL copied beside the file).
  TempDir loot_dir("doormat-offlog");
  std::vector<escrow::tdh2::KeyShare> shares;
  std::string who;
  for (unsigned i = 1; i <= s.truth.k; ++i) {
    shares.push_back(share_of(steal(s.dir, loot_dir.path, i, true)));
    if (!who.empty()) who += ',';
    who += std::to_string(i);
  }
  // The test variants make the same quorum ask its trustees instead (the logs then hold every read):
  // under a warrant the court's register lacks, or one the real court issued and registered.
  const auto& v = s.options.variant;
  const bool asked = v.off_log_through_trustees || v.off_log_registered_warrant;
  const std::string court_register = s.dir + "/court/register.jsonl";
  const bool have_register = fs::exists(court_register);
  // The auditor as a careful auditor runs it: holding the logs to its recorded heads and, when the
  // court keeps one, to the court's register.
  const AuditResult before = audit(s.dir, s.bin, have_register ? court_register : "");
  if (!before.consistent) setup_error("the logs are not consistent before the attack: " + before.raw.dump());
  std::map<int64_t, std::optional<std::string>> plaintexts;
  std::string warrant;
  if (asked) warrant = through_trustees(s, loot_dir.path, v.off_log_registered_warrant, plaintexts);
  else plaintexts = open_mailbox(s.box, s.pk, shares, s.rng);
  const auto obs = observe(s.truth, plaintexts);
  const std::size_t got = recovered(obs);
  const AuditResult after = audit(s.dir, s.bin, have_register ? court_register : "");
  // Flagged only on a finding of the auditor's that this run caused: a log inconsistent with the head
  // it held (exit 3), or a warrant that opened sessions and the register lacks (exit 6) which it did not
  // already name before the attack (earlier runs' forged warrants stay in the logs). A count of
  // sessions opened that moves is no finding: every lawful read moves it too.
  std::vector<std::string> new_unregistered;
  for (const auto& w : after.unregistered)
    if (std::find(before.unregistered.begin(), before.unregistered.end(), w) == before.unregistered.end()) new_unregistered.push_back(w);
  const bool moved = after.sessions_opened != before.sessions_opened;
  const bool flagged = !after.consistent || !new_unregistered.empty();
  const auto seen = Detection::checked(
      flagged, have_register ? "escrow-authority audit --register court/register.jsonl against the live trustees, before and after (a log "
                               "inconsistent with its recorded head; a warrant that opened sessions and the register lacks)"
                             : "escrow-authority audit against the live trustees, before and after (a log inconsistent with its recorded "
                               "head; the court keeps no register to hold warrants to)");
  const bool all = got == obs.size() && !obs.empty();
  const bool serving = before.all_reachable && after.all_reachable;
  const std::string how_asked = !asked ? "with"
                                : v.off_log_registered_warrant
                                    ? "by asking (test variant: through the trustees, under a warrant the court issued and registered) the holders of"
                                    : "by asking (test variant: through the trustees, under a warrant the court's register lacks) the holders of";
  Cell c{std::string(kScheme), seen.verdict(got > 0),
         fmt::format("{} of {} mailbox sessions opened {} trustees {}'s shares, copied while they served; the live audit after: "
                     "logs {}, {} trustees reachable, sessions opened in the logs {} before and {} after, {} new unregistered warrant(s) "
                     "(exit {}); {}",
                     got, obs.size(), how_asked, who, after.consistent ? "consistent" : "INCONSISTENT", serving ? "all" : "NOT all",
                     before.sessions_opened, after.sessions_opened, new_unregistered.size(), after.status,
                     flagged ? seen.text() : moved ? "on the record, not flagged" : seen.text()),
         {{"sessions_in_mailbox", s.box.size()},
          {"sessions_recovered", got},
          {"all_sessions_recovered", all},
          {"shares_used", shares.size()},
          {"k", s.truth.k},
          {"trustees_kept_serving", serving},
          {"audit_consistent_after", after.consistent},
          {"audit_status_before", before.status},
          {"audit_status_after", after.status},
          {"audit_register_checked", after.register_checked},
          {"audit_new_unregistered_warrants", new_unregistered},
          {"audit_sessions_opened_before", before.sessions_opened},
          {"audit_sessions_opened_after", after.sessions_opened},
          {"warrant", asked ? json(warrant) : json(nullptr)},
          {"detection", seen.to_json()},
          {"settings",
           {{"decrypted_through_trustees", asked},
            {"variant_off_log_through_trustees", v.off_log_through_trustees},
            {"variant_off_log_registered_warrant", v.off_log_registered_warrant}}}},
         obs};
  // Each sentence follows this run's results.
  const std::string how =
      !asked ? "They decrypt with the shares alone: no request reaches any trustee"
      : v.off_log_registered_warrant
          ? "The test variant makes them ask their trustees instead (`investigate`), under a warrant on every user that the real court "
            "issues and enters in its register, as a lawful read would be"
          : "The test variant makes them ask their trustees instead (`investigate`), as shares that cannot leave a trustee would force, "
            "under a warrant on every user signed with judge jane's key in a folder of their own, so the court's register lacks it";
  const std::string audit_saw =
      !after.consistent ? "reports a log INCONSISTENT with the head it held"
      : !new_unregistered.empty()
          ? fmt::format("names {} warrant(s) that opened sessions and the court's register lacks (exit {}); the sessions opened in the logs "
                        "moved from {} to {}",
                        new_unregistered.size(), after.status, before.sessions_opened, after.sessions_opened)
      : moved ? fmt::format("reports the logs consistent and flags nothing; the sessions opened in them moved from {} to {}: the reads are "
                            "on the record, not flagged (a count that moves is what any lawful read does)",
                            before.sessions_opened, after.sessions_opened)
              : fmt::format("reports the logs consistent and {} sessions opened both before and after: nothing of the attack is in any log",
                            after.sessions_opened);
  const std::string lesson =
      got == 0  ? "The quorum opened nothing in this run."
      : flagged ? "The reads were flagged because they went through the trustees under a warrant the register lacks; shares used outside "
                  "the trustees would not be."
      : moved   ? "The reads are in the logs but look like lawful ones: the auditor flags nothing."
                : "A decryption that never asks a trustee is in no log; the audit can only vouch for what the trustees were asked.";
  r.narrative = fmt::format(
      "Trustees {} keep serving; their operators (or whoever is inside those machines) copy each one's state.db and passphrase "
      "as it runs and open the shares with the trustee's own at-rest code. {}. {} of {} sessions open{} (k = {}). The real "
      "auditor, run against the live trustees before and after{}, {}{}. {}",
      who, how, got, obs.size(), all ? ", byte for byte the ground truth" : "", s.truth.k,
      have_register ? " with the court's register" : " (the court keeps no register)", audit_saw,
      serving ? "" : " (NOT every trustee was reachable)", lesson);
  r.numbers = {{"sessions_recovered", got}, {"audit_sessions_opened_after", after.sessions_opened}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace doormat::attacks::live
