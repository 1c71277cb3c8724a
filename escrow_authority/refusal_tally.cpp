#include "refusal_tally.hpp"

#include <fmt/format.h>

namespace doormat::authority {

void RefusalTally::roll(uint64_t now) {
  const uint64_t start = now - now % kIntervalSeconds;
  if (start == interval_) return;
  for (const auto& [key, c] : counts_) {
    const auto& [source, code] = key;
    closed_.push_back({interval_, c.first_request, {}, {}, code,
                       fmt::format("{} unauthenticated refusal(s) from {} in [{}, {}): {}", c.n, source, interval_,
                                   interval_ + kIntervalSeconds, c.first_reason)});
  }
  counts_.clear();
  per_source_.clear();
  interval_ = start;
}

void RefusalTally::count(const std::string& source, uint8_t code, const std::array<uint8_t, 32>& request_hash, std::string_view reason,
                         uint64_t now) {
  roll(now);
  const std::string who = per_source_.contains(source) || per_source_.size() < kMaxSources ? source : "other sources";
  ++per_source_[who];
  auto [it, fresh] = counts_.try_emplace({who, code});
  if (fresh) {
    it->second.first_request = request_hash;
    it->second.first_reason = std::string(reason.substr(0, 120));
  }
  ++it->second.n;
}

bool RefusalTally::over_budget(const std::string& source, uint64_t now) const {
  if (now - now % kIntervalSeconds != interval_) return false;  // a new interval: a fresh budget
  auto it = per_source_.find(source);
  if (it == per_source_.end()) it = per_source_.size() >= kMaxSources ? per_source_.find("other sources") : it;
  return budget_ > 0 && it != per_source_.end() && it->second >= budget_;
}

std::vector<escrow::translog::Entry> RefusalTally::take_due(uint64_t now, bool everything) {
  if (everything) roll(now + kIntervalSeconds);  // closes the open interval too
  else roll(now);
  return std::exchange(closed_, {});
}

}  // namespace doormat::authority
