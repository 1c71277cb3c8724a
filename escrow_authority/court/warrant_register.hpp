#pragma once
// The court's register of the warrants it issued (SPEC §10.7): one JSON line per warrant, appended
// by `court issue` before the warrant file is written, fsync'd, never rewritten. The auditor
// (`audit --register`) holds every warrant the trustees' logs record an issued decision for to it:
// a warrant signed with a stolen judge key verifies everywhere but is not in this file.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/translog.hpp"

namespace doormat::authority::warrant_register {

/// The register's file inside a court folder.
[[nodiscard]] std::string path_in(const std::string& court_dir);

struct Entry {
  escrow::translog::Hash hash{};  ///< SignedWarrant::hash(), what a trustee's log entry names
  std::string id;                 ///< the warrant id (hex)
  std::string case_reference, court;
  std::vector<std::string> judges, targets;
  uint64_t window_start = 0, window_end = 0, not_after = 0, issued_at = 0;
  uint32_t max_sessions = 0;
};

/// Every entry, in order. A missing file is an error (the caller decides whether "none yet" is
/// fine); so is any damage: a line that is not a version-1 entry, a duplicate hash, a last line
/// without its newline (a torn append). A damaged register is refused whole, never half-read.
[[nodiscard]] escrow::Result<std::vector<Entry>> load(const std::string& path);
/// The hashes alone, as escrow::audit::check takes them.
[[nodiscard]] escrow::Result<std::set<escrow::translog::Hash>> hashes(const std::string& path);
/// Appends one entry (O_APPEND, then fsync; the folder too when the file is new). Refuses when the
/// existing register is damaged or already holds the hash, so a bad file is never grown.
[[nodiscard]] escrow::Result<void> append(const std::string& path, const Entry& entry);

}  // namespace doormat::authority::warrant_register
