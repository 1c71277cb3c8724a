// live-crl-rollback: the court revokes a judge with its own commands (`court revoke`, a new CRL
// with the next number); the attacker keeps the CRL from before and copies it back over the file
// the trustees read (court/crl.pem, the path their state records), then asks with the revoked
// judge's warrant. Each trustee remembers the newest CRL number it accepted (SPEC §10.4) and
// refuses an older one. Held or broken from the sessions the trustees opened in this run.
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <filesystem>
#include <set>

#include "escrow/wire.hpp"
#include "files.hpp"
#include "scenarios.hpp"
#include "support.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The trustees' reasons, each once: "trustee 3: ..." without the trustee.
std::string reasons(const std::vector<std::string>& refusals) {
  std::set<std::string> distinct;
  for (const auto& r : refusals) distinct.insert(r.find(": ") == std::string::npos ? r : r.substr(r.find(": ") + 2));
  return distinct.empty() ? std::string("none") : fmt::format("{}", fmt::join(distinct, "; "));
}

// What the trustees' replies say about the CRL they held: the refusals that cite "judicial CRL number
// OLD is older than CRL number HELD, already accepted" (lib/pki), and the highest HELD among them.
struct CrlCited {
  std::size_t refusals = 0;
  std::optional<uint64_t> held, copied_back;
};
CrlCited crl_numbers_cited(const std::vector<std::string>& refusals) {
  static const std::regex cited(R"(judicial CRL number (\d+) is older than CRL number (\d+), already accepted)");
  CrlCited c;
  for (const auto& r : refusals) {
    std::smatch m;
    if (!std::regex_search(r, m, cited)) continue;
    ++c.refusals;
    const uint64_t old_number = std::stoull(m[1].str()), held = std::stoull(m[2].str());
    c.copied_back = old_number;
    c.held = std::max(c.held.value_or(0), held);
  }
  return c;
}

}  // namespace

Report crl_rollback(const Scene& s) {
  Report r;
  r.attack = "live-crl-rollback";
  r.title = "A CRL from before a revocation copied back (live deployment)";
  const std::string crl_path = s.dir + "/court/crl.pem";
  TempDir work("doormat-crl");
  auto court = [&](const std::vector<std::string>& args) {
    const auto out = authority_cmd(s.dir, s.bin, args);
    if (out.status != 0) setup_error(fmt::format("escrow-authority {} {} exited {}: {}", args[0], args[1], out.status, out.err));
  };
  // A judge of this run's own (a later run revokes another), and a lawful warrant it signs.
  std::array<uint8_t, 4> tag{};
  randombytes_buf(tag.data(), tag.size());
  const std::string judge_name = "live-" + escrow::wire::to_hex(tag), warrant = work.path + "/warrant.bin";
  uint64_t first = UINT64_MAX, last = 0;
  for (const auto& m : s.truth.messages) first = std::min(first, m.time), last = std::max(last, m.time);
  court({"court", "appoint", "--dir", "court", "--judge", judge_name});
  court({"court", "issue", "--dir", "court", "--judge", judge_name, "--case", "LIVE-CRL-" + escrow::wire::to_hex(tag), "--target", "bob", "--from",
         std::to_string(first), "--to", std::to_string(last), "--max-sessions", "100", "--agency", "agency.pub", "--out", warrant});
  const Investigation lawful = investigate(s.dir, s.bin, warrant, "agency.key");
  const std::size_t lawful_got = recovered(observe(s.truth, lawful.plaintexts));

  const std::string old_crl = must(files::read_text(crl_path), "the court's CRL");
  court({"court", "revoke", "--dir", "court", "--judge", judge_name});
  const std::string new_crl = must(files::read_text(crl_path), "the court's new CRL");
  // Asked once with the new CRL in place: the trustees read it, refuse the judge, raise their floor.
  // (The test variant skips this: no trustee has read the new CRL when the old one comes back.)
  std::optional<std::size_t> revoked_got;
  if (!s.options.variant.crl_unseen) revoked_got = recovered(observe(s.truth, investigate(s.dir, s.bin, warrant, "agency.key").plaintexts));
  // The revocation must have worked before a rollback can be tested against it.
  if (revoked_got && *revoked_got > 0)
    setup_error(fmt::format("the revoked judge's warrant still opened {} sessions with the new CRL in place: the revocation did not take", *revoked_got));
  const std::string after_revocation = revoked_got ? std::to_string(*revoked_got) : std::string("(not asked)");

  // The attack: the old CRL back where the trustees read it, the same request again.
  must(files::write_text(crl_path, old_crl), "copying the old CRL back");
  const Investigation rolled = investigate(s.dir, s.bin, warrant, "agency.key");
  must(files::write_text(crl_path, new_crl), "putting the court's current CRL back");
  const auto obs = observe(s.truth, rolled.plaintexts);
  const std::size_t got = recovered(obs);

  if (lawful_got == 0) setup_error("the judge's warrant opened nothing before the revocation: nothing to protect");
  const std::string said = reasons(rolled.refusals);
  if (got == 0 && said.find("CRL number") == std::string::npos)
    setup_error("nothing opened with the old CRL, but no trustee refused it for its CRL number: " + said);
  // Observed, not the variant's setting: did any trustee's reply show it held a newer CRL than the one copied back?
  const CrlCited cited = crl_numbers_cited(rolled.refusals);
  const bool new_crl_read = cited.held && cited.copied_back && *cited.held > *cited.copied_back;
  // The trustees' refusals are this scenario's only check; nothing in it audits a rollback that worked.
  const auto seen = Detection::not_observable("the scenario runs no auditor; a trustee that accepts the old CRL reports nothing");
  Cell c{std::string(kScheme), seen.verdict(got > 0),
         fmt::format("judge {}'s warrant: {} sessions opened before the revocation, {} after it, {} with the old CRL copied back; "
                     "the trustees' replies: {}",
                     judge_name, lawful_got, after_revocation, got, reasons(rolled.refusals)) +
             (got > 0 ? "; " + seen.text() : ""),
         {{"sessions_opened_before_revocation", lawful_got},
          {"sessions_opened_after_revocation", revoked_got ? json(*revoked_got) : json(nullptr)},
          {"new_crl_read_before_rollback", new_crl_read},
          {"refusals_citing_newer_crl", cited.refusals},
          {"crl_number_trustees_held", cited.held ? json(*cited.held) : json(nullptr)},
          {"crl_number_copied_back", cited.copied_back ? json(*cited.copied_back) : json(nullptr)},
          {"detection", seen.to_json()},
          {"settings", {{"asked_between_revocation_and_rollback", revoked_got.has_value()}}},
          {"sessions_recovered", got},
          {"refusals_with_old_crl", rolled.refusals.size()},
          {"trustees", s.truth.n}},
         obs};
  r.narrative = fmt::format(
      "The court appoints judge {0}, who signs a warrant on bob; it opens {1} sessions. The court then revokes {0} (`court revoke`: "
      "a new CRL, the next number); {2}. The attacker kept the CRL from before the revocation and copies it back over "
      "court/crl.pem, the file the trustees read on each request, then sends the same request: {3} sessions open; the trustees "
      "reply: {4}. {5}",
      judge_name, lawful_got,
      revoked_got ? fmt::format("asked again, the trustees open {} sessions", *revoked_got)
                  : std::string("no request is sent between the revocation and the rollback (the test variant), so no trustee reads the new CRL"),
      got, said,
      got == 0 && new_crl_read
          ? fmt::format("The trustees' replies show they held CRL number {} and refused the older {} (SPEC §10.4's floor). What this does "
                        "not cover: a trustee that never read the new CRL before the old one came back never learnt the revocation.",
                        *cited.held, *cited.copied_back)
      : got == 0 ? "Nothing opened, but no reply cites a newer CRL number: the refusal is not the floor's."
      : new_crl_read ? "The revoked judge's warrant opens again although some trustee's reply cites the newer CRL."
                     : "The revoked judge's warrant opens again, and no trustee's reply cites a CRL newer than the one copied back: the old "
                       "one is the newest they know (SPEC §10.4's floor only protects a revocation a trustee has read).");
  r.numbers = {{"sessions_recovered", got}, {"sessions_opened_before_revocation", lawful_got}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace doormat::attacks::live
