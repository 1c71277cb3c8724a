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
///
/// Version 2 (a signed envelope, SPEC §3.8, §7.4) carries a sender-bound label (its sender's
/// Ed25519 key) and the sender's signature over every byte before it, escrow field and label
/// included; its ad starts with the version-2 header, so a signature stripped off to pass the
/// envelope as version 1 also breaks the body. `verify_sender` is the check the provider's mailbox
/// runs at deposit and the recipient runs before opening.
#include <array>
#include <optional>
#include <span>
#include <vector>

#include <sodium.h>

#include "escrow/error.hpp"
#include "escrow/label.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"
#include "escrow/signature.hpp"
#include "escrow/tdh2.hpp"

namespace escrow::envelope {

inline constexpr std::size_t kBoxBytes = crypto_box_SEALBYTES + tdh2::kSessionKeyBytes;  // 80
inline constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;  // 24
inline constexpr std::size_t kMaxBodyBytes = 16 * 1024 * 1024;
/// How far a signed label's time may be from the moment the provider received the envelope, either
/// way (SPEC §7.4): a clock's drift and a slow network, not a day. A label time outside every
/// warrant's window is exactly what this refuses.
inline constexpr uint64_t kMaxLabelSkewSeconds = 300;

using X25519PublicKey = std::array<uint8_t, crypto_box_PUBLICKEYBYTES>;
using X25519SecretKey = Secret<crypto_box_SECRETKEYBYTES>;

struct Envelope {
  tdh2::Ciphertext escrow;
  std::array<uint8_t, kBoxBytes> recipient_box{};
  std::array<uint8_t, kNonceBytes> nonce{};
  std::vector<uint8_t> body;  ///< ciphertext || 16-byte tag
  /// Version 2 only: Ed25519 by the label's sender key over `signed_bytes()` (SPEC §7.4).
  std::optional<signature::Signature> sender_signature{};

  [[nodiscard]] bool is_signed() const { return sender_signature.has_value(); }
  [[nodiscard]] std::vector<uint8_t> encode() const;
  /// What the sender signs: the version-2 encoding up to the signature.
  [[nodiscard]] std::vector<uint8_t> signed_bytes() const;
  /// Parses, and checks that the escrow field's label is a well-formed SessionLabel.
  [[nodiscard]] static Result<Envelope> decode(std::span<const uint8_t> bytes);
  [[nodiscard]] Result<SessionLabel> label() const { return SessionLabel::decode(escrow.label); }
};

/// H_{envelope/escrow-field}(escrow.encode()): what the AEAD binds and what logs record.
[[nodiscard]] std::array<uint8_t, 32> escrow_field_hash(const tdh2::Ciphertext& escrow);

[[nodiscard]] Result<Envelope> seal(const tdh2::PublicKey& pk, const SessionLabel& label,
                                    const X25519PublicKey& recipient,
                                    std::span<const uint8_t> plaintext, Rng& rng);

/// A signed (version-2) envelope: `label` must be sender-bound (make_bound) to the public half of
/// `sender_key`, which signs the envelope.
[[nodiscard]] Result<Envelope> seal_signed(const tdh2::PublicKey& pk, const SessionLabel& label,
                                           const X25519PublicKey& recipient,
                                           std::span<const uint8_t> plaintext,
                                           const signature::SigningKey& sender_key, Rng& rng);

/// SPEC §7.4, the sender check, in order: the envelope is signed (version 2); the signature
/// verifies under the label's sender key; that key is `known_sender_key`, the key the checker's
/// directory holds for the label's sender name; the label time is within kMaxLabelSkewSeconds of
/// `arrival` (when the provider received it), either way. The provider's mailbox runs it at
/// deposit (app/mailbox check_deposit), the recipient before opening. Public inputs only.
[[nodiscard]] Result<void> verify_sender(const Envelope& envelope, const IdentityKey& known_sender_key,
                                         uint64_t arrival, uint64_t max_skew = kMaxLabelSkewSeconds);

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
/// The same for a signed envelope (seal_signed's last step, and the vectors').
[[nodiscard]] Result<Envelope> seal_signed_with_key(const tdh2::Ciphertext& escrow,
                                                    const tdh2::SessionKey& key,
                                                    const X25519PublicKey& recipient,
                                                    std::span<const uint8_t> plaintext,
                                                    const signature::SigningKey& sender_key, Rng& rng);

}  // namespace escrow::envelope
