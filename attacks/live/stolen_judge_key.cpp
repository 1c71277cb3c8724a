// live-stolen-judge-key: the attacker holds judge jane's private key (court/judges/jane.key) and
// signs, with the court's own `court issue` in a folder of its own, a warrant on every user for
// its own agency key. The real court never issued it, so it is not in the court's register
// (court/register.jsonl); every trustee accepts it, since the signature and the chain are good.
// Detected only if the real auditor, given the register, names this warrant in this run.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

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
  Cell c{std::string(kScheme), judge(got > 0, named),
         fmt::format("{} trustees issued shares under the forged warrant; {} of {} mailbox sessions opened; the auditor, {}", accepting, got,
                     obs.size(), audit_said),
         {{"sessions_in_mailbox", s.box.size()},
          {"sessions_recovered", got},
          {"trustees_accepting", accepting},
          {"register_checked", a.register_checked},
          {"forged_in_register", s.options.variant.register_lists_forged},
          {"audit_names_forged_warrant", named},
          {"audit_status", a.status},
          {"audit_sessions_opened_under_forged", a.opened_per_warrant.contains(forged_hash) ? a.opened_per_warrant.at(forged_hash) : 0}},
         obs};
  r.narrative = fmt::format(
      "The attacker copies judge {0}'s key from the court's folder (court/judges/{0}.key), puts it beside the court's public root "
      "and CRL in a folder of its own, makes its own agency key, and signs with `escrow-authority court issue` a warrant on {1} "
      "for every session of the three days. The real court's register never hears of it. The warrant verifies "
      "at every trustee it is sent to with `investigate` ({2} of {3} issued shares): {4} of {5} sessions open, the ground truth byte for byte. "
      "Then the real auditor, {6}. A stolen judge key opens what it names; the register turns that into a finding after the fact, "
      "not a refusal (two-judge policies, SPEC §10.5, make one key not enough).",
      judge_name, fmt::join(users, ", "), accepting, s.truth.n, got, obs.size(), audit_said);
  r.numbers = {{"sessions_recovered", got}, {"trustees_accepting", accepting}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace doormat::attacks::live
