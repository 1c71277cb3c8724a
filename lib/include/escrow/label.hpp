#pragma once
/// The session label L that every escrow field is bound to (SPEC §3.6): who sent to whom, when,
/// and which session. Trustees parse it to decide whether a warrant covers the session.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/rng.hpp"

namespace escrow {

struct SessionLabel {
  static constexpr std::size_t kMaxIdentityBytes = 255;
  std::string sender;     ///< 1..255 bytes, no control characters
  std::string recipient;  ///< same rules
  uint64_t time = 0;      ///< seconds since the Unix epoch, sender's clock
  std::array<uint8_t, 16> session_id{};

  /// A label for a new session with a random session id.
  [[nodiscard]] static Result<SessionLabel> make(std::string sender, std::string recipient,
                                                 uint64_t time, Rng& rng);
  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<SessionLabel> decode(std::span<const uint8_t> bytes);
};

}  // namespace escrow
