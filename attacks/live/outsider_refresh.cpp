// live-outsider-refresh: someone who reaches the trustees' ports, with the project's own commands
// and an operator key of its own (`operator new`), runs `ceremony refresh` against the deployment's
// directory. The trustees take a ceremony only from the operator key they were initialised with
// (DESIGN, "Who may do what to a trustee"). What changed is read from the trustees afterwards:
// their /v1/info (keys, authority key, epoch) and whether a lawful warrant still opens.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "files.hpp"
#include "identity.hpp"
#include "http_client.hpp"
#include "scenarios.hpp"
#include "support.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// What each trustee says it is: index -> its keys, authority key and epoch (not its log size,
// which the refusals themselves grow). Unreachable: "unreachable".
std::map<int, std::string> identities(const std::string& dir) {
  std::map<int, std::string> out;
  for (const auto& e : json::parse(must(files::read_text(dir + "/trustees.json"), "the trustee directory"))) {
    const int i = e.at("trustee").get<int>();
    auto reply = http_get(e.at("url").get<std::string>(), "/v1/info", 10);
    if (!reply || reply->status != 200 || !reply->body.is_object()) {
      out[i] = "unreachable";
      continue;
    }
    json who = reply->body;
    who.erase("log_size");
    out[i] = who.dump();
  }
  return out;
}

}  // namespace

Report outsider_refresh(const Scene& s) {
  Report r;
  r.attack = "live-outsider-refresh";
  r.title = "An outsider reaches the trustees' ports and runs a refresh of its own (live deployment)";
  TempDir mine("doormat-outsider");
  // A lawful warrant from the real court, to see whether the deployment still opens what it should.
  uint64_t first = UINT64_MAX, last = 0;
  for (const auto& m : s.truth.messages) first = std::min(first, m.time), last = std::max(last, m.time);
  const auto issued = authority_cmd(s.dir, s.bin, {"court", "issue", "--dir", "court", "--judge", "jane", "--case", "LIVE-OUTSIDER-CHECK",
                                                   "--target", "bob", "--from", std::to_string(first), "--to", std::to_string(last),
                                                   "--max-sessions", "100", "--agency", "agency.pub", "--out", mine.path + "/lawful.bin"});
  if (issued.status != 0) setup_error("court issue exited " + std::to_string(issued.status) + ": " + issued.err);
  const std::size_t opened_before = recovered(observe(s.truth, investigate(s.dir, s.bin, mine.path + "/lawful.bin", "agency.key").plaintexts));
  const auto before = identities(s.dir);

  const auto op = authority_cmd(mine.path, s.bin, {"operator", "new", "--out", "mallory"});
  if (op.status != 0) setup_error("operator new exited " + std::to_string(op.status) + ": " + op.err);
  // The test variant hands the "outsider" the deployment's own operator key instead.
  const std::string key = s.options.variant.outsider_has_operator_key ? s.dir + "/operator.key" : mine.path + "/mallory.key";
  // Observed, not the variant's setting: how many trustees hold the key that signs this refresh as
  // their operator key (read from a copy of each one's state.db).
  const auto signer = must(identity::load(key), "the refresh's operator key").pub.sign_key;
  std::size_t holding_signer = 0;
  for (const auto& [i, who] : before) {
    const Loot peek = steal(s.dir, mine.path + "/peek", static_cast<unsigned>(i), false);
    holding_signer += peek.operator_key.size() == signer.size() && std::equal(signer.begin(), signer.end(), peek.operator_key.begin());
  }
  const auto refresh = authority_cmd(s.dir, s.bin, {"ceremony", "refresh", "--trustees", "trustees.json", "-k", std::to_string(s.truth.k),
                                                    "--operator", key, "--out", mine.path + "/refreshed-authority.pub", "--json"});
  std::string said = refresh.err.empty() ? refresh.out : refresh.err;
  // One line: the ceremony's JSON or error, whitespace runs collapsed.
  std::string flat;
  for (char ch : said)
    if (!std::isspace(static_cast<unsigned char>(ch))) flat += ch;
    else if (!flat.empty() && flat.back() != ' ') flat += ' ';
  said = flat;
  while (!said.empty() && said.back() == ' ') said.pop_back();
  if (said.size() > 240) said = said.substr(0, 240) + "…";

  const auto after = identities(s.dir);
  std::size_t changed = 0;
  for (const auto& [i, who] : before) changed += !after.contains(i) || after.at(i) != who;
  const auto obs = observe(s.truth, investigate(s.dir, s.bin, mine.path + "/lawful.bin", "agency.key").plaintexts);
  const std::size_t opened_after = recovered(obs);
  // A refresh that ran moved the trustees to a new epoch; the agency's copy of the authority key
  // (authority/authority.pub, the verification keys of the old epoch) is then stale, and every later
  // scenario or run on this folder would lose lawful access for that reason alone. Measured above
  // (the attack's effect), then repaired as the deployment's operator would: the refreshed key the
  // ceremony wrote installed in its place, and lawful access checked again.
  std::optional<std::size_t> opened_after_key_update;
  if (refresh.status == 0 && fs::exists(mine.path + "/refreshed-authority.pub")) {
    fs::copy_file(mine.path + "/refreshed-authority.pub", s.dir + "/authority/authority.pub", fs::copy_options::overwrite_existing);
    opened_after_key_update = recovered(observe(s.truth, investigate(s.dir, s.bin, mine.path + "/lawful.bin", "agency.key").plaintexts));
  }
  // The outsider wins anything: a refresh that ran, a trustee whose keys moved, or lawful access lost.
  const bool obtained = refresh.status == 0 || changed > 0 || opened_after < opened_before;
  // Held only for the defence's own reason: the trustees refused the calls (HTTP 401, an operator
  // key they were not initialised with). A refresh that failed before reaching them tested nothing.
  if (opened_before == 0) setup_error("the lawful warrant opened nothing before the attack: nothing to lose");
  const bool refused_401 = said.find("HTTP 401") != std::string::npos;
  if (!obtained && !refused_401) setup_error("the outsider's refresh failed without a trustee refusing it (no HTTP 401): " + said);
  // No auditor runs here; a refresh the trustees accept leaves nothing an auditor is asked to see.
  const auto seen = Detection::not_observable("the scenario runs no auditor, and a refresh the trustees accept is no log decision");
  Cell c{std::string(kScheme), seen.verdict(obtained),
         fmt::format("`ceremony refresh` signed with a key {} of {} trustees hold as their operator key exited {}; trustees whose /v1/info "
                     "changed: {} of {}; a lawful warrant opened {} sessions before and {} after{}{}",
                     holding_signer, before.size(), refresh.status, changed, before.size(), opened_before, opened_after,
                     opened_after_key_update ? fmt::format(" ({} with the refreshed authority key installed)", *opened_after_key_update) : "",
                     obtained ? "; " + seen.text() : ""),
         {{"refresh_exit_status", refresh.status},
          {"signed_with_real_operator_key", holding_signer == before.size() && !before.empty()},
          {"trustees_holding_signing_key", holding_signer},
          {"trustees_changed", changed},
          {"trustees", before.size()},
          {"lawful_sessions_before", opened_before},
          {"lawful_sessions_after", opened_after},
          {"lawful_sessions_after_key_update", opened_after_key_update ? json(*opened_after_key_update) : json(nullptr)},
          {"detection", seen.to_json()},
          {"settings", {{"variant_outsider_has_operator_key", s.options.variant.outsider_has_operator_key}}}},
         obs};
  // Each sentence follows this run's results.
  const std::string whose = holding_signer == 0 ? "an operator key of its own (`escrow-authority operator new`), which no trustee holds"
                            : holding_signer == before.size()
                                ? "the deployment's own operator key (the test variant), which every trustee holds"
                                : fmt::format("a key {} of {} trustees hold as their operator key", holding_signer, before.size());
  const std::string lawful =
      opened_after == opened_before ? fmt::format("a lawful warrant on bob opens {} sessions before and after", opened_before)
      : opened_after_key_update
          ? fmt::format("a lawful warrant on bob opens {} sessions before and {} after, while the agency still holds the old epoch's "
                        "authority key; with the refreshed key installed, {}",
                        opened_before, opened_after, *opened_after_key_update)
          : fmt::format("a lawful warrant on bob opens {} sessions before and {} after", opened_before, opened_after);
  r.narrative = fmt::format(
      "Someone on the trustees' network runs `escrow-authority ceremony refresh --trustees trustees.json` against the deployment, "
      "signed with {}. It exits {}: \"{}\"{}. Read back from the trustees: {} of {} report other keys, authority key or epoch than "
      "before; {}. Not run here: the mixed roster of the security issue's hijack (the outsider's own dealer-made trustees enrolled "
      "beside a victim), which tests/integration/ceremony_integration_test.cpp runs.",
      whose, refresh.status, said, refused_401 ? " (the trustees refused its calls)" : "", changed, before.size(), lawful);
  r.numbers = {{"trustees_changed", changed}, {"refresh_exit_status", refresh.status}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace doormat::attacks::live
