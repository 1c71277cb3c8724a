#pragma once
/// A message as it travels through the provider (SPEC §7): the escrow field, the session key
/// sealed to the recipient, and the body under XChaCha20-Poly1305.
///
///   K         fresh 32-byte session key
///   escrow    tdh2::encrypt_recipient_verifiable(pk, K, L)
///   box       libsodium sealed box of K to the recipient's X25519 key
///   key       H_{envelope/aead-key}(K)
///   ad        envelope header || H_{envelope/escrow-field}(escrow encoding) || L
///   body      XChaCha20-Poly1305(key, nonce, plaintext, ad)
///
/// Stripping, swapping or editing the escrow field changes ad, so the body no longer opens.
#include <array>
#include <span>
#include <vector>

#include <sodium.h>

#include "escrow/error.hpp"
#include "escrow/label.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"
#include "escrow/tdh2.hpp"

namespace escrow::envelope {

inline constexpr std::size_t kBoxBytes = crypto_box_SEALBYTES + tdh2::kSessionKeyBytes;  // 80
inline constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;  // 24
inline constexpr std::size_t kMaxBodyBytes = 16 * 1024 * 1024;

using X25519PublicKey = std::array<uint8_t, crypto_box_PUBLICKEYBYTES>;
using X25519SecretKey = Secret<crypto_box_SECRETKEYBYTES>;

struct Envelope {
  tdh2::Ciphertext escrow;
  std::array<uint8_t, kBoxBytes> recipient_box{};
  std::array<uint8_t, kNonceBytes> nonce{};
  std::vector<uint8_t> body;  ///< ciphertext || 16-byte tag

  [[nodiscard]] std::vector<uint8_t> encode() const;
  /// Parses, and checks that the escrow field's label is a well-formed SessionLabel.
  [[nodiscard]] static Result<Envelope> decode(std::span<const uint8_t> bytes);
  [[nodiscard]] Result<SessionLabel> label() const { return SessionLabel::decode(escrow.label); }
};

/// H_{envelope/escrow-field}(escrow.encode()): what the AEAD binds and what logs record.
[[nodiscard]] std::array<uint8_t, 32> escrow_field_hash(const tdh2::Ciphertext& escrow);

[[nodiscard]] Result<Envelope> seal(const tdh2::PublicKey& pk, const SessionLabel& label,
                                    const X25519PublicKey& recipient,
                                    std::span<const uint8_t> plaintext, Rng& rng);

/// The recipient's open: unseal K, run the re-encryption check (the escrow field must hide this
/// exact K), then decrypt. Every failure returns the same decryption_failed error.
[[nodiscard]] Result<SecureBytes> open(const tdh2::PublicKey& pk, const Envelope& envelope,
                                       const X25519PublicKey& recipient_public,
                                       const X25519SecretKey& recipient_secret);

/// The lawful-access open: decrypt with a K recovered by tdh2::combine.
[[nodiscard]] Result<SecureBytes> open_with_session_key(const Envelope& envelope,
                                                        const tdh2::SessionKey& key);

/// Building block shared by seal and the attack demos: the body under a given K.
[[nodiscard]] Result<Envelope> seal_with_key(const tdh2::Ciphertext& escrow,
                                             const tdh2::SessionKey& key,
                                             const X25519PublicKey& recipient,
                                             std::span<const uint8_t> plaintext, Rng& rng);

}  // namespace escrow::envelope
