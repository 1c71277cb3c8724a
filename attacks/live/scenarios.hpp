#pragma once
// The live scenarios that act on the running deployment, one file each. Each is given the trustees
// running and leaves them running on the same folder, so the scenarios after it (and a later run)
// see the deployment as the demo left it, plus the log entries the attacks themselves caused.
#include "attack.hpp"
#include "deployment.hpp"

namespace doormat::attacks::live {

/// k trustees' files copied while they keep serving; the mailbox opened offline; audited live.
[[nodiscard]] Report off_log_quorum(const Scene& s);
/// A judge's key taken from the court's folder signs a warrant the court never registered.
[[nodiscard]] Report stolen_judge_key(const Scene& s);
/// A judge revoked with the court's commands; the CRL from before it copied back.
[[nodiscard]] Report crl_rollback(const Scene& s);
/// An outsider with its own operator key runs a refresh against the trustees' ports.
[[nodiscard]] Report outsider_refresh(const Scene& s);
/// A trustee's operator rewrites an old entry of its SQLite log and restarts it.
[[nodiscard]] Report log_rewrite(const Scene& s);

}  // namespace doormat::attacks::live
