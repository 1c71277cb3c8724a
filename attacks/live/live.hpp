#pragma once
// `escrow-attacks live --workdir DIR`: attacks on a real deployment, the folder `./scripts/demo
// --workdir DIR` leaves (trustee folders with state.db and passphrase, provider.db, trustees.json,
// audit-state.json, and ground_truth.json: every message the demo sent). Each scenario's verdict
// comes from the plaintexts it recovered compared with the ground truth, and from what the real
// auditor (`escrow-authority audit`, against trustee processes this command restarts and stops)
// reported in that run.
#include <string>
#include <string_view>
#include <vector>

#include "attack.hpp"

namespace doormat::attacks::live {

struct LiveOptions {
  std::string workdir;
  std::string authority_bin;  ///< escrow-authority; empty: beside escrow-attacks in the build tree
  unsigned stolen = 0;        ///< trustees whose files and passphrases the quorum scenario steals; 0 = k
  std::string dictionary;     ///< passphrase guesses, one a line; empty: generated guesses
  unsigned guesses = 12;      ///< generated guesses timed (without --dictionary)
  bool progress = false;
  std::vector<std::string> only;  ///< run only these scenarios (names as scenario_names()); empty: all
  /// Test variants (tests/attacks/live.sh): runs whose verdicts must change if the verdicts are
  /// computed from what the run saw. Each weakens the deployment or the defender on purpose.
  struct Variant {
    bool register_lists_forged = false;  ///< stolen judge: the forged warrant is entered in the court's register too
    bool fresh_auditor = false;          ///< log rewrite: judged by an auditor who never recorded a head
    bool crl_unseen = false;             ///< CRL rollback: no trustee reads the new CRL before the old one is back
    bool off_log_through_trustees = false;   ///< off-log quorum: the quorum asks its trustees under a warrant the register lacks
    bool off_log_registered_warrant = false; ///< off-log quorum: the quorum asks its trustees under a warrant the real court registered
    bool outsider_has_operator_key = false;  ///< outsider refresh: the "outsider" signs with the real operator key
  } variant;
  bool without_label_defence = false;  ///< test hook for live-label-evasion (label_evasion.hpp)
};

/// Every scenario's name, in the order run() runs them.
[[nodiscard]] const std::vector<std::string_view>& scenario_names();

/// The scenarios' reports, one cell each (scheme "deployment"). Throws std::runtime_error when the
/// folder is not a demo's or a trustee cannot be restarted: set-up failures, never an outcome.
[[nodiscard]] std::vector<Report> run(const LiveOptions& o);

}  // namespace doormat::attacks::live
