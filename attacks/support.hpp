#pragma once
// What the attacks share: deterministic randomness per attack and design, a population of
// escrowed sessions, observations from decryption attempts, timing and a narrative writer.
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "attack.hpp"
#include "escrow/audit.hpp"
#include "escrow/pki.hpp"
#include "escrow/rng.hpp"
#include "escrow/schemes.hpp"

namespace doormat::attacks {

namespace schemes = escrow::schemes;

/// 2026-01-01 00:00 UTC: day 0 of every attack's story.
inline constexpr uint64_t kDay0 = 1767225600;
inline constexpr uint64_t kDay = 86400;

/// The narrative: paragraphs of plain words, then numbers.
class Story {
 public:
  explicit Story(Report& r) : r_(r) {}
  template <typename... Args>
  void say(fmt::format_string<Args...> f, Args&&... args) {
    r_.narrative += fmt::format(f, std::forward<Args>(args)...);
    r_.narrative += '\n';
  }

 private:
  Report& r_;
};

/// A reproducible stream for (seed, attack, design).
[[nodiscard]] escrow::DeterministicRng rng_for(const Options& o, std::string_view attack, std::string_view scheme = "");

/// The run's configuration: the defaults, with tdh2-crumple's t from the options.
[[nodiscard]] schemes::Config config_for(const Options& o);
/// A design under config_for(o).
[[nodiscard]] std::unique_ptr<schemes::Scheme> make_scheme(std::string_view name, const Options& o, escrow::Rng& rng);
/// A design under `config` exactly as given (its crumple_bits included: start from config_for(o)
/// to keep the run's t).
[[nodiscard]] std::unique_ptr<schemes::Scheme> make_scheme(std::string_view name, const schemes::Config& config,
                                                          escrow::Rng& rng);

struct StoredSession {
  schemes::Session session;
  std::string plaintext;
};

/// A session from `sender` to `recipient` on `day` with message `text`.
[[nodiscard]] StoredSession make_session(schemes::Scheme& scheme, const std::string& sender,
                                         const std::string& recipient, uint64_t day, std::string text,
                                         escrow::Rng& rng);

/// The warrant scope: `targets` on days [first, last].
[[nodiscard]] schemes::Scope scope(std::vector<std::string> targets, uint64_t first_day, uint64_t last_day);

/// An observation from a decryption attempt.
[[nodiscard]] Observation observe(std::string what, const StoredSession& s,
                                  const escrow::Result<escrow::SecureBytes>& got);
/// Opens a session with a K obtained somehow.
[[nodiscard]] escrow::Result<escrow::SecureBytes> open_with(const schemes::Session& s,
                                                            const escrow::Result<schemes::SessionKey>& key);

/// Everything trustees 1..k hold: what a quorum compromise yields (trustees 1..k - short_of_k: a
/// test variant's thief that is short of the quorum).
[[nodiscard]] std::vector<schemes::TrusteeSecret> steal_quorum(const schemes::Scheme& scheme, int short_of_k = 0);
/// Opens a session with the key an investigator's combine recovered, or passes its refusal on.
[[nodiscard]] escrow::Result<escrow::SecureBytes> open_recovered(const schemes::Session& s,
                                                                 const escrow::Result<schemes::Recovered>& recovered);
/// Opens a session with an attacker's decryptor, or passes on why there is none.
[[nodiscard]] escrow::Result<escrow::SecureBytes> open_with(const schemes::Session& s,
                                                            const escrow::Result<schemes::Decryptor>& decryptor);

/// BLAKE2b-128 of bytes, hex: how evidence names a plaintext without printing all of it.
[[nodiscard]] std::string fingerprint(std::string_view bytes);
/// "\"meet at noon\" (blake2b 3fa1…)" or the error.
[[nodiscard]] std::string describe(const Observation& o);

/// Where an attack has several strategies the cell takes the attacker's best: broken over
/// detected over held over n/a.
[[nodiscard]] Verdict best_for_attacker(std::initializer_list<Verdict> strategies);

/// A cell's verdict from what the run produced: held unless the attacker obtained what it went
/// after (plaintexts recovered against the originals); then detected if a real check of that run
/// (the auditor on the trustees' logs, against the court's register) flagged it, broken if not.
[[nodiscard]] Verdict judge(bool obtained, bool flagged);
/// bad-share's rule (bad_share.cpp): held when the lawful recovery succeeded; otherwise detected
/// only if the combine named the cheater, broken if it named nobody.
[[nodiscard]] Verdict bad_share_verdict(bool recovered, bool cheater_named);

/// A court: a judicial root, one judge, the current CRL, and the register of the warrants it issued
/// (by hash), which an auditor compares the trustees' logs with.
struct Court {
  escrow::pki::Credential root, judge;
  std::string crl;
  std::set<escrow::translog::Hash> issued;
  uint64_t now = 0;
  /// Root and judge valid from `now` (the X.509 validity is the real clock's).
  [[nodiscard]] static Court make(uint64_t now);
  [[nodiscard]] escrow::warrant::Policy policy(unsigned judges_required = 1) const;
  /// A warrant for `targets`' sessions on days [first_day, last_day], for a fresh agency key,
  /// signed by the judge and entered in the register unless `registered` is false.
  [[nodiscard]] schemes::Warrant issue(std::vector<std::string> targets, uint64_t first_day, uint64_t last_day,
                                       escrow::Rng& rng, bool registered = true, uint32_t max_sessions = 100);
};
/// An agency key pair for a warrant being drafted: sets the warrant's agency_sign_key.
[[nodiscard]] escrow::Secret<64> agency_key(escrow::warrant::Warrant& w, escrow::Rng& rng);

/// What one auditor reported on every log a design's trustees serve, run in the attack through
/// escrow::audit::check (lib/translog/audit.cpp), the code `escrow-authority audit` runs.
struct AuditReport {
  std::size_t logs = 0;                    ///< trustees that serve a log
  std::size_t entries = 0;                 ///< entries read across them
  std::size_t flagged = 0;                 ///< logs the auditor flags (a failed check, or an unregistered warrant)
  std::size_t unregistered_decisions = 0;  ///< issued decisions under warrants missing from the register
  std::set<escrow::translog::Hash> unregistered_warrants;  ///< those warrants, by hash
  std::vector<std::string> findings;       ///< "trustee 2: ..." per flagged log
  std::map<uint32_t, escrow::audit::Baseline> heads;  ///< the verified heads, the next audit's baselines
  [[nodiscard]] bool any() const { return flagged > 0; }
  [[nodiscard]] std::string summary() const;
};
/// The auditor on `scheme`'s trustees' logs as served now, against the heads it recorded before
/// (`previous`, per trustee index) and the court's register (nullptr: this auditor has none).
/// A cell's `detection` metric from the auditor that ran in the attack: observable where the design's
/// trustees serve logs, "not observable in this scenario" where none does (the auditor had nothing to
/// read). `named`: the auditor's report names what this attack did (its warrant, its decision) — a flag
/// for another reason is reported beside it (logs_flagged) and is not a detection. `what` names the check.
[[nodiscard]] nlohmann::json detection_by_audit(const AuditReport& audit, bool named, std::string_view what);
/// A cell's detection where no check that ran could see the attack (the attacker never asks a
/// trustee): "not observable in this scenario", with the reason; never a computed false.
[[nodiscard]] nlohmann::json detection_not_observable(std::string_view why);
[[nodiscard]] AuditReport audit_logs(const schemes::Scheme& scheme, const std::set<escrow::translog::Hash>* register_of_warrants,
                                     const std::map<uint32_t, escrow::audit::Baseline>& previous = {});
/// The same on logs an auditor was served (trustee index -> what it served), with their log keys.
[[nodiscard]] AuditReport audit_served(const std::map<uint32_t, std::pair<escrow::audit::Published, std::array<uint8_t, 32>>>& served,
                                       const std::set<escrow::translog::Hash>* register_of_warrants,
                                       const std::map<uint32_t, escrow::audit::Baseline>& previous);
/// A trustee's log as served, as the auditor receives it (with the consistency proof from `from`).
[[nodiscard]] escrow::audit::Published publish(const schemes::TrusteeLog& log, std::optional<uint64_t> from);

[[nodiscard]] Cell not_applicable(std::string_view scheme, std::string why);

/// For closing sentences: the cells of `r` that satisfy `pred`, in the matrix's order, each shown as
/// `show(cell)` (default: its design's name), joined by ", "; `none` when no cell does.
[[nodiscard]] std::string cells_where(const Report& r, const std::function<bool(const Cell&)>& pred,
                                      const std::function<std::string(const Cell&)>& show = {},
                                      std::string_view none = "no design");
/// The designs whose verdict is `v` ("clipper, naive-shamir"), or `none`.
[[nodiscard]] std::string designs_with(const Report& r, Verdict v, std::string_view none = "no design");
/// "label X; label Y" from (label, list) pairs, leaving out the pairs whose list is empty (build the
/// lists with none = ""); `none` when every list is empty.
[[nodiscard]] std::string clauses(std::initializer_list<std::pair<std::string_view, std::string>> parts,
                                  std::string_view none = "no design");

/// This thread's CPU seconds spent in f() (CLOCK_THREAD_CPUTIME_ID). Every timed attack step runs on
/// the calling thread, so this is the per-core cost, whatever else the (shared, loaded) machine runs:
/// the core-seconds and core-years the matrix extrapolates are core time, not wall-clock time.
[[nodiscard]] double time_it(const std::function<void()>& f);

/// Mean, median, min, max of samples (sorted in place); p99 only from 1,000 samples or more (below
/// that the "p99" of n samples is one of its top few values, not a percentile).
struct Summary {
  std::size_t n = 0;
  double mean = 0, median = 0, min = 0, max = 0;
  std::optional<double> p99;
};
inline constexpr std::size_t kMinSamplesForP99 = 1000;
[[nodiscard]] Summary summarize(std::vector<double>& samples);

void progress(const Options& o, std::string_view attack, std::string_view what);

}  // namespace doormat::attacks
