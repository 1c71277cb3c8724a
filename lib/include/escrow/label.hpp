#pragma once
/// The session label L that every escrow field is bound to (SPEC §3.6): who sent to whom, when,
/// and which session. Trustees parse it to decide whether a warrant covers the session.
///
/// Version 2 (a sender-bound label) also carries the sender's Ed25519 identity key, so the name
/// is no longer whatever the sender writes: the envelope is signed by that key (SPEC §7.4) and the
/// provider and the recipient hold the name to the key they know. Version 1 labels (no key) still
/// decode, so sessions stored before the change stay judgeable; the checks refuse them.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/rng.hpp"

namespace escrow {

using IdentityKey = std::array<uint8_t, 32>;  ///< an Ed25519 public key

struct SessionLabel {
  static constexpr std::size_t kMaxIdentityBytes = 255;
  std::string sender;     ///< 1..255 bytes, no control characters
  std::string recipient;  ///< same rules
  uint64_t time = 0;      ///< seconds since the Unix epoch, sender's clock
  std::array<uint8_t, 16> session_id{};
  /// Version 2 only: the sender's Ed25519 identity key (a valid point of the prime-order subgroup).
  std::optional<IdentityKey> sender_key{};

  /// A version-1 label (no sender key) for a new session with a random session id.
  [[nodiscard]] static Result<SessionLabel> make(std::string sender, std::string recipient,
                                                 uint64_t time, Rng& rng);
  /// A version-2 label: the sender's name bound to its identity key.
  [[nodiscard]] static Result<SessionLabel> make_bound(std::string sender, const IdentityKey& sender_key,
                                                       std::string recipient, uint64_t time, Rng& rng);
  [[nodiscard]] std::vector<uint8_t> encode() const;
  [[nodiscard]] static Result<SessionLabel> decode(std::span<const uint8_t> bytes);
};

}  // namespace escrow
