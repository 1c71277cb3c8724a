#pragma once
// `escrow-attacks live --workdir DIR`: attacks on a real deployment, the folder `./scripts/demo
// --workdir DIR` leaves (trustee folders with state.db and passphrase, provider.db, trustees.json,
// audit-state.json, and ground_truth.json: every message the demo sent). Each scenario's verdict
// comes from the plaintexts it recovered compared with the ground truth, and from what the real
// auditor (`escrow-authority audit`, against trustee processes this command restarts and stops)
// reported in that run.
#include <string>
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
};

/// The scenarios' reports, one cell each (scheme "deployment"). Throws std::runtime_error when the
/// folder is not a demo's or a trustee cannot be restarted: set-up failures, never an outcome.
[[nodiscard]] std::vector<Report> run(const LiveOptions& o);

}  // namespace doormat::attacks::live
