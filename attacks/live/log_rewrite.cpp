// live-log-rewrite: a trustee's operator hides a decryption its trustee made. It stops the trustee,
// edits an old entry of the log in state.db (an issued share turned into an out-of-scope refusal)
// and starts it again. Two strategies: the entry alone (the stored leaf hash now disagrees), and
// the entry with its leaf hash recomputed (the operator knows RFC 9162's hashing). The trustee's
// own start re-hashes every entry (refusing a disagreeing one); the auditor holds the log to the
// head it recorded in audit-state.json. The cell takes the attacker's best strategy.
#include <fmt/format.h>
#include <signal.h>

#include <filesystem>

#include "escrow/request.hpp"
#include "escrow/translog.hpp"
#include "escrow/wire.hpp"
#include "files.hpp"
#include "http_client.hpp"
#include "scenarios.hpp"
#include "sqlite.hpp"
#include "support.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr unsigned kVictim = 2;  // any trustee; not 1, whose files the other scenarios copy most

struct Rewrite {
  int64_t index = -1;
  std::vector<uint8_t> entry;  // the rewritten entry's bytes
};

// The first issued share in the log below `before` (a part the auditor has already verified),
// rewritten as an out-of-scope refusal; the leaf hash too when `rehash`.
Rewrite rewrite_old_entry(const std::string& db_path, uint64_t before, bool rehash) {
  auto db = must(db::Database::open(db_path), "opening the trustee's state.db");
  auto st = must(db.prepare("SELECT idx, entry FROM log WHERE idx < ? ORDER BY idx"), "reading the log");
  st.bind(1, static_cast<int64_t>(before));
  Rewrite w;
  for (auto row = must(st.step(), "reading the log"); row; row = must(st.step(), "reading the log")) {
    auto e = escrow::translog::Entry::decode(st.column_blob(1));
    if (!e || e->decision != 0 || e->field_hash == std::array<uint8_t, 32>{}) continue;
    e->decision = static_cast<uint8_t>(escrow::request::FieldStatus::out_of_scope);
    e->reason = "session outside the warrant's scope";
    w.index = st.column_int(0);
    w.entry = e->encode();
    break;
  }
  if (w.index < 0) setup_error(fmt::format("trustee {}'s log has no issued share below entry {} to rewrite", kVictim, before));
  auto up = must(db.prepare(rehash ? "UPDATE log SET entry = ?, leaf_hash = ? WHERE idx = ?" : "UPDATE log SET entry = ? WHERE idx = ?"),
                 "editing the log");
  up.bind(1, std::span<const uint8_t>(w.entry));
  const auto leaf = escrow::translog::leaf_hash(w.entry);
  if (rehash) up.bind(2, std::span<const uint8_t>(leaf)).bind(3, w.index);
  else up.bind(2, w.index);
  must(up.run(), "editing the log");
  return w;
}

struct Outcome {
  bool started = false;      // the trustee started on the edited state.db
  bool served = false;       // ... and serves the rewritten entry
  bool audit_flagged = false;
  std::string rewritten;     // the rewritten entry (hex), what the operator wants the record to say
  std::optional<std::string> served_entry;  // what the trustee served at that index (hex), if it served anything
  int audit_status = 0;
  std::string what;
  std::string refusal;       // the trustee's start refusal, as its log states it (empty: it started)
  Verdict verdict = Verdict::not_applicable;
};

Outcome try_strategy(const Scene& s, const std::string& work, const std::string& url, uint64_t baseline, bool rehash) {
  const std::string from = s.dir + "/trustee-" + std::to_string(kVictim), td = work + (rehash ? "/rehashed" : "/naive");
  fs::create_directories(td);
  for (const char* f : {"state.db", "state.db-wal", "state.db-shm", "passphrase"})
    if (fs::exists(from + "/" + f)) fs::copy_file(from + "/" + f, td + "/" + f);
  const Rewrite w = rewrite_old_entry(td + "/state.db", baseline, rehash);
  Outcome o;
  o.rewritten = escrow::wire::to_hex(w.entry);
  const pid_t pid = start_one(td, td + "/passphrase", s.trustees.ports.at(kVictim), s.bin, td + "/log.txt");
  if (pid == 0) {
    std::string log = files::read_text(td + "/log.txt").value_or("");
    while (!log.empty() && log.back() == '\n') log.pop_back();
    if (log.rfind('\n') != std::string::npos) log = log.substr(log.rfind('\n') + 1);
    // Only the trustee's own hash check counts as a refusal; any other failure to start (the port still
    // bound, a crash) is a broken set-up, not the defence holding.
    const std::string expected = fmt::format("the log's stored hashes disagree with its entries at index {}", w.index);
    if (log.find(expected) == std::string::npos)
      setup_error(fmt::format("trustee {} did not start on the rewritten state.db, but not for its hash check (\"{}\"); its log: {}", kVictim,
                              expected, log));
    o.refusal = log;
    o.what = fmt::format("entry {} rewritten{}: the trustee refused to start (\"{}\")", w.index, rehash ? " with its leaf hash" : "", log);
    o.verdict = Verdict::held;  // nothing served: the observation is empty
    return o;
  }
  o.started = true;
  auto page = http_get(url, fmt::format("/v1/log/entries?start={}&count=1", w.index), 10);
  if (page && page->status == 200 && page->body.contains("entries") && page->body["entries"].is_array() && page->body["entries"].size() == 1 &&
      page->body["entries"][0].is_string())
    o.served_entry = page->body["entries"][0].get<std::string>();
  o.served = o.served_entry == o.rewritten;
  // The deployment's auditor, holding the log to the head it recorded; the test variant's has
  // recorded none (a fresh state file per strategy).
  const AuditResult a = s.options.variant.fresh_auditor ? audit(s.dir, s.bin, "", td + "/fresh-audit-state.json") : audit(s.dir, s.bin);
  std::string finding;
  for (const auto& t : a.raw.at("trustees"))
    if (t.at("trustee").get<unsigned>() == kVictim) {
      o.audit_flagged = !t.at("reachable").get<bool>() || !t.at("consistent").get<bool>() || !t.at("entries_match_head").get<bool>() ||
                        !t.at("head_signed").get<bool>();
      finding = t.at("error").get<std::string>();
    }
  o.audit_status = a.status;
  process::stop(pid, SIGTERM);
  o.what = fmt::format("entry {} rewritten{}: the trustee started and {} it; the auditor {} (exit {})", w.index,
                       rehash ? " with its leaf hash" : "", o.served ? "serves" : "does not serve",
                       o.audit_flagged ? fmt::format("flags its log: \"{}\"", finding) : "passes it", a.status);
  o.verdict = judge(o.served, o.audit_flagged);  // from what the trustee served and what the auditor said
  return o;
}

}  // namespace

Report log_rewrite(const Scene& s) {
  Report r;
  r.attack = "live-log-rewrite";
  r.title = "A trustee's operator rewrites an old entry of its log (live deployment)";
  if (!s.trustees.pids.contains(kVictim) || !s.trustees.ports.contains(kVictim)) setup_error("no trustee 2 to rewrite");
  // The auditor's baseline now: every entry below it is one the auditor has verified.
  const AuditResult fresh = audit(s.dir, s.bin);
  if (!fresh.consistent) setup_error("the logs are not consistent before the rewrite: " + fresh.raw.dump());
  const auto state = json::parse(must(files::read_text(s.dir + "/audit-state.json"), "the auditor's state"));
  const uint64_t baseline = state.at(std::to_string(kVictim)).at("size").get<uint64_t>();
  std::string url;
  for (const auto& e : json::parse(must(files::read_text(s.dir + "/trustees.json"), "the trustee directory")))
    if (e.at("trustee").get<unsigned>() == kVictim) url = e.at("url").get<std::string>();

  // The operator stops its trustee; the edits are made on copies of its folder, so the deployment
  // is left as it was (same program, keys and port: to the auditor it is trustee 2).
  process::stop(s.trustees.pids.at(kVictim), SIGTERM);
  s.trustees.pids[kVictim] = 0;
  TempDir work("doormat-rewrite");
  const Outcome naive = try_strategy(s, work.path, url, baseline, false);
  const Outcome rehashed = try_strategy(s, work.path, url, baseline, true);
  const std::string td = s.dir + "/trustee-" + std::to_string(kVictim);
  s.trustees.pids[kVictim] = start_one(td, td + "/passphrase", s.trustees.ports.at(kVictim), s.bin, td + "/log.txt");
  if (s.trustees.pids[kVictim] == 0) setup_error("trustee 2 did not restart from its own folder");

  // One observation per strategy: the rewritten entry against what the trustee served at its index.
  // A strategy's verdict is judged from its observation and the auditor's finding; the cell takes the
  // attacker's best.
  auto observed = [&](const char* name, const Outcome& o) {
    return Observation{fmt::format("{}: trustee {}'s entry below the audited head (size {}), as the trustee serves it", name, kVictim, baseline),
                       o.rewritten, o.served_entry};
  };
  const Observation ob_naive = observed("the entry alone", naive), ob_rehashed = observed("entry and leaf hash", rehashed);
  const Verdict v_naive = judge(ob_naive.recovered(), naive.audit_flagged), v_rehashed = judge(ob_rehashed.recovered(), rehashed.audit_flagged);
  const Verdict best = best_for_attacker({v_naive, v_rehashed});
  // The cell's detection is the strategy the cell takes: the trustee's start check for one that never
  // started, the auditor for one that did.
  const Outcome& chosen = best == v_rehashed ? rehashed : naive;
  const Detection seen = !chosen.started ? Detection::checked(true, "the trustee's own start check (it re-hashes every entry)")
                         : Detection::checked(chosen.audit_flagged, s.options.variant.fresh_auditor
                                                                        ? "escrow-authority audit with no recorded head (test variant)"
                                                                        : "escrow-authority audit against audit-state.json");
  if (seen.verdict(best == v_rehashed ? ob_rehashed.recovered() : ob_naive.recovered()) != best)
    setup_error("log-rewrite: the chosen strategy's detection disagrees with its verdict");
  Cell c{std::string(kScheme), best, fmt::format("{}; {}", naive.what, rehashed.what),
         {{"audited_size", baseline},
          {"naive_started", naive.started},
          {"naive_served", naive.served},
          {"naive_audit_flagged", naive.audit_flagged},
          {"naive_verdict", std::string(to_string(v_naive))},
          {"rehashed_started", rehashed.started},
          {"rehashed_served", rehashed.served},
          {"rehashed_audit_flagged", rehashed.audit_flagged},
          {"rehashed_audit_status", rehashed.audit_status},
          {"rehashed_verdict", std::string(to_string(v_rehashed))},
          {"naive_refusal", naive.refusal},
          {"rehashed_refusal", rehashed.refusal},
          {"chosen_strategy", best == v_rehashed ? "rehashed" : "naive"},
          {"detection", seen.to_json()},
          {"settings", {{"variant_fresh_auditor", s.options.variant.fresh_auditor}}}},
         {ob_naive, ob_rehashed}};
  // The closing sentence follows what the two strategies met in this run.
  auto met = [](const Outcome& o) {
    return !o.started ? "the trustee's start check stopped it" : !o.served ? "the trustee did not serve it"
           : o.audit_flagged                                               ? "the auditor caught it"
                                                                           : "nothing caught it";
  };
  r.narrative = fmt::format(
      "Trustee {0}'s operator wants a decryption gone from the record. It stops the trustee, opens state.db with SQLite and turns "
      "the first issued share below the head the auditor recorded (size {1}) into an out-of-scope refusal, then starts the "
      "trustee again. Strategy one, the entry alone: {2}. Strategy two, the entry and its stored leaf hash recomputed: {3}. The "
      "cell takes the attacker's best: {4}. In this run the careless edit met this: {5}; the careful one: {6}{7}.",
      kVictim, baseline, naive.what, rehashed.what, to_string(best), met(naive), met(rehashed),
      rehashed.served && rehashed.audit_flagged ? " (only an auditor who recorded a head before the edit can; a rewrite of entries no "
                                                  "auditor has seen yet is caught by nobody)"
                                                : "");
  r.numbers = {{"audited_size", baseline}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace doormat::attacks::live
