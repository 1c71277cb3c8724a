#pragma once
/// libsodium's sealed box (crypto_box_seal, SPEC §1.1) with its ephemeral key drawn from an `Rng`:
/// epk || crypto_box(m, nonce = BLAKE2b-24(epk || pk), pk, esk), where (epk, esk) =
/// crypto_box_seed_keypair(32 bytes from rng). crypto_box_seal_open opens it unchanged. Production
/// passes SystemRng; the vector generator a DeterministicRng, so sealed responses, sealed key boxes
/// and ceremony shares can be vectors.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/rng.hpp"

namespace escrow::sealed_box {

inline constexpr std::size_t kOverhead = 48;  // epk (32) + the Poly1305 tag (16)
using PublicKey = std::array<uint8_t, 32>;

/// False for an X25519 public key that no one can seal to: one of the low-order points (0, 1, the
/// points of order 8, and their encodings plus p), whose product with every clamped scalar is the
/// all-zero secret that crypto_box refuses. Such a key comes only from an attacker or a bug.
[[nodiscard]] bool usable(const PublicKey& recipient);

/// The sealed box, or malformed for an unusable recipient key (checked before any randomness is drawn).
[[nodiscard]] Result<std::vector<uint8_t>> seal(std::span<const uint8_t> plaintext, const PublicKey& recipient, Rng& rng);

}  // namespace escrow::sealed_box
