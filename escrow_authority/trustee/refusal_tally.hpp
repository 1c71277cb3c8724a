#pragma once
// Refusals of callers who proved nothing yet — a body that does not parse, a signature by a key no
// verified warrant names, a call not signed by the operator (SPEC §11.2) — are counted per source
// (an IPv4 address, an IPv6 /64) and interval, and reach the log as one entry per source and
// interval with the counts (their kinds in the entry's reason), for at most kMaxSources sources per
// interval in the order they came, the rest counted together under "other sources" — so an
// outsider adds at most kMaxSources + 1 entries to the log every kIntervalSeconds, however many
// addresses it has. Budgets are kept for kMaxTrackedSources sources per interval, named in the log
// or not: a source past its budget is answered 429 before any further work (the sixth outside test
// found the 65th address of an interval unbudgeted, when only the sources the log named were). The
// budget is a sliding window, so a burst across an interval's boundary gets no second budget: the
// source's refusals in the open interval plus those of the interval before, weighted by how much of
// that interval the last kIntervalSeconds still cover. Sources past kMaxTrackedSources in one
// interval are never refused for budget (one shared budget would let them lock out an agency
// arriving among them). What is lost on a crash: the counts of the interval still open.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "escrow/translog.hpp"

namespace doormat::authority {

/// A refusal's reason as public words: printable ASCII, at most 120 bytes (it may quote bytes an
/// attacker chose, such as a certificate's time field).
/// Names of internal functions (`dkg::Party::resharing: `) are dropped: they say nothing to the
/// caller about its request and map the code for an attacker (the fourth outside test).
[[nodiscard]] std::string public_words(std::string_view reason);
/// A library error as a reply's reason: its category, detail and blame, without the function that
/// failed (Error::message() keeps it, for the operator's stderr), in public_words.
[[nodiscard]] std::string plain_reason(const escrow::Error& error);

class RefusalTally {
 public:
  /// `budget`: refusals per source and interval before it is answered 429; 0 = no limit.
  /// `source_key`: the log names a source by the first 8 bytes of H_{trustee/log-source}^16(key ||
  /// source) (SPEC 11.2), so the public log does not spell out callers' addresses; without a key
  /// (tests), by address.
  explicit RefusalTally(uint64_t budget = kDefaultBudget, std::optional<std::array<uint8_t, 32>> source_key = std::nullopt)
      : budget_(budget), source_key_(source_key) {}
  /// A source as this tally's log entries name it.
  [[nodiscard]] std::string log_name(const std::string& source) const;
  [[nodiscard]] uint64_t budget() const { return budget_; }
  static constexpr uint64_t kIntervalSeconds = 10;
  static constexpr uint64_t kDefaultBudget = 200;   // refusals answered in full, per source and interval
  static constexpr std::size_t kMaxSources = 64;    // named in the log per interval; the rest are counted under "other sources"
  static constexpr std::size_t kMaxTrackedSources = 4096;  // with a budget per interval (~1 MB at most)

  /// Counts one refusal. `request_hash` and `reason` are kept from the source's first in the
  /// interval; the reason is reduced to printable ASCII (it may quote attacker bytes).
  void count(const std::string& source, uint8_t code, const std::array<uint8_t, 32>& request_hash, std::string_view reason, uint64_t now);
  /// Counts one refusal against `source`'s budget without a log entry for it (agency_busy: it
  /// changes nothing and is not a decision; logged, a busy agency could grow the log with it).
  void count_unlogged(const std::string& source, uint64_t now);
  /// Has `source` used up its budget in the kIntervalSeconds up to `now`?
  [[nodiscard]] bool over_budget(const std::string& source, uint64_t now) const;
  /// The entries of every interval that ended before `now` (or all, with `everything`), taken out
  /// of the tally: the caller appends them to the log.
  [[nodiscard]] std::vector<escrow::translog::Entry> take_due(uint64_t now, bool everything = false);

 private:
  struct Count {
    uint64_t n = 0;       // logged refusals
    uint64_t quiet = 0;   // unlogged ones (count_unlogged): budget only
    std::map<uint8_t, uint64_t> by_code;
    uint8_t first_code = 0;
    std::array<uint8_t, 32> first_request{};
    std::string first_reason;
    uint64_t order = 0;  // when it came, in the interval: the first kMaxSources are named in the log
  };
  uint64_t budget_;
  std::optional<std::array<uint8_t, 32>> source_key_;
  uint64_t interval_ = 0;  // the start of the open interval
  std::map<std::string, Count> per_source_;
  std::map<std::string, uint64_t> previous_;  // refusals per named source in the interval before the open one
  std::vector<escrow::translog::Entry> closed_;  // entries of intervals already over
  void roll(uint64_t now);
  Count& counter(const std::string& source, uint64_t now);
};

/// The source a budget is kept for: an IPv4 address as it is, an IPv6 address's /64 (one host
/// commonly holds a whole /64), an IPv4-mapped IPv6 address as its IPv4 address.
[[nodiscard]] std::string budget_source(const std::string& peer);

}  // namespace doormat::authority
