// `escrow-attacks live`: the scenarios of issue 14 item 2 that run on a demo's folder. The stolen
// files are opened with the trustee's own at-rest code (secrets_at_rest.hpp), the mailbox with
// app/mailbox, and the logs are judged by the real `escrow-authority audit` against restarted
// trustee processes. The shared helpers are deployment.hpp's; the scenarios that drive the
// running deployment have their own files (scenarios.hpp).
#include "live.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <algorithm>
#include <map>

#include "deployment.hpp"
#include "scenarios.hpp"
#include "label_evasion.hpp"
#include "secrets_at_rest.hpp"
#include "support.hpp"
#include "timed_passes.hpp"

namespace doormat::attacks::live {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string find_authority(const LiveOptions& o) {
  if (!o.authority_bin.empty()) return o.authority_bin;
  for (const auto& p : {process::self_dir() + "/../escrow_authority/escrow-authority", process::self_dir() + "/escrow-authority"})
    if (fs::exists(p)) return fs::canonical(p).string();
  setup_error("cannot find escrow-authority; give --authority-bin");
}

Report one_trustee(const Truth& t, const Loot& l, const escrow::tdh2::PublicKey& pk, const std::vector<mailbox::Stored>& box, escrow::Rng& rng) {
  Report r;
  r.attack = "live-one-trustee";
  r.title = "One trustee's state file and passphrase stolen (live deployment)";
  std::vector<escrow::tdh2::KeyShare> shares;
  shares.push_back(share_of(l));
  const auto obs = observe(t, open_mailbox(box, pk, shares, rng));
  const std::size_t got = recovered(obs);
  // The copy and the offline decryption touch no trustee, log or auditor: nothing in the deployment
  // could report them.
  const auto seen = Detection::not_observable("the files are copied and used offline; no trustee, log or auditor takes part");
  Cell c{std::string(kScheme), seen.verdict(got > 0),
         fmt::format("trustee {}'s share opened from its stolen state.db and passphrase; {} of {} mailbox sessions opened with it{}", l.index, got,
                     obs.size(), got > 0 ? "; " + seen.text() : ""),
         {{"sessions_in_mailbox", box.size()}, {"sessions_recovered", got}, {"shares_stolen", 1}, {"k", t.k}, {"detection", seen.to_json()}},
         obs};
  r.narrative = fmt::format(
      "A thief copies trustee {}'s folder: state.db and the passphrase file beside it. The trustee's own at-rest code "
      "(Argon2id, XChaCha20-Poly1305) opens its secrets, share included. With that one share the thief runs TDH2's partial "
      "decryption on every envelope in the provider's mailbox and tries to combine: {} of {} open (k = {}).",
      l.index, got, obs.size(), t.k);
  r.numbers = {{"sessions_recovered", got}, {"sessions_in_mailbox", box.size()}};
  r.cells.push_back(std::move(c));
  return r;
}

Report quorum(const Truth& t, const std::vector<Loot>& loot, const escrow::tdh2::PublicKey& pk, const std::vector<mailbox::Stored>& box,
              const AuditResult& before, const std::function<AuditResult()>& audit_after, escrow::Rng& rng) {
  Report r;
  r.attack = "live-quorum-offline";
  r.title = fmt::format("{} trustees' state files and passphrases stolen: the mailbox opened offline (live deployment)", loot.size());
  std::vector<escrow::tdh2::KeyShare> shares;
  std::string who;
  for (const auto& l : loot) {
    shares.push_back(share_of(l));
    if (!who.empty()) who += ',';
    who += fmt::format("{}", l.index);
  }
  // Measured: several timed passes, each whole sweeps over the real mailbox with the real shares for
  // at least a tenth of a second of this thread's CPU time; the per-core rate is sessions over thread
  // CPU seconds (CLOCK_THREAD_CPUTIME_ID, so other load on the machine does not count against it), the
  // mean of the passes with a within-run 95% t interval (timed_passes.hpp).
  constexpr int kPasses = 5;
  std::map<int64_t, std::optional<std::string>> got;
  std::vector<double> per_pass;
  std::size_t sweeps = 0;
  double cpu_secs = 0;
  const double load = load_average_1min();
  const auto t_all = std::chrono::steady_clock::now();
  for (int p = 0; p < kPasses; ++p) {
    const double c0 = thread_cpu_seconds();
    std::size_t here = 0;
    do {
      got = open_mailbox(box, pk, shares, rng);
      ++here;
    } while (thread_cpu_seconds() - c0 < 0.1);
    const double spent = thread_cpu_seconds() - c0;
    per_pass.push_back(static_cast<double>(here * box.size()) / spent);
    sweeps += here;
    cpu_secs += spent;
  }
  const double secs = seconds_since(t_all);
  const RateEstimate rate = estimate(std::move(per_pass));
  const auto obs = observe(t, got);
  const std::size_t n_rec = recovered(obs);
  const AuditResult after = audit_after();
  // The theft and the decryption are offline: no trustee is asked, so no log can move and no check in
  // the deployment could see them. The audit's figures are context, not a detection.
  const auto seen = Detection::not_observable("the files are copied and the mailbox decrypted offline; offline decryption leaves nothing in any log");
  const bool all = n_rec == obs.size() && !obs.empty();
  Cell c{std::string(kScheme), seen.verdict(n_rec > 0),
         fmt::format("{} of {} mailbox sessions opened offline with trustees {}'s shares, no warrant, no request; {} sessions/s per core "
                     "(thread CPU time); the auditor afterwards (context): logs {}, sessions opened in the logs {} before and {} after{}",
                     n_rec, obs.size(), who, rate.text(0, ""), after.consistent ? "consistent" : "INCONSISTENT", before.sessions_opened,
                     after.sessions_opened, n_rec > 0 ? "; " + seen.text() : ""),
         {{"sessions_in_mailbox", box.size()},
          {"sessions_recovered", n_rec},
          {"all_sessions_recovered", all},
          {"shares_stolen", loot.size()},
          {"k", t.k},
          {"sessions_per_second_per_core_measured", rate.mean},
          {"sessions_per_second_per_core_ci95", rate.ci95_json()},
          {"sessions_per_second_per_core_per_pass", rate.per_pass},
          {"timed_passes", rate.per_pass.size()},
          {"mailbox_sweeps", sweeps},
          {"thread_cpu_seconds", cpu_secs},
          {"wall_seconds", secs},
          {"load_average_1min", load},
          {"clock", kThreadClock},
          {"interval_method", kIntervalMethod},
          {"detection", seen.to_json()},
          {"audit_consistent_after", after.consistent},
          {"audit_sessions_opened_before", before.sessions_opened},
          {"audit_sessions_opened_after", after.sessions_opened}},
         obs};
  r.narrative = fmt::format(
      "A thief copies {} trustees' folders (state.db and passphrase each: trustees {}). Their own at-rest code opens the shares; "
      "with them the thief tries every envelope in the provider's mailbox offline: {} of {} sessions recovered{} (k = {}). Measured "
      "on the real files in {} timed passes: {} {} per second per core, on this thread's CPU time ({} sweeps over the mailbox, "
      "{:.2f} s of CPU in {:.2f} s of wall-clock, load average {:.2f}). Nothing of this reaches a trustee, so detection is not "
      "observable; for context, the real auditor (`escrow-authority audit`, trustees restarted) afterwards finds the logs {} and "
      "counting {} sessions opened, {} before the theft ({}).",
      loot.size(), who, n_rec, obs.size(), all ? ", each matching the ground truth byte for byte" : "", t.k, rate.per_pass.size(),
      rate.text(0, ""), n_rec > 0 ? "sessions" : "attempts (none opens)", sweeps, cpu_secs, secs, load,
      after.consistent ? "consistent" : "INCONSISTENT", after.sessions_opened, after.sessions_opened == before.sessions_opened ? "as" : "unlike",
      before.sessions_opened);
  r.numbers = {{"sessions_per_second_per_core_measured", rate.mean},
               {"sessions_per_second_per_core_ci95", rate.ci95_json()},
               {"mailbox_sweeps", sweeps},
               {"thread_cpu_seconds", cpu_secs},
               {"wall_seconds", secs}};
  r.cells.push_back(std::move(c));
  return r;
}

Report guessing(const Loot& l, const LiveOptions& o) {
  Report r;
  r.attack = "live-passphrase-guessing";
  r.title = "A state file without its passphrase: Argon2id guessing (live deployment)";
  std::vector<std::string> dict;
  if (!o.dictionary.empty()) {
    std::ifstream in(o.dictionary);
    if (!in) setup_error("cannot read the dictionary " + o.dictionary);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) dict.push_back(line);
  } else {
    for (unsigned i = 0; i < std::max(1u, o.guesses); ++i) dict.push_back(fmt::format("guess {:06} for trustee {}", i, l.index));
  }
  // Measured: one thread, each guess the trustee's own derive-and-open, each guess timed alone on the
  // thread's CPU clock (libsodium's Argon2id runs on one thread), so the per-core rate and the
  // core-hours do not count the machine's other load; the interval is the per-guess time's, the rate
  // its inverse (timed_passes.hpp, ItemRate).
  std::optional<std::string> found;
  std::size_t tried = 0;
  std::vector<double> seconds_each;
  const double load = load_average_1min();
  const auto t_all = std::chrono::steady_clock::now();
  for (const auto& g : dict) {
    ++tried;
    const double c0 = thread_cpu_seconds();
    const bool opened = open_sealed(l, g).has_value();
    seconds_each.push_back(thread_cpu_seconds() - c0);
    if (opened) {
      found = g;
      break;
    }
  }
  const double secs = seconds_since(t_all);
  const ItemRate rate = item_rate(std::move(seconds_each));
  const double per_core = rate.rate();
  const double core_hours_1e6 = 1e6 / per_core / 3600, core_hours_1e9 = 1e9 / per_core / 3600;
  const json ci_1e6 = rate.cost_ci95(1e6, 3600), ci_1e9 = rate.cost_ci95(1e9, 3600);
  auto range = [](const json& ci, int decimals) {
    if (ci.is_null()) return std::string(" (no interval: one guess)");
    return fmt::format(" (within-run 95% interval {}–{:.{}f})", ci[0].is_null() ? std::string("0") : fmt::format("{:.{}f}", ci[0].get<double>(), decimals),
                       ci[1].get<double>(), decimals);
  };
  // Guessing a copied file happens on the thief's machines: nothing in the deployment sees it.
  const auto seen = Detection::not_observable("the guesses run offline on the copied file; no trustee, log or auditor takes part");
  Observation ob{fmt::format("trustee {}'s at-rest secrets", l.index), "opened", found ? std::optional<std::string>("opened") : std::nullopt};
  Cell c{std::string(kScheme), seen.verdict(found.has_value()),
         found ? fmt::format("the passphrase was guess {} of {}: the share is the thief's; {}", tried, dict.size(), seen.text())
               : fmt::format("none of {} guesses opened it; measured {} guesses/s/core; extrapolated: 10^6 guesses {:.1f} core-hours{}, "
                             "10^9 guesses {:.0f} core-hours{}",
                             tried, rate.text(2), core_hours_1e6, range(ci_1e6, 1), core_hours_1e9, range(ci_1e9, 0)),
         {{"guesses_tried", tried},
          {"guesses_per_second_per_core_measured", per_core},
          {"guesses_per_second_per_core_ci95", rate.rate_ci95()},
          {"seconds_per_guess", rate.seconds.per_pass},
          {"seconds_per_guess_mean", rate.seconds.mean},
          {"seconds_per_guess_ci95", rate.seconds.ci95_json()},
          {"interval_method", kItemIntervalMethod},
          {"clock", kThreadClock},
          {"wall_seconds", secs},
          {"load_average_1min", load},
          {"settings", {{"dictionary_given", !o.dictionary.empty()}, {"dictionary_size", o.dictionary.empty() ? json(nullptr) : json(dict.size())},
                        {"generated_guesses", o.dictionary.empty() ? json(dict.size()) : json(nullptr)}}},
          {"argon2id_opslimit", doormat::authority::at_rest::kArgon2idPasses},
          {"argon2id_memlimit_bytes", doormat::authority::at_rest::kArgon2idMemoryBytes},
          {"core_hours_1e6_extrapolated", core_hours_1e6},
          {"core_hours_1e6_extrapolated_ci95", ci_1e6},
          {"core_hours_1e9_extrapolated", core_hours_1e9},
          {"core_hours_1e9_extrapolated_ci95", ci_1e9},
          {"detection", seen.to_json()}},
         {ob}};
  r.narrative = fmt::format(
      "A thief copies trustee {}'s state.db but not its passphrase file, and guesses passphrases with the trustee's own "
      "derive-and-open (Argon2id interactive: {} MiB, ops {}). Guesses: {}. Measured: {} guesses in {:.2f} s of wall-clock on one thread (load "
      "average {:.2f}), each timed on the thread's CPU clock: {} guesses per second per core; {}. Extrapolated from that rate (not run): a dictionary of 10^6 passphrases costs {:.1f} "
      "core-hours{}, one of 10^9 {:.0f} core-hours{} ({:.1f} core-years). A passphrase outside the dictionary is never found; the "
      "demo's own passphrases (\"demo passphrase for trustee i\") are in any dictionary built from the demo's source.",
      l.index, doormat::authority::at_rest::kArgon2idMemoryBytes >> 20, doormat::authority::at_rest::kArgon2idPasses,
      o.dictionary.empty() ? fmt::format("{} generated ones (no --dictionary)", dict.size())
                           : fmt::format("a dictionary of {} given with --dictionary", dict.size()),
      tried, secs, load, rate.text(2), found ? "one of them opened it" : "none opened it", core_hours_1e6, range(ci_1e6, 1), core_hours_1e9,
      range(ci_1e9, 0), core_hours_1e9 / (24 * 365.25));
  r.numbers = {{"guesses_per_second_per_core_measured", per_core}, {"guesses_per_second_per_core_ci95", rate.rate_ci95()},
               {"core_hours_1e6_extrapolated", core_hours_1e6}, {"core_hours_1e9_extrapolated", core_hours_1e9}};
  r.cells.push_back(std::move(c));
  return r;
}

}  // namespace

std::vector<Report> run(const LiveOptions& o) {
  const std::string dir = fs::absolute(o.workdir).string();
  const std::string bin = find_authority(o);
  const Truth truth = load_truth(dir);
  if (truth.k < 1 || truth.n < truth.k) setup_error("ground_truth.json: bad k, n");
  const unsigned stolen = o.stolen ? o.stolen : truth.k;
  if (stolen > truth.n) setup_error(fmt::format("cannot steal {} of {} trustees", stolen, truth.n));

  // The thief's copies, taken while the trustees are down (the demo stopped them).
  std::string loot_tmpl = (fs::temp_directory_path() / "doormat-loot-XXXXXX").string();
  if (!::mkdtemp(loot_tmpl.data())) setup_error("cannot create a folder for the stolen files");
  struct Remove {
    std::string p;
    ~Remove() { fs::remove_all(p); }
  } cleanup{loot_tmpl};
  std::vector<Loot> loot;
  for (unsigned i = 1; i <= stolen; ++i) loot.push_back(steal(dir, loot_tmpl, i, true));
  const Loot one = steal(dir, loot_tmpl, 1, true), no_pass = steal(dir, loot_tmpl, 1, false);
  auto box_db = must(mailbox::Mailbox::open(dir + "/provider.db"), "the provider's mailbox");
  const auto box = must(box_db.all(), "the provider's mailbox");
  const auto pk = must(escrow::tdh2::PublicKey::decode(one.authority), "the authority key in a stolen state file");
  escrow::SystemRng rng;

  std::vector<Report> out;
  auto wanted = [&](std::string_view name) {
    return o.only.empty() || std::find(o.only.begin(), o.only.end(), name) != o.only.end();
  };
  auto timed = [&](std::string_view name, auto&& f) {
    if (!wanted(name)) return;
    if (o.progress) fmt::print(stderr, "== {} ==\n", name);
    const auto t0 = std::chrono::steady_clock::now();
    Report rep = f();
    rep.seconds = seconds_since(t0);
    out.push_back(std::move(rep));
  };
  timed("live-one-trustee", [&] { return one_trustee(truth, one, pk, box, rng); });

  // The trustees are restarted only for the scenarios that talk to them.
  const auto& names = scenario_names();
  const bool need_trustees = std::any_of(names.begin() + 1, names.begin() + 7, wanted);  // quorum-offline .. log-rewrite
  if (need_trustees) {
    Trustees procs;
    start_trustees(procs, dir, bin, o);
    const AuditResult before = audit(dir, bin);
    if (!before.all_reachable) setup_error("the auditor could not reach every restarted trustee: " + before.raw.dump());
    timed("live-quorum-offline", [&] {
      return quorum(truth, loot, pk, box, before, [&] { return audit(dir, bin); }, rng);
    });
    // The scenarios that act on the running deployment; each leaves it running as it found it.
    const Scene scene{dir, bin, truth, o, procs, pk, box, rng};
    timed("live-off-log-quorum", [&] { return off_log_quorum(scene); });
    timed("live-stolen-judge-key", [&] { return stolen_judge_key(scene); });
    timed("live-crl-rollback", [&] { return crl_rollback(scene); });
    timed("live-outsider-refresh", [&] { return outsider_refresh(scene); });
    timed("live-log-rewrite", [&] { return log_rewrite(scene); });
    stop_trustees(procs);
  }

  timed("live-passphrase-guessing", [&] { return guessing(no_pass, o); });
  // On a copy of the folder, with trustee processes of its own (label_evasion.hpp).
  timed("live-label-evasion", [&] { return label_evasion({o.workdir, bin, "", o.without_label_defence, o.progress}); });
  return out;
}

/// Every scenario's name, in the order run() runs them.
const std::vector<std::string_view>& scenario_names() {
  static const std::vector<std::string_view> names = {"live-one-trustee",      "live-quorum-offline",   "live-off-log-quorum",
                                                      "live-stolen-judge-key", "live-crl-rollback",     "live-outsider-refresh",
                                                      "live-log-rewrite",      "live-passphrase-guessing", "live-label-evasion"};
  return names;
}

}  // namespace doormat::attacks::live
