// `escrow-authority court ...`: the judicial root, judges, warrants and revocation (SPEC §10).
// A court folder holds root.pem / root.key, judges/<name>.pem|.key, revoked.txt, crl.pem,
// crl_number.txt (the last CRL number issued: each CRL's is one more, SPEC §10.3) and
// register.jsonl (every warrant issued, SPEC §10.7).
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "command_line.hpp"
#include "commands.hpp"
#include "escrow/warrant.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "identity.hpp"
#include "iso_time.hpp"
#include "terminal_text.hpp"
#include "warrant_register.hpp"

namespace doormat::authority {
namespace fs = std::filesystem;
using escrow::Result;

namespace {

constexpr uint32_t kCrlHours = 24 * 30;

Result<escrow::pki::Credential> load_credential(const std::string& cert, const std::string& key) {
  auto c = files::read_text(cert);
  if (!c) return escrow::unexpected(c.error());
  auto k = files::read(key);
  if (!k) return escrow::unexpected(k.error());
  escrow::pki::Credential out{*c, escrow::SecureBytes(k->begin(), k->end())};
  sodium_memzero(k->data(), k->size());
  return out;
}

Result<void> save_credential(const escrow::pki::Credential& c, const std::string& prefix) {
  if (auto r = files::write_text(prefix + ".pem", c.certificate_pem); !r) return r;
  return files::write(prefix + ".key", c.private_key_pem, /*secret=*/true);
}

bool safe_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'; });
}

std::vector<std::string> revoked_names(const std::string& dir) {
  std::vector<std::string> names;
  std::ifstream list(dir + "/revoked.txt");
  for (std::string name; std::getline(list, name);)
    if (!name.empty()) names.push_back(name);
  return names;
}

bool is_revoked(const std::string& dir, const std::string& judge) {
  const auto names = revoked_names(dir);
  return std::find(names.begin(), names.end(), judge) != names.end();
}

// The last CRL number issued: the larger of crl_number.txt and crl.pem's own, so a court made
// before crl_number.txt existed (every CRL numbered 2) still moves forward.
uint64_t last_crl_number(const std::string& dir) {
  uint64_t last = 0;
  if (auto text = files::read_text(dir + "/crl_number.txt"))
    std::from_chars(text->data(), text->data() + text->size(), last);
  if (auto pem = files::read_text(dir + "/crl.pem"))
    if (auto n = escrow::pki::crl_number(*pem)) last = std::max(last, *n);
  return last;
}

Result<void> reissue_crl(const std::string& dir) {
  auto root = load_credential(dir + "/root.pem", dir + "/root.key");
  if (!root) return escrow::unexpected(root.error());
  std::vector<std::string> revoked;
  for (const auto& name : revoked_names(dir)) {
    auto pem = files::read_text(dir + "/judges/" + name + ".pem");
    if (!pem) return escrow::unexpected(pem.error());
    revoked.push_back(*pem);
  }
  // Trustees refuse a CRL older than one they accepted, so the number only grows. It is written
  // first: a crash between the two writes skips a number, which is harmless, and never repeats one.
  const uint64_t number = last_crl_number(dir) + 1;
  if (auto r = files::write_text(dir + "/crl_number.txt", std::to_string(number) + "\n"); !r) return r;
  auto crl = escrow::pki::issue_crl(*root, revoked, kCrlHours, number);
  if (!crl) return escrow::unexpected(crl.error());
  return files::write_text(dir + "/crl.pem", *crl);
}

}  // namespace

void register_court(CLI::App& app, int& status) {
  auto* court = app.add_subcommand("court", "the judicial PKI and warrants")->require_subcommand(1);
  struct Options {
    std::string dir = "court", name = "Doormat Judicial Root", judge, case_ref, court_name = "District Court", agency, out, in;
    std::vector<std::string> judges, targets;
    uint64_t from = 0, to = 0, valid_for = 86400;
    uint32_t max_sessions = 100;
    bool json = false, force = false;
  };
  auto o = std::make_shared<Options>();

  auto* init = court->add_subcommand("init", "create the judicial root CA and an empty CRL");
  init->add_option("--dir", o->dir, "the court's folder")->capture_default_str();
  init->add_option("--name", o->name, "the root's common name")->capture_default_str();
  init->callback([o, &status] {
    if (fs::exists(o->dir + "/root.key")) {
      status = report({escrow::ErrorCategory::policy_denied, "court init", o->dir + " already has a root"});
      return;
    }
    fs::create_directories(o->dir + "/judges");
    auto root = escrow::pki::create_root(o->name, 3650);
    if (!root) { status = report(root.error()); return; }
    if (auto r = save_credential(*root, o->dir + "/root"); !r) { status = report(r.error()); return; }
    if (auto r = reissue_crl(o->dir); !r) { status = report(r.error()); return; }
    fmt::print("judicial root: {0}/root.pem (give it to every trustee), key {0}/root.key (0600), CRL {0}/crl.pem\n", o->dir);
    status = 0;
  });

  auto* appoint = court->add_subcommand("appoint", "issue a judge's Ed25519 certificate");
  appoint->add_option("--dir", o->dir, "the court's folder")->capture_default_str();
  appoint->add_option("--judge", o->judge, "the judge's short name (letters, digits, - and _)")->required();
  appoint->add_flag("--force", o->force, "replace an existing judge's certificate and key (revoke the old one first)");
  appoint->callback([o, &status] {
    if (!safe_name(o->judge)) { status = report({escrow::ErrorCategory::malformed, "court appoint", "bad judge name"}); return; }
    if (!o->force && fs::exists(o->dir + "/judges/" + o->judge + ".key")) {
      status = report({escrow::ErrorCategory::policy_denied, "court appoint",
                       fmt::format("judge {0} is already appointed ({1}/judges/{0}.pem); to replace the key, revoke the judge "
                                   "(court revoke) and appoint again with --force",
                                   o->judge, o->dir)});
      return;
    }
    auto root = load_credential(o->dir + "/root.pem", o->dir + "/root.key");
    if (!root) { status = report(root.error()); return; }
    auto judge = escrow::pki::appoint_judge(*root, "Judge " + o->judge, 365);
    if (!judge) { status = report(judge.error()); return; }
    if (auto r = save_credential(*judge, o->dir + "/judges/" + o->judge); !r) { status = report(r.error()); return; }
    fmt::print("judge {0}: {1}/judges/{0}.pem, key {1}/judges/{0}.key (0600)\n", o->judge, o->dir);
    status = 0;
  });

  auto* issue = court->add_subcommand("issue", "issue a warrant signed by one or more judges");
  issue->add_option("--dir", o->dir, "the court's folder")->capture_default_str();
  issue->add_option("--judge", o->judges, "signing judge (repeat for several)")->required();
  issue->add_option("--case", o->case_ref, "case reference")->required();
  issue->add_option("--court-name", o->court_name, "issuing court")->capture_default_str();
  issue->add_option("--target", o->targets, "target identity (repeat for several)")->required();
  // Times in ISO 8601 (or Unix seconds, as scripts pass them). The window's end is --until;
  // --to, its older name, stays for the scripts that call it (attacks/, bench/).
  issue->add_option("--from", o->from, "window start: ISO 8601 (2026-12-01T09:00:00Z) or Unix seconds")
      ->required()->transform(command_line::instant());
  issue->add_option("--until,--to", o->to, "window end: ISO 8601 (2026-12-01T17:00:00Z) or Unix seconds")
      ->required()->transform(command_line::instant());
  issue->add_option("--max-sessions", o->max_sessions, "sessions each trustee may open")->capture_default_str();
  issue->add_option("--valid-for", o->valid_for, "how long until the warrant expires: ISO 8601 duration (P30D, PT1H) or seconds")
      ->capture_default_str()->transform(command_line::duration());
  issue->add_option("--agency", o->agency, "the requesting agency's .pub file")->required()->check(CLI::ExistingFile);
  issue->add_option("--out", o->out, "where to write the signed warrant")->required();
  issue->add_flag("--json", o->json, "print JSON");
  issue->callback([o, &status] {
    auto agency = identity::load_public(o->agency);
    if (!agency) { status = report(agency.error()); return; }
    escrow::warrant::SignedWarrant sw;
    randombytes_buf(sw.warrant.id.data(), sw.warrant.id.size());
    sw.warrant.case_reference = o->case_ref;
    sw.warrant.court = o->court_name;
    sw.warrant.targets = o->targets;
    sw.warrant.window_start = o->from;
    sw.warrant.window_end = o->to;
    sw.warrant.max_sessions = o->max_sessions;
    sw.warrant.not_after = static_cast<uint64_t>(std::time(nullptr)) + o->valid_for;
    sw.warrant.agency_box_key = agency->box_key;
    sw.warrant.agency_sign_key = agency->sign_key;
    // Refuse a warrant that would not parse (the same bounds the trustees' decoder checks), before
    // it is encoded: an over-long field is an error here, never bytes a judge signs.
    if (auto check = sw.warrant.check(); !check) { status = report(check.error()); return; }
    // And a judge the trustees would not count: revoked, named twice, or whose certificate fails
    // their check against this court's root and CRL.
    auto root_pem = files::read_text(o->dir + "/root.pem");
    if (!root_pem) { status = report(root_pem.error()); return; }
    auto crl_pem = files::read_text(o->dir + "/crl.pem");
    if (!crl_pem) { status = report(crl_pem.error()); return; }
    std::vector<std::array<uint8_t, 32>> keys;
    for (const auto& j : o->judges) {
      auto refuse = [&](const std::string& why) { status = report({escrow::ErrorCategory::policy_denied, "court issue", "judge " + j + ": " + why}); };
      if (!safe_name(j)) { refuse("bad judge name"); return; }
      if (is_revoked(o->dir, j)) { refuse("revoked; a revoked judge cannot sign a warrant"); return; }
      auto judge = load_credential(o->dir + "/judges/" + j + ".pem", o->dir + "/judges/" + j + ".key");
      if (!judge) { status = report(judge.error()); return; }
      auto der = escrow::pki::pem_to_der(judge->certificate_pem);
      if (!der) { status = report(der.error()); return; }
      auto checked = escrow::pki::verify_judge(*der, *root_pem, *crl_pem, static_cast<uint64_t>(std::time(nullptr)));
      if (!checked) { refuse(checked.error().detail); return; }
      if (std::find(keys.begin(), keys.end(), checked->key) != keys.end()) {
        refuse("named twice; each judge signs a warrant once and counts once");
        return;
      }
      keys.push_back(checked->key);
      if (auto r = escrow::warrant::add_signature(sw, *judge); !r) { status = report(r.error()); return; }
    }
    // Entered in the register before the warrant exists anywhere else: a crash between the two
    // leaves a registered warrant nobody holds (harmless), never a held warrant the register lacks.
    const warrant_register::Entry entry{sw.hash(), escrow::wire::to_hex(sw.warrant.id), o->case_ref, o->court_name, o->judges,
                                        o->targets, o->from, o->to, sw.warrant.not_after,
                                        static_cast<uint64_t>(std::time(nullptr)), o->max_sessions};
    if (auto r = warrant_register::append(warrant_register::path_in(o->dir), entry); !r) { status = report(r.error()); return; }
    if (auto r = files::write(o->out, sw.encode()); !r) { status = report(r.error()); return; }
    if (o->json) {
      fmt::print("{}\n", nlohmann::json{{"id", escrow::wire::to_hex(sw.warrant.id)}, {"hash", escrow::wire::to_hex(sw.hash())},
                                         {"case", o->case_ref}, {"targets", o->targets}, {"window", {o->from, o->to}},
                                         {"window_iso", {iso_time::format_instant(o->from), iso_time::format_instant(o->to)}},
                                         {"max_sessions", o->max_sessions}, {"not_after", sw.warrant.not_after},
                                         {"not_after_iso", iso_time::format_instant(sw.warrant.not_after)},
                                         {"judges", o->judges}, {"out", o->out},
                                         {"register", warrant_register::path_in(o->dir)}}.dump());
      status = 0;
      return;
    }
    fmt::print("warrant {} ({}): {} target(s), window {} .. {}, {} sessions, expires {}, signed by {} judge(s) -> {}\n",
               escrow::wire::to_hex(sw.warrant.id), o->case_ref, o->targets.size(), iso_time::format_instant(o->from),
               iso_time::format_instant(o->to), o->max_sessions, iso_time::format_instant(sw.warrant.not_after),
               o->judges.size(), o->out);
    status = 0;
  });

  auto* revoke = court->add_subcommand("revoke", "revoke a judge's certificate and reissue the CRL");
  revoke->add_option("--dir", o->dir, "the court's folder")->capture_default_str();
  revoke->add_option("--judge", o->judge, "the judge to revoke")->required();
  revoke->callback([o, &status] {
    if (!safe_name(o->judge) || !fs::exists(o->dir + "/judges/" + o->judge + ".pem")) {
      status = report({escrow::ErrorCategory::malformed, "court revoke", "no such judge"});
      return;
    }
    if (is_revoked(o->dir, o->judge)) {
      status = report({escrow::ErrorCategory::policy_denied, "court revoke", "judge " + o->judge + " is already revoked"});
      return;
    }
    std::ofstream(o->dir + "/revoked.txt", std::ios::app) << o->judge << "\n";
    if (auto r = reissue_crl(o->dir); !r) { status = report(r.error()); return; }
    fmt::print("judge {} revoked; {}/crl.pem reissued, CRL number {}\n", o->judge, o->dir, last_crl_number(o->dir));
    status = 0;
  });

  // A CRL is current for kCrlHours; trustees (and court issue) refuse a stale one. Reissuing
  // bumps the number, so trustees that read the new one refuse every older one after.
  auto* crl = court->add_subcommand("crl", "reissue the CRL (the same revocations, the next CRL number)");
  crl->add_option("--dir", o->dir, "the court's folder")->capture_default_str();
  crl->callback([o, &status] {
    if (auto r = reissue_crl(o->dir); !r) { status = report(r.error()); return; }
    fmt::print("{}/crl.pem reissued, CRL number {}, valid {} hours\n", o->dir, last_crl_number(o->dir), kCrlHours);
    status = 0;
  });

  auto* show = court->add_subcommand("show", "print a signed warrant and verify it against the court's root and CRL");
  show->add_option("warrant", o->in, "the signed warrant file")->required()->check(CLI::ExistingFile);
  show->add_option("--dir", o->dir, "the court's folder: its root.pem and crl.pem are what the warrant is checked against")
      ->capture_default_str();
  show->add_flag("--json", o->json, "print JSON");
  show->callback([o, &status] {
    auto bytes = files::read(o->in);
    if (!bytes) { status = report(bytes.error()); return; }
    auto sw = escrow::warrant::SignedWarrant::decode(*bytes);
    if (!sw) { status = report(sw.error()); return; }
    auto root_pem = files::read_text(o->dir + "/root.pem");
    auto crl_pem = files::read_text(o->dir + "/crl.pem");
    if (!root_pem || !crl_pem) {
      status = report({escrow::ErrorCategory::malformed, "court show",
                       fmt::format("cannot verify the warrant without the court's root.pem and crl.pem in {}; give the court's "
                                   "folder with --dir",
                                   o->dir)});
      return;
    }
    const auto now = static_cast<uint64_t>(std::time(nullptr));
    const auto& w = sw->warrant;
    // Each signature on its own: whose it is, whether its certificate chains to the root and is
    // not revoked, and whether it signs this warrant.
    const auto message = escrow::warrant::signing_message(w);
    nlohmann::json judges = nlohmann::json::array();
    for (const auto& sig : sw->signatures) {
      auto judge = escrow::pki::verify_judge(sig.certificate_der, *root_pem, *crl_pem, now);
      nlohmann::json j = {{"certificate", judge ? "valid" : judge.error().detail}};
      if (judge) {
        j["name"] = judge->name;
        j["fingerprint"] = judge->fingerprint;
        j["signature"] = crypto_sign_verify_detached(sig.signature.data(), message.data(), message.size(), judge->key.data()) == 0
                             ? "valid" : "does not verify";
      } else {
        j["name"] = "";
        j["signature"] = "not checked";
      }
      judges.push_back(std::move(j));
    }
    // The verdict is the trustees' own check (one judge required; a trustee may require more).
    escrow::warrant::Policy policy{*root_pem, *crl_pem, 1, 0};
    auto verdict = escrow::warrant::verify(*sw, policy, now);
    const std::string state = verdict ? (now < w.window_start ? "valid (window not yet open)" : "valid") : verdict.error().detail;
    nlohmann::json j = {{"id", escrow::wire::to_hex(w.id)}, {"hash", escrow::wire::to_hex(sw->hash())},
                        {"case", w.case_reference}, {"court", w.court}, {"targets", w.targets},
                        {"window", {w.window_start, w.window_end}},
                        {"window_iso", {iso_time::format_instant(w.window_start), iso_time::format_instant(w.window_end)}},
                        {"max_sessions", w.max_sessions}, {"not_after", w.not_after},
                        {"not_after_iso", iso_time::format_instant(w.not_after)}, {"expired", now > w.not_after},
                        {"agency_x25519", escrow::wire::to_hex(w.agency_box_key)},
                        {"agency_ed25519", escrow::wire::to_hex(w.agency_sign_key)}, {"signatures", sw->signatures.size()},
                        {"judges", judges}, {"valid", verdict.has_value()}, {"status", state}};
    if (o->json) {
      // A warrant's names are printable bytes, not necessarily UTF-8: replaced, not thrown on.
      fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      // Shown, not obeyed: a name with bytes a terminal acts on (C1 controls, invalid UTF-8).
      std::vector<std::string> targets;
      for (const auto& t : w.targets) targets.push_back(terminal_text::shown(t));
      fmt::print("warrant {} ({}, {})\n", j["id"].get<std::string>(), terminal_text::shown(w.case_reference), terminal_text::shown(w.court));
      fmt::print("  targets: {}\n  window: {} .. {}\n  at most {} session(s) per trustee\n  expires: {}{}\n",
                 fmt::join(targets, ", "), iso_time::format_instant(w.window_start), iso_time::format_instant(w.window_end),
                 w.max_sessions, iso_time::format_instant(w.not_after),
                 now > w.not_after ? " (EXPIRED)" : "");
      for (const auto& jj : judges)
        fmt::print("  signed by {}: certificate {}, signature {}\n", jj["name"].get<std::string>().empty() ? "?" : terminal_text::shown(jj["name"].get<std::string>()),
                   jj["certificate"].get<std::string>(), jj["signature"].get<std::string>());
      fmt::print("  status: {}\n", verdict ? state : "INVALID: " + state);
    }
    status = verdict ? 0 : 1;
  });
}

}  // namespace doormat::authority
