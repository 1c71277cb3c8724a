#pragma once
/// The signed frame of a DKG ceremony message (SPEC §12.4): what a trustee sends another through
/// the coordinator. The frame names the ceremony, the protocol, the round, the message type, the
/// sender and the recipient; a private Share travels sealed (crypto_box_seal) to its recipient's
/// X25519 key; the sender signs the whole frame with its Ed25519 key. A frame is hostile network
/// input: parse_frame() checks its structure, open_frame() everything else before any payload
/// reaches the state machine.
#include <array>
#include <optional>
#include <span>
#include <vector>

#include "escrow/dkg.hpp"
#include "escrow/error.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"
#include "escrow/signature.hpp"

namespace escrow::dkg {

using CeremonyId = std::array<uint8_t, 16>;
using BoxPublicKey = std::array<uint8_t, 32>;  ///< X25519
using BoxSecretKey = Secret<32>;

/// The largest payload a frame carries: a deal or extraction of 255 points (8 + 255 × 32 bytes)
/// fits, with room to spare.
inline constexpr std::size_t kMaxFramePayload = 16 * 1024;

/// Where a frame must belong: the ceremony in progress, its protocol, and the open round.
struct FrameContext {
  CeremonyId ceremony{};
  Protocol protocol = Protocol::gjkr;
  Round round = Round::deal;
};

/// A frame as parsed, its signature not yet checked.
struct Frame {
  CeremonyId ceremony{};
  Protocol protocol = Protocol::gjkr;
  Round round = Round::deal;
  uint8_t type = 0;                ///< the payload's header type byte (dkg::type_byte)
  PartyIndex from = *PartyIndex::make(1);
  std::optional<PartyIndex> to;    ///< a Share's recipient; nullopt (0 on the wire) for a broadcast
  std::vector<uint8_t> payload;    ///< the message's encoding, sealed to `to` for a Share
  signature::Signature signature{};
  std::vector<uint8_t> encode() const;
  /// The bytes the signature covers: the encoding up to the end of the payload.
  std::vector<uint8_t> signed_part() const;
};

/// This party's message `m` of the round in `context`, as a signed frame. A Share is sealed to
/// `recipient_box_key`, which must then be given (and is ignored for a broadcast).
[[nodiscard]] Result<std::vector<uint8_t>> make_frame(const FrameContext& context, const Message& m, const signature::SigningKey& signer,
                                                      const BoxPublicKey* recipient_box_key);
/// The same with the sealed box's ephemeral key drawn from `rng` (the vectors' frames).
[[nodiscard]] Result<std::vector<uint8_t>> make_frame(const FrameContext& context, const Message& m, const signature::SigningKey& signer,
                                                      const BoxPublicKey* recipient_box_key, Rng& rng);
/// The frame's structure: header, known protocol and round bytes, a DKG message type that belongs
/// to the round, a sender index 1..255, `to` set exactly for a Share, the payload length bounded,
/// no trailing bytes. Nothing is verified yet.
[[nodiscard]] Result<Frame> parse_frame(std::span<const uint8_t> bytes);

/// Who opens a frame: its own index and X25519 key pair (for a sealed Share).
struct Recipient {
  PartyIndex me;
  const BoxPublicKey& box_public;
  const BoxSecretKey& box_secret;
};

/// Checks a parsed frame, in this order: its ceremony, protocol and round are the context's
/// (policy_denied); the signature verifies under `sender_key`, the key the roster lists for
/// frame.from (invalid_proof, blamed on frame.from); it is a broadcast or addressed to `me`
/// (malformed); a Share opens with `me`'s box key (decryption_failed); the payload decodes as
/// the frame's type and the message's own sender (and a Share's recipient) are the frame's
/// (malformed, blamed). Returns the message for Party::receive.
[[nodiscard]] Result<Message> open_frame(const Frame& frame, const FrameContext& context, const signature::VerifyKey& sender_key,
                                         const Recipient& me);

}  // namespace escrow::dkg
