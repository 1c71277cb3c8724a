// live-stolen-judge-key: the attacker holds judge jane's private key (court/judges/jane.key) and
// signs, with the court's own `court issue` in a folder of its own, a warrant on every user for
// its own agency key. The real court never issued it, so it is not in the court's register
// (court/register.jsonl); every trustee accepts it, since the signature and the chain are good.
// Detected only if the real auditor, given the register, names this warrant in this run.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "escrow/wire.hpp"
#include "files.hpp"
#include "scenarios.hpp"
#include "support.hpp"
#include "warrant_register.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
namespace warrant_register = authority::warrant_register;
using nlohmann::json;

Report stolen_judge_key(const Scene& s) {
  Report r;
  r.attack = "live-stolen-judge-key";
  r.title = "A judge's private key stolen: a warrant the court never issued (live deployment)";
  const std::string court = s.dir + "/court", judge_name = "jane";
  if (!fs::exists(court + "/judges/" + judge_name + ".key")) setup_error("the demo's court has no judge " + judge_name);

  // The attacker's own court folder: the public root and CRL, and the stolen judge's files.
  TempDir mine("doormat-forger");
  fs::create_directories(mine.path + "/court/judges");
  for (const char* f : {"root.pem", "crl.pem"}) fs::copy_file(court + "/" + f, mine.path + "/court/" + f);
  for (const char* ext : {".pem", ".key"}) fs::copy_file(court + "/judges/" + judge_name + ext, mine.path + "/court/judges/" + judge_name + ext);
  auto run_ok = [&](const std::vector<std::string>& args) {
    const auto out = authority_cmd(mine.path, s.bin, args);
    if (out.status != 0) setup_error(fmt::format("escrow-authority {} exited {}: {}", args[0], out.status, out.err));
    return out.out;
  };
  run_ok({"agency", "new", "--name", "mallory", "--out", "mallory"});
  std::set<std::string> users;
  uint64_t first = UINT64_MAX, last = 0;
  for (const auto& m : s.truth.messages) {
    users.insert(m.sender);
    users.insert(m.recipient);
    first = std::min(first, m.time);
    last = std::max(last, m.time);
  }
  std::vector<std::string> issue = {"court", "issue", "--dir", "court", "--judge", judge_name, "--case", "FORGED-" + std::to_string(first),
                                    "--from", std::to_string(first), "--to", std::to_string(last), "--max-sessions", "100", "--agency",
                                    "mallory.pub", "--out", "forged.bin", "--json"};
  for (const auto& u : users) issue.insert(issue.end(), {"--target", u});
  const auto issued = json::parse(run_ok(issue));
  const std::string forged_hash = issued.at("hash").get<std::string>();

  // The court's register as the auditor finds it. A test variant enters the forged warrant too.
  const std::string reg = warrant_register::path_in(court);
  if (s.options.variant.register_lists_forged) {
    auto entries = must(warrant_register::load(warrant_register::path_in(mine.path + "/court")), "the forger's register");
    must(warrant_register::append(reg, entries.back()), "entering the forged warrant in the court's register (test variant)");
  }
  const bool have_register = fs::exists(reg);
  // Read back: is the forged warrant in the register the auditor is given (whatever put it there)?
  bool forged_in_register = false;
  if (have_register)
    for (const auto& e : must(warrant_register::load(reg), "reading the court's register back"))
      forged_in_register = forged_in_register || escrow::wire::to_hex(e.hash) == forged_hash;

  const Investigation inv = investigate(s.dir, s.bin, mine.path + "/forged.bin", mine.path + "/mallory.key");
  const auto obs = observe(s.truth, inv.plaintexts);
  const std::size_t got = recovered(obs);
  const AuditResult a = audit(s.dir, s.bin, have_register ? reg : "");
  const bool named = std::find(a.unregistered.begin(), a.unregistered.end(), forged_hash) != a.unregistered.end();
  std::size_t accepting = 0;
  for (const auto& t : a.raw.at("trustees"))
    if (t.at("per_warrant").contains(forged_hash) && t.at("per_warrant")[forged_hash].at("sessions_opened").get<std::size_t>() > 0) ++accepting;
  const std::string audit_said =
      !have_register ? "run without a register (the court has none), it has nothing to hold the warrant to"
      : named        ? fmt::format("given court/register.jsonl, names the forged warrant {}… as missing from it (exit {})",
                                   forged_hash.substr(0, 16), a.status)
                     : fmt::format("given court/register.jsonl, does not name the forged warrant (exit {})", a.status);
  // Without a register file the unregistered-warrant check cannot run: nothing could see the forgery.
  const auto seen = have_register ? Detection::checked(named, "escrow-authority audit --register court/register.jsonl, its unregistered-warrant check")
                                  : Detection::not_observable("the court keeps no register, so the auditor's unregistered-warrant check cannot run");
  Cell c{std::string(kScheme), seen.verdict(got > 0),
         fmt::format("{} trustees issued shares under the forged warrant; {} of {} mailbox sessions opened; the auditor, {}", accepting, got,
                     obs.size(), audit_said),
         {{"sessions_in_mailbox", s.box.size()},
          {"sessions_recovered", got},
          {"trustees_accepting", accepting},
          {"register_checked", a.register_checked},
          {"forged_warrant", forged_hash},
          {"forged_in_register", forged_in_register},
          {"detection", seen.to_json()},
          {"settings", {{"variant_register_lists_forged", s.options.variant.register_lists_forged}}},
          {"warrant_from", first},
          {"warrant_to", last},
          {"audit_names_forged_warrant", named},
          {"audit_status", a.status},
          {"audit_sessions_opened_under_forged", a.opened_per_warrant.contains(forged_hash) ? a.opened_per_warrant.at(forged_hash) : 0}},
         obs};
  // Each sentence follows this run's results.
  const std::string verified =
      accepting == s.truth.n ? fmt::format("verifies at every trustee ({} of {} issued shares under it)", accepting, s.truth.n)
      : accepting > 0        ? fmt::format("is accepted by {} of {} trustees", accepting, s.truth.n)
                             : fmt::format("is accepted by none of the {} trustees", s.truth.n);
  const std::string opened = got == obs.size() && got > 0 ? fmt::format("{} of {} sessions open, the ground truth byte for byte", got, obs.size())
                                                          : fmt::format("{} of {} sessions open", got, obs.size());
  const std::string registered = forged_in_register ? "The court's register, read back, holds the forged warrant"
                                                    : have_register ? "The court's register, read back, does not hold it"
                                                                    : "The court has no register file";
  const std::string lesson =
      got > 0 && named   ? "A stolen judge key opened what it names; the register turned that into a finding after the fact, not a refusal."
      : got > 0          ? "A stolen judge key opened what it names, and nothing in this run reported it."
                         : "The forged warrant opened nothing in this run.";
  // The warrant's span, as the ground truth's first and last message times give it.
  const double days = static_cast<double>(last - first) / 86400;
  const std::string span = days >= 1 ? fmt::format("{:.1f} days from the first message to the last", days)
                                     : fmt::format("{:.1f} hours from the first message to the last", static_cast<double>(last - first) / 3600);
  r.narrative = fmt::format(
      "The attacker copies judge {0}'s key from the court's folder (court/judges/{0}.key), puts it beside the court's public root "
      "and CRL in a folder of its own, makes its own agency key, and signs with `escrow-authority court issue` a warrant on {1} "
      "for every session of the {7}. {2}. Sent with `investigate`, the warrant {3}: {4}. Then the real auditor, {5}. {6} "
      "(Two-judge policies, SPEC §10.5, make one key not enough.)",
      judge_name, fmt::join(users, ", "), registered, verified, opened, audit_said, lesson, span);
  r.numbers = {{"sessions_recovered", got}, {"trustees_accepting", accepting}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace doormat::attacks::live
