#pragma once
// The auditor (SPEC §11.7): fetches every trustee's signed tree head, checks it extends the last
// head this auditor saw (consistency proof), re-derives the root from the entries, and counts
// per warrant how many sessions each trustee opened and refused.
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "escrow/error.hpp"

namespace doormat::authority {

struct AuditOptions {
  std::string directory_path;
  std::string state_path;  ///< the last verified head per trustee; created if missing
  int timeout_seconds = 10;  ///< per call to one trustee; the trustees are asked in parallel
  bool allow_unreachable = false;  ///< exit 0 with unchecked trustees (the default is exit 5)
  std::string register_path{};  ///< the court's register of issued warrants (SPEC §10.7); empty: not checked
};

struct WarrantCount {
  std::set<std::string> opened;  ///< distinct escrow fields (hex hashes) this trustee issued a partial for
  uint64_t refused = 0;          ///< field- and request-level refusals
};

struct TrusteeAudit {
  int index = 0;
  bool reachable = false;
  bool head_signed = false;        ///< the head verifies under the enrolled key
  bool consistent = false;         ///< extends the previous head (or there was none)
  bool entries_match_head = false; ///< the entries hash to the signed root
  uint64_t size = 0, previous_size = 0;
  std::string root;  ///< the verified head's root (hex), stored as the next baseline
  std::map<std::string, WarrantCount> per_warrant;  ///< warrant hash (hex) -> counts
  std::vector<std::string> unregistered;  ///< warrants (hex) with sessions opened that the register lacks
  std::string error;
  bool ok() const { return reachable && head_signed && consistent && entries_match_head; }
};

struct Audit {
  std::vector<TrusteeAudit> trustees;
  bool register_checked = false;     ///< --register was given (and read)
  bool consistent() const;           ///< every reachable trustee passed every check
  std::size_t unreachable() const;  ///< trustees not checked at all
  /// Warrants (hex) under which some trustee opened sessions and that the court never registered.
  std::set<std::string> unregistered() const;
};

[[nodiscard]] escrow::Result<Audit> audit(const AuditOptions& options);
[[nodiscard]] nlohmann::json to_json(const Audit& a);

}  // namespace doormat::authority
