#include "audit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <future>

#include "commands.hpp"
#include "directory.hpp"
#include "escrow/audit.hpp"
#include "escrow/translog.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "http_client.hpp"
#include "json_fields.hpp"
#include "trustee_log.hpp"
#include "warrant_register.hpp"

namespace doormat::authority {
namespace translog = escrow::translog;
using escrow::wire::from_hex;
using escrow::wire::to_hex;

std::size_t Audit::unreachable() const {
  return static_cast<std::size_t>(std::count_if(trustees.begin(), trustees.end(), [](const TrusteeAudit& t) { return !t.reachable; }));
}

std::set<std::string> Audit::unregistered() const {
  std::set<std::string> out;
  for (const auto& t : trustees) out.insert(t.unregistered.begin(), t.unregistered.end());
  return out;
}

bool Audit::consistent() const {
  return std::all_of(trustees.begin(), trustees.end(), [](const TrusteeAudit& t) { return !t.reachable || t.ok(); });
}

namespace {

TrusteeAudit audit_one(const TrusteeEntry& t, const nlohmann::json& previous, int timeout,
                       const std::optional<std::set<translog::Hash>>& issued) {
  TrusteeAudit out;
  out.index = t.index;
  auto head = fetch_head(t.url, timeout);
  if (!head) {
    // A head that arrived but does not parse is a reachable trustee failing the audit; only a
    // transport or HTTP failure counts as unreachable.
    out.reachable = head.error().category == escrow::ErrorCategory::malformed;
    out.error = out.reachable ? "tree head does not parse: " + head.error().detail : head.error().detail;
    return out;
  }
  out.reachable = true;

  // The previous head this auditor verified, if any: the new one must extend it.
  std::optional<escrow::audit::Baseline> baseline;
  if (!previous.is_null()) {
    const auto old_root = bytes32_of(text_of(previous, "root"));
    if (!old_root || !previous.contains("size") || !previous["size"].is_number_unsigned()) {
      out.head_signed = translog::verify_signature(*head, t.sign_key);
      out.error = "the audit state recorded for this trustee is damaged";
      return out;
    }
    baseline = escrow::audit::Baseline{previous["size"].get<uint64_t>(), *old_root};
  }

  // What the trustee serves: its consistency proof from the recorded head, and every entry.
  escrow::audit::Published served{*head, {}, {}};
  if (baseline && baseline->size > 0 && baseline->size < head->size) {
    auto r = http_get(t.url, fmt::format("/v1/log/consistency?from={}&to={}", baseline->size, head->size), timeout);
    if (auto proof = r ? proof_from_reply(*r) : std::nullopt) served.consistency = std::move(*proof);
  }
  for (bool progress = true; progress && served.entries.size() < head->size;) {
    auto page = http_get(t.url, fmt::format("/v1/log/entries?start={}&count=1000", served.entries.size()), timeout);
    const auto before = served.entries.size();
    if (!page || page->status != 200 || !page->body.is_object() || !page->body.contains("entries") || !page->body["entries"].is_array()) break;
    for (const auto& e : page->body["entries"]) {
      if (!e.is_string()) break;
      auto entry_bytes = from_hex(e.get<std::string>());
      if (!entry_bytes) break;
      served.entries.push_back(std::move(*entry_bytes));
    }
    progress = served.entries.size() > before;  // a page that adds nothing ends the loop: a hostile trustee cannot spin us
  }

  // The checks themselves are lib's (escrow/audit.hpp), the same the attacks run.
  const auto f = escrow::audit::check(served, t.sign_key, baseline, issued);
  out.head_signed = f.head_signed;
  out.consistent = f.consistent;
  out.entries_match_head = f.entries_match_head;
  out.size = f.size;
  out.previous_size = f.previous_size;
  out.root = to_hex(head->root);
  out.error = f.error;
  for (const auto& w : f.unregistered) out.unregistered.push_back(to_hex(w));
  for (const auto& [w, c] : f.per_warrant) {
    auto& count = out.per_warrant[to_hex(w)];
    for (const auto& field : c.opened) count.opened.insert(to_hex(field));
    count.refused = c.refused;
  }
  return out;
}

}  // namespace

escrow::Result<Audit> audit(const AuditOptions& o) {
  auto directory = load_directory(o.directory_path);
  if (!directory) return escrow::unexpected(directory.error());
  nlohmann::json state = nlohmann::json::object();
  if (std::filesystem::exists(o.state_path)) {
    auto text = files::read_text(o.state_path);
    if (!text) return escrow::unexpected(text.error());
    state = nlohmann::json::parse(*text, nullptr, false);
    if (!state.is_object()) return escrow::fail(escrow::ErrorCategory::malformed, "audit", o.state_path + " is damaged");
  }
  // The court's register, read whole before any trustee is asked: a damaged one fails the audit.
  std::optional<std::set<translog::Hash>> issued;
  if (!o.register_path.empty()) {
    auto r = warrant_register::hashes(o.register_path);
    if (!r) return escrow::unexpected(r.error());
    issued = std::move(*r);
  }
  // Every trustee at once: a frozen one costs one --timeout, not one per trustee in turn.
  std::vector<std::future<TrusteeAudit>> pending;
  for (const auto& t : *directory)
    pending.push_back(std::async(std::launch::async, audit_one, std::cref(t), state.value(std::to_string(t.index), nlohmann::json()),
                                 o.timeout_seconds, std::cref(issued)));
  Audit a;
  a.register_checked = issued.has_value();
  for (auto& p : pending) {
    a.trustees.push_back(p.get());
    // Only a head that passed every check becomes the baseline the next audit must extend.
    const auto& r = a.trustees.back();
    if (r.ok()) state[std::to_string(r.index)] = {{"size", r.size}, {"root", r.root}};
  }
  if (auto w = files::write_text(o.state_path, state.dump(2) + "\n"); !w) return escrow::unexpected(w.error());
  return a;
}

nlohmann::json to_json(const Audit& a) {
  nlohmann::json trustees = nlohmann::json::array();
  for (const auto& t : a.trustees) {
    nlohmann::json per = nlohmann::json::object();
    for (const auto& [w, c] : t.per_warrant) per[w] = {{"sessions_opened", c.opened.size()}, {"refused", c.refused}};
    trustees.push_back({{"trustee", t.index}, {"reachable", t.reachable}, {"head_signed", t.head_signed},
                        {"consistent", t.consistent}, {"entries_match_head", t.entries_match_head}, {"size", t.size},
                        {"previous_size", t.previous_size}, {"per_warrant", per}, {"unregistered_warrants", t.unregistered},
                        {"error", t.error}});
  }
  return {{"consistent", a.consistent()}, {"unreachable", a.unreachable()}, {"register_checked", a.register_checked},
          {"unregistered_warrants", a.unregistered()}, {"trustees", trustees}};
}

}  // namespace doormat::authority

namespace doormat::authority {

void register_audit(CLI::App& app, int& status) {
  auto o = std::make_shared<AuditOptions>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("audit", "check every trustee's log and count what each warrant opened");
  cmd->add_option("--trustees", o->directory_path, "the trustee directory (JSON)")->required()->check(CLI::ExistingFile)->envname("DOORMAT_TRUSTEES");
  cmd->add_option("--state", o->state_path, "this auditor's last verified heads (created if missing)")->required();
  cmd->add_option("--timeout", o->timeout_seconds, "seconds to wait for each call to a trustee (all are asked in parallel)")
      ->check(CLI::Range(1, 3600))->capture_default_str();
  cmd->add_flag("--allow-unreachable", o->allow_unreachable, "exit 0, not 5, when every reachable log is consistent but some trustee could not be checked");
  cmd->add_option("--register", o->register_path, "the court's register of issued warrants (court/register.jsonl): "
                  "a warrant that opened sessions and is missing from it fails the audit (exit 6)")->check(CLI::ExistingFile);
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->callback([o, json, &status] {
    auto a = audit(*o);
    if (!a) { status = report(a.error()); return; }
    if (*json) {
      fmt::print("{}\n", to_json(*a).dump(2));
    } else {
      for (const auto& t : a->trustees) {
        if (!t.reachable) { fmt::print("trustee {}: unreachable ({})\n", t.index, t.error); continue; }
        fmt::print("trustee {}: {} entries (was {}), head signed: {}, consistent: {}, entries match head: {}{}\n", t.index,
                   t.size, t.previous_size, t.head_signed ? "yes" : "NO", t.consistent ? "yes" : "NO",
                   t.entries_match_head ? "yes" : "NO", t.error.empty() ? "" : "  <- " + t.error);
        for (const auto& [w, c] : t.per_warrant) {
          const bool missing = std::find(t.unregistered.begin(), t.unregistered.end(), w) != t.unregistered.end();
          fmt::print("    warrant {}…: {} session(s) opened, {} refusal(s){}\n", w.substr(0, 16), c.opened.size(), c.refused,
                     missing ? "  <- NOT IN THE COURT'S REGISTER" : "");
        }
      }
      fmt::print("audit: {}\n", a->consistent() ? "every reachable trustee's log is consistent" : "INCONSISTENT");
      if (a->register_checked)
        fmt::print("audit: {}\n", a->unregistered().empty() ? "every warrant that opened sessions is in the court's register"
                                                            : fmt::format("{} warrant(s) opened sessions and are NOT in the court's register",
                                                                          a->unregistered().size()));
      if (a->unreachable() > 0)
        fmt::print("audit: {} of {} trustee(s) unreachable and NOT checked\n", a->unreachable(), a->trustees.size());
    }
    // 3: a log failed a check; 6: a warrant the court never issued opened sessions; 5: a trustee
    // went unchecked (an audit that skipped one is not a pass).
    const bool unchecked = a->unreachable() > 0 && !o->allow_unreachable;
    status = !a->consistent() ? 3 : !a->unregistered().empty() ? 6 : unchecked ? 5 : 0;
  });
}

}  // namespace doormat::authority
