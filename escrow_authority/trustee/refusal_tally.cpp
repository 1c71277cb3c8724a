#include "refusal_tally.hpp"

#include <fmt/format.h>

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/wire.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <regex>

namespace doormat::authority {

namespace {
constexpr const char* kOtherSources = "other sources";

}  // namespace

std::string public_words(std::string_view reason) {
  // `ns::function: ` as Error::message() prefixes it, however deep the nesting.
  static const std::regex kFunctionName(R"([A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)+: ?)");
  std::string out(reason.substr(0, 1024));
  if (out.find("::") != std::string::npos) out = std::regex_replace(out, kFunctionName, "");  // std::regex is slow: only when needed
  out.resize(std::min<std::size_t>(out.size(), 120));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return out;
}

std::string plain_reason(const escrow::Error& error) {
  std::string out = fmt::format("{}: {}", escrow::to_string(error.category), error.detail);
  if (!error.blame.empty()) {
    out += " (blame:";
    for (const auto p : error.blame) out += fmt::format(" {}", p.value());
    out += ")";
  }
  return public_words(out);
}

std::string budget_source(const std::string& peer) {
  in6_addr a6{};
  if (peer.find(':') == std::string::npos || inet_pton(AF_INET6, peer.c_str(), &a6) != 1) return peer;
  char text[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&a6)) return inet_ntop(AF_INET, &a6.s6_addr[12], text, sizeof text) ? text : peer;
  std::memset(&a6.s6_addr[8], 0, 8);
  return inet_ntop(AF_INET6, &a6, text, sizeof text) ? std::string(text) + "/64" : peer;
}

void RefusalTally::roll(uint64_t now) {
  const uint64_t start = now - now % kIntervalSeconds;
  if (start == interval_) return;
  // The first kMaxSources sources with logged refusals get an entry each, in the order they came;
  // the others, and the untracked, one entry together.
  std::vector<std::pair<const std::string*, const Count*>> logged;
  for (const auto& [source, c] : per_source_)
    if (c.n > 0 && source != kOtherSources) logged.emplace_back(&source, &c);
  std::sort(logged.begin(), logged.end(), [](const auto& a, const auto& b) { return a.second->order < b.second->order; });
  Count others;
  if (auto it = per_source_.find(kOtherSources); it != per_source_.end()) others = it->second;
  for (std::size_t i = kMaxSources; i < logged.size(); ++i) {
    const Count& c = *logged[i].second;
    if (others.n == 0 || c.order < others.order) {  // the earliest first refusal speaks for them all
      others.first_code = c.first_code;
      others.first_request = c.first_request;
      others.first_reason = c.first_reason;
      others.order = c.order;
    }
    others.n += c.n;
    for (const auto& [code, n] : c.by_code) others.by_code[code] += n;
  }
  logged.resize(std::min(logged.size(), kMaxSources));
  const std::string other_name = kOtherSources;
  if (others.n > 0) logged.emplace_back(&other_name, &others);
  for (const auto& [source, c] : logged) {
    std::string kinds;
    for (const auto& [code, n] : c->by_code) kinds += fmt::format("{}0x{:02x} x{}", kinds.empty() ? "" : ", ", code, n);
    closed_.push_back({interval_, c->first_request, {}, {}, c->first_code,
                       fmt::format("{} refusal(s) before any state changed, from {} in [{}, {}) ({}): {}", c->n, log_name(*source), interval_,
                                   interval_ + kIntervalSeconds, kinds, c->first_reason)});
  }
  previous_.clear();
  if (start == interval_ + kIntervalSeconds)
    for (const auto& [source, c] : per_source_)
      if (source != kOtherSources) previous_[source] = c.n + c.quiet;
  per_source_.clear();
  interval_ = start;
}

std::string RefusalTally::log_name(const std::string& source) const {
  if (!source_key_ || source == kOtherSources) return source;
  return "source " + escrow::wire::to_hex(escrow::Hasher(escrow::domain::kTrusteeLogSource, 16).add(*source_key_).add(source).finish<16>()).substr(0, 16);
}

RefusalTally::Count& RefusalTally::counter(const std::string& source, uint64_t now) {
  roll(now);
  const auto key = budget_source(source);
  if (auto it = per_source_.find(key); it != per_source_.end()) return it->second;
  const std::string who = per_source_.size() < kMaxTrackedSources ? key : kOtherSources;
  const auto [it, fresh] = per_source_.try_emplace(who);
  if (fresh) it->second.order = per_source_.size();
  return it->second;
}

void RefusalTally::count(const std::string& source, uint8_t code, const std::array<uint8_t, 32>& request_hash, std::string_view reason,
                         uint64_t now) {
  auto& c = counter(source, now);
  if (c.n == 0) {  // the first logged one (unlogged ones may have come before)
    c.first_code = code;
    c.first_request = request_hash;
    c.first_reason = public_words(reason);
  }
  ++c.n;
  ++c.by_code[code];
}

void RefusalTally::count_unlogged(const std::string& source, uint64_t now) { ++counter(source, now).quiet; }

bool RefusalTally::over_budget(const std::string& peer, uint64_t now) const {
  const auto source = budget_source(peer);
  if (budget_ == 0 || source == kOtherSources) return false;
  const uint64_t start = now - now % kIntervalSeconds;
  auto named = [&](const std::string& s) {
    const auto it = per_source_.find(s);
    return it == per_source_.end() ? uint64_t{0} : it->second.n + it->second.quiet;
  };
  uint64_t open = 0, before = 0;  // refusals in the interval holding `now`, and in the one before it
  if (start == interval_) {
    open = named(source);
    const auto it = previous_.find(source);
    before = it == previous_.end() ? 0 : it->second;
  } else if (start == interval_ + kIntervalSeconds) {
    before = named(source);  // the open interval is about to close: its counts are the previous ones
  }
  // The last kIntervalSeconds cover (kIntervalSeconds - elapsed) seconds of the interval before.
  // A source past kMaxTrackedSources has no count here: it is never over.
  const uint64_t elapsed = now - start;
  return open * kIntervalSeconds + before * (kIntervalSeconds - elapsed) >= budget_ * kIntervalSeconds;
}

std::vector<escrow::translog::Entry> RefusalTally::take_due(uint64_t now, bool everything) {
  if (everything) roll(now + kIntervalSeconds);  // closes the open interval too
  else roll(now);
  return std::exchange(closed_, {});
}

}  // namespace doormat::authority
