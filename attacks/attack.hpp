#pragma once
// An attack runs for real against the escrow designs of lib/schemes and reports what it got:
// a narrative, its numbers, charts, and for each design a verdict backed by observations —
// plaintexts recovered (or not) next to the originals, so a test can check the bytes itself.
#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace doormat::attacks {

enum class Verdict { broken, held, detected, not_applicable };
[[nodiscard]] std::string_view to_string(Verdict v);

/// What an observation is to its cell's verdict (tests/attacks_test.cpp checks every cell against it:
/// held means no observation the verdict is about went the attacker's way; broken or detected, one did).
enum class Role {
  sought,      ///< what the attacker went after: it wins when it obtained the original
  denied,      ///< what the attacker wants the lawful side NOT to recover (a rogue sender's session, a cheating
               ///< trustee's target, colluders' words): it wins when the original was not recovered
  control,     ///< the lawful case run beside the attack: its success is nobody's win
  comparison,  ///< the same attack on another configuration (another refresh mode, a dealer ceremony, trustees
               ///< that skip a check, another policy), shown beside the cell; the cell's verdict is not about it
};
[[nodiscard]] std::string_view to_string(Role r);

/// One thing the attack tried to obtain, the original, and what it actually got (nullopt: nothing).
struct Observation {
  std::string what;
  std::string original;
  std::optional<std::string> obtained;
  Role role = Role::sought;
  [[nodiscard]] bool recovered() const { return obtained && *obtained == original; }
  /// The attacker's win on this observation, by its role (never for a control or a comparison).
  [[nodiscard]] bool attacker_won() const {
    return role == Role::sought ? recovered() : role == Role::denied ? !recovered() : false;
  }
};

struct Cell {
  std::string scheme;
  Verdict verdict = Verdict::not_applicable;
  std::string evidence{};  ///< what was recovered, a hash of it, or why it failed
  nlohmann::json metrics = nlohmann::json::object();
  std::vector<Observation> observations{};
};

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;
  /// Optional, one per point: a 95% interval (low, high) around the point's y, drawn as an error bar.
  std::vector<std::pair<double, double>> intervals{};
  /// Optional, one per point: true where y is a model's extrapolation, not a measurement (drawn dashed
  /// or hollow, and the legend says so). Empty: every point measured.
  std::vector<bool> extrapolated{};
  [[nodiscard]] bool is_extrapolated(std::size_t i) const { return i < extrapolated.size() && extrapolated[i]; }
};

struct Chart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;
  bool log_y = false;
  bool bars = false;  ///< a histogram or a bar per x instead of lines
  std::vector<Series> series;
  std::vector<std::string> categories;  ///< names for x = 0, 1, 2, ... (a bar per design)
};

struct Report {
  std::string attack;
  std::string title;
  std::string narrative;  ///< for a non-specialist, written while the attack runs
  nlohmann::json numbers = nlohmann::json::object();
  std::vector<Cell> cells;  ///< one per design, in schemes::names() order
  std::vector<Chart> charts;
  double seconds = 0;
};

/// Test variants (tests/attacks_test.cpp): runs whose verdicts must change if the verdicts are
/// computed from what the run produced. Never set by the command line.
struct Variant {
  bool trustees_log = true;            ///< false: the tdh2 designs' trustees decide alike and write no log
  bool register_lists_forged = false;  ///< forged-warrant: the court's register holds the forged warrant too
  bool lawful_warrant_unregistered = false;  ///< forged-warrant: the court leaves its own (lawful) warrant out of its register
  int off_log_short_of_k = 0;          ///< log-equivocation: k minus this many trustees decrypt off the log
  bool investigator_discards = false;  ///< key-persistence: the investigator keeps nothing after the warrant
  bool trustees_skip_validity = false; ///< warrant-laundering: the trustees answer without the validity check
  bool unrelated_unregistered_warrant = false;  ///< warrant-laundering: an unrelated warrant the register lacks opens another session
  int epochs = 0;                      ///< mobile-adversary: epochs run; 0 = 6 quick, 10 full
  bool no_refresh = false;             ///< mobile-adversary: designs with refresh run without it
  int stolen_short_of_k = 0;           ///< quorum-compromise, forward-secrecy-loss, crumple-cost: the thief steals k minus this many shares
  bool colluders_skip_own_layer = false;  ///< superencryption: the colluders send their words without their own layer
  bool dealer_deletes_copy = false;    ///< dealer-retains-key: the party that generated the key keeps nothing of it
  bool keyed_by_dealer = false;        ///< dealer-retains-key: the designs with a DKG are keyed by a dealer as deployed
  bool forger_escrows_real_key = false;  ///< leaf-forgery: the rogue sender's candidate fields escrow the session's real K
  bool recipient_skips_check = false;  ///< leaf-forgery: the recipient accepts any field without its check
  bool bad_trustee_honest = false;     ///< bad-share: trustee 2 answers honestly
  bool no_spare_answer = false;        ///< bad-share: the investigator asks k trustees only, so it has no spare answer
  bool dkg_adversary_passive = false;  ///< dkg-bias: the corrupt parties answer every complaint (no choice made)
  bool dkg_honest_coefficients_leak = false;  ///< dkg-bias: the corrupt parties learn the honest dealers' a_j0·G before choosing
};

struct Options {
  bool quick = false;            ///< CI scale: seconds, not minutes
  std::string seed = "doormat-attacks-v1";
  unsigned crumple_bits = 0;     ///< tdh2-crumple's t; 0 = 10 in quick mode, 16 in full
  bool progress = false;         ///< progress lines on stderr
  Variant variant{};
  [[nodiscard]] unsigned crumple() const { return crumple_bits ? crumple_bits : (quick ? 10 : 16); }
};

struct Attack {
  std::string_view name;
  std::string_view title;
  std::string_view source;  ///< where the attack comes from
  Report (*run)(const Options&);
  /// The narrative's closing paragraph, computed from the finished report (its cells' verdicts,
  /// observations and metrics, its numbers): run() below appends it, so a flipped cell changes it.
  /// Null where run() writes its own closing from its counts (quorum-compromise, crumple-cost).
  std::string (*closing)(const Report&) = nullptr;
};

/// Every attack, in the order of docs/ATTACKS.md.
[[nodiscard]] const std::vector<Attack>& all();
[[nodiscard]] const Attack* find(std::string_view name);
/// Runs one attack, timing it, filling in its name and appending its closing paragraph.
[[nodiscard]] Report run(const Attack& attack, const Options& options);

}  // namespace doormat::attacks
