#pragma once
/// The auditor's checks on one trustee's published log (SPEC §11.7), with no transport: the
/// daemon's `escrow-authority audit` fetches the head, the consistency proof and the entries over
/// HTTP and calls check(); the attacks (attacks/) call the same function on the logs the
/// comparison designs' trustees wrote in the run.
///
/// check(): the head verifies under the trustee's enrolled key; it extends the head this auditor
/// recorded last (never shrinks, and the consistency proof holds); the entries hash to the signed
/// root; and, given the court's register of the warrants it issued, every warrant under which
/// the log records an issued decision is in it. It counts per warrant the fields opened and the
/// refusals. equivocation(): two heads of one trustee that cannot both be true (gossip between
/// auditors, RFC 9162 §8.1.4).
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "escrow/translog.hpp"

namespace escrow::audit {

using translog::Hash;

/// The last head an auditor verified for a trustee: what the next audit must extend.
struct Baseline {
  uint64_t size = 0;
  Hash root{};
};

/// What a trustee served the auditor.
struct Published {
  translog::TreeHead head;
  std::vector<std::vector<uint8_t>> entries;  ///< the encoded entries 0..head.size-1, as served
  std::vector<Hash> consistency;              ///< PROOF(previous size, head.size), when there is a previous head
};

struct WarrantCount {
  std::set<Hash> opened;  ///< distinct escrow fields (field hashes) the trustee issued a partial for
  uint64_t refused = 0;   ///< refused fields (an entry for N fields counts N, SPEC §11.3) and request-level refusals
};

struct Findings {
  bool head_signed = false;         ///< the head verifies under the enrolled key
  bool consistent = false;          ///< extends the previous head (or there was none)
  bool entries_match_head = false;  ///< the entries hash to the signed root
  uint64_t size = 0, previous_size = 0;
  std::map<Hash, WarrantCount> per_warrant;
  bool register_checked = false;    ///< a register was given
  /// Warrants under which the log records an issued decision and that the register does not hold
  /// (empty when no register was given).
  std::vector<Hash> unregistered;
  std::string error;  ///< the first check that failed, in words
  [[nodiscard]] bool ok() const { return head_signed && consistent && entries_match_head; }
  /// Something an auditor reports: a failed check, or a decision under a warrant the court never issued.
  [[nodiscard]] bool flagged() const { return !ok() || !unregistered.empty(); }
};

/// Checks what one trustee published against its enrolled log key `trustee_key`, the head this
/// auditor recorded last (nullopt: none yet) and, optionally, the court's register of issued
/// warrants (their hashes, warrant::SignedWarrant::hash()). An entry that does not decode still
/// counts in the root, not in the per-warrant counts.
[[nodiscard]] Findings check(const Published& published, const std::array<uint8_t, 32>& trustee_key,
                             const std::optional<Baseline>& previous,
                             const std::optional<std::set<Hash>>& register_of_warrants = std::nullopt);

/// Gossip between two auditors: both heads verify under the trustee's key, have one size and two
/// roots — a signed proof that the trustee showed them different logs.
[[nodiscard]] bool equivocation(const translog::TreeHead& a, const translog::TreeHead& b,
                                const std::array<uint8_t, 32>& trustee_key);

}  // namespace escrow::audit
