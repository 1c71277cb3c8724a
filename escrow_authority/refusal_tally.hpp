#pragma once
// Refusals of callers who proved nothing yet — a body that does not parse, a signature by a key no
// verified warrant names, a call not signed by the operator (SPEC §11.2) — are counted per source
// address and interval, and reach the log as one entry per (source, refusal) and interval with the
// count: an outsider cannot grow a trustee's log or disk faster than the number of addresses it has,
// capped at kMaxSources per interval. A source past its budget of refusals in an interval is answered 429
// before any further work, until the interval ends. What is lost on a crash: the counts of the
// interval still open (at most kIntervalSeconds of them).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "escrow/translog.hpp"

namespace doormat::authority {

class RefusalTally {
 public:
  /// `budget`: refusals per source and interval before it is answered 429; 0 = no limit.
  explicit RefusalTally(uint64_t budget = kDefaultBudget) : budget_(budget) {}
  [[nodiscard]] uint64_t budget() const { return budget_; }
  static constexpr uint64_t kIntervalSeconds = 10;
  static constexpr uint64_t kDefaultBudget = 200;   // refusals answered in full, per source and interval
  static constexpr std::size_t kMaxSources = 1024;  // per interval; the rest are counted under "other"

  /// Counts one refusal. `request_hash` and `reason` are kept from the first of its kind.
  void count(const std::string& source, uint8_t code, const std::array<uint8_t, 32>& request_hash, std::string_view reason, uint64_t now);
  /// Has `source` used up its budget in the interval that holds `now`?
  [[nodiscard]] bool over_budget(const std::string& source, uint64_t now) const;
  /// The entries of every interval that ended before `now` (or all, with `everything`), taken out
  /// of the tally: the caller appends them to the log.
  [[nodiscard]] std::vector<escrow::translog::Entry> take_due(uint64_t now, bool everything = false);

 private:
  struct Count {
    uint64_t n = 0;
    std::array<uint8_t, 32> first_request{};
    std::string first_reason;
  };
  uint64_t budget_;
  uint64_t interval_ = 0;  // the start of the open interval
  std::map<std::pair<std::string, uint8_t>, Count> counts_;
  std::map<std::string, uint64_t> per_source_;
  std::vector<escrow::translog::Entry> closed_;  // entries of intervals already over
  void roll(uint64_t now);
};

}  // namespace doormat::authority
