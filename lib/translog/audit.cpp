// The auditor's checks on one trustee's published log (SPEC §11.7).
#include "escrow/audit.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace escrow::audit {

Findings check(const Published& p, const std::array<uint8_t, 32>& trustee_key, const std::optional<Baseline>& previous,
               const std::optional<std::set<Hash>>& register_of_warrants) {
  Findings out;
  const auto& head = p.head;
  if (!translog::verify_signature(head, trustee_key)) {
    out.error = "tree head does not verify under the enrolled key";
    return out;
  }
  out.head_signed = true;
  out.size = head.size;

  // Consistency with the last head this auditor verified: the log may grow, never change its past.
  out.consistent = true;
  if (previous) {
    out.previous_size = previous->size;
    if (previous->size > head.size) {
      out.consistent = false;
      out.error = fmt::format("log shrank from {} to {} entries", previous->size, head.size);
    } else {
      // RFC 9162 §2.1.4.2 wants an empty proof for equal sizes and old size 0.
      const std::span<const Hash> proof =
          previous->size > 0 && previous->size < head.size ? std::span<const Hash>(p.consistency) : std::span<const Hash>();
      out.consistent = translog::verify_consistency(previous->size, head.size, previous->root, head.root, proof);
      if (!out.consistent) out.error = "consistency proof fails: the trustee rewrote its log";
    }
  }

  // Every entry read back and the root re-derived: the counts are then exactly what the signed
  // head commits to.
  std::vector<Hash> leaves;
  leaves.reserve(std::min<std::size_t>(p.entries.size(), head.size));
  for (const auto& bytes : p.entries) {
    if (leaves.size() == head.size) break;
    leaves.push_back(translog::leaf_hash(bytes));
    auto entry = translog::Entry::decode(bytes);
    if (!entry) continue;
    auto& count = out.per_warrant[entry->warrant_hash];
    // Opened: distinct fields, so a field issued again (or once for several places) counts once.
    // Refused: fields, so an entry standing for N of a request's fields counts N (SPEC §11.3).
    if (entry->decision == 0) count.opened.insert(entry->field_hash);
    else count.refused += entry->decision <= 4 ? translog::fields_counted(entry->reason) : 1;
  }
  out.entries_match_head = leaves.size() == head.size && translog::root(leaves) == head.root;
  if (!out.entries_match_head && out.error.empty()) out.error = "entries do not hash to the signed root";

  // The court's register: an issued decision under a warrant it never issued.
  if (register_of_warrants) {
    out.register_checked = true;
    for (const auto& [warrant, count] : out.per_warrant)
      if (!count.opened.empty() && !register_of_warrants->contains(warrant)) out.unregistered.push_back(warrant);
    if (!out.unregistered.empty() && out.error.empty())
      out.error = fmt::format("{} warrant(s) with issued decisions are missing from the court's register", out.unregistered.size());
  }
  return out;
}

bool equivocation(const translog::TreeHead& a, const translog::TreeHead& b, const std::array<uint8_t, 32>& key) {
  return a.size == b.size && a.root != b.root && translog::verify_signature(a, key) && translog::verify_signature(b, key);
}

}  // namespace escrow::audit
