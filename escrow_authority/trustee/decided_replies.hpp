#pragma once
// The replies a trustee gave to requests it decided, kept for the freshness window so that an
// exact copy of a decided request gets the same reply instead of a "replayed nonce" refusal.
//
// Why (the eighth outside test, critical): `investigate` sends the same signed bytes to every
// trustee over plaintext HTTP. A reader of the wire who sent a copy first had it decided for the
// agency (the reply sealed to the agency, useless to the copier); the agency's own request then got
// `agency_busy` and `409 replayed_nonce`, and 0 of 157 sessions opened in 10 of 10 runs. Handing
// the copier the same sealed reply gives it nothing, and the agency its answer. A copy is
// recognised by the hash of its raw bytes before anything is parsed, so copies cost no parsing,
// no signature check and no log entry.
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>

namespace doormat::authority {

class DecidedReplies {
 public:
  struct Kept {
    int status = 200;
    nlohmann::json body;
  };
  /// `keep_seconds`: how long a reply is kept (the trustee's freshness window: after it the request
  /// is stale anyway); `max_bytes`: the replies' total size, the oldest dropped first (then a copy
  /// of its request gets the replayed-nonce refusal, as before).
  DecidedReplies(uint64_t keep_seconds, std::size_t max_bytes) : keep_seconds_(keep_seconds), max_bytes_(max_bytes) {}

  [[nodiscard]] std::optional<Kept> find(const std::array<uint8_t, 32>& raw_hash, uint64_t now);
  void keep(const std::array<uint8_t, 32>& raw_hash, Kept reply, uint64_t now);
  [[nodiscard]] std::size_t size() const { return replies_.size(); }

 private:
  struct Entry {
    Kept reply;
    uint64_t time;
    std::size_t bytes;
  };
  void drop_oldest();
  uint64_t keep_seconds_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::map<std::array<uint8_t, 32>, Entry> replies_;
  std::deque<std::array<uint8_t, 32>> order_;  // oldest first
};

}  // namespace doormat::authority
