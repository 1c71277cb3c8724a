#pragma once
/// Every domain-separation tag Doormat hashes with, in one place (SPEC §2.2).
/// A tag changes only together with the format version and new test vectors.
#include <string_view>

namespace escrow::domain {

// group: the second generator and the generic hashes onto the group
inline constexpr std::string_view kGeneratorBar = "doormat/v1/group/generator-bar";

// TDH2 (SPEC §5)
inline constexpr std::string_view kTdh2Mask = "doormat/v1/tdh2/kem-mask";             // H1
inline constexpr std::string_view kTdh2Validity = "doormat/v1/tdh2/validity";         // H2
// H2 of a version-2 escrow field, whose validity proof carries its commitments (SPEC §3.5, §4.4).
inline constexpr std::string_view kTdh2ValidityCommitted = "doormat/v1/tdh2/validity-committed";
inline constexpr std::string_view kTdh2PartialProof = "doormat/v1/tdh2/partial-proof";  // H4
// H4 of a version-2 partial, whose proof carries its commitments (SPEC §3.7, §4.4): its own tag, so
// that the two proof forms never share a challenge.
inline constexpr std::string_view kTdh2PartialProofCommitted = "doormat/v1/tdh2/partial-proof-committed";
inline constexpr std::string_view kTdh2RecipientR = "doormat/v1/tdh2/recipient-r";    // r = H(K, L)
inline constexpr std::string_view kAuthorityKeyFingerprint = "doormat/v1/tdh2/key-fingerprint";  // SPEC §5.1: Y as a person compares it

// Envelope (SPEC §7)
inline constexpr std::string_view kEnvelopeKey = "doormat/v1/envelope/aead-key";
inline constexpr std::string_view kEnvelopeFieldHash = "doormat/v1/envelope/escrow-field";
inline constexpr std::string_view kEnvelopeSenderSignature = "doormat/v1/envelope/sender-signature";  // SPEC §7.4
inline constexpr std::string_view kMailboxRegister = "doormat/v1/mailbox/register";  // SPEC §7.4: an account's proof of its key
inline constexpr std::string_view kClientKeyFingerprint = "doormat/v1/client/key-fingerprint";  // SPEC §7.5: a known key as a person reads it

// Warrants, trustee requests and logs (SPEC §10, §11)
inline constexpr std::string_view kWarrantSignature = "doormat/v1/warrant/judge-signature";
inline constexpr std::string_view kWarrantHash = "doormat/v1/warrant/id-hash";
inline constexpr std::string_view kRequestSignature = "doormat/v1/request/agency-signature";
inline constexpr std::string_view kResponseSignature = "doormat/v1/response/trustee-signature";
inline constexpr std::string_view kTreeHeadSignature = "doormat/v1/translog/tree-head";
inline constexpr std::string_view kDkgFrame = "doormat/v1/dkg/frame";  // SPEC §12.4: a trustee signs each ceremony message
inline constexpr std::string_view kCeremonyCall = "doormat/v1/ceremony/operator-call";   // SPEC §12.4: the operator signs each call
inline constexpr std::string_view kCeremonyConfirm = "doormat/v1/ceremony/confirm-key";  // SPEC §12.4: a trustee confirms the key
inline constexpr std::string_view kTrusteeRawRequest = "doormat/v1/trustee/raw-request";        // SPEC §11.3
inline constexpr std::string_view kTrusteeSecretsAtRest = "doormat/v1/trustee/secrets-at-rest";  // SPEC §11.5
inline constexpr std::string_view kTrusteeLogSource = "doormat/v1/trustee/log-source";  // SPEC §11.2: a refused source as the public log names it

// The comparison designs and their common message layer (SPEC §13)
inline constexpr std::string_view kSchemesAeadKey = "doormat/v1/schemes/aead-key";
inline constexpr std::string_view kSchemesFieldHash = "doormat/v1/schemes/escrow-field";
inline constexpr std::string_view kClipperChecksum = "doormat/v1/clipper/leaf-checksum";
inline constexpr std::string_view kNaiveShamirMask = "doormat/v1/naive-shamir/kem-mask";
inline constexpr std::string_view kElGamalMask = "doormat/v1/threshold-elgamal/kem-mask";
inline constexpr std::string_view kElGamalPartialProof = "doormat/v1/threshold-elgamal/partial-proof";
// attacks/: the forward-secret baseline's key derivation, and how evidence fingerprints a plaintext
inline constexpr std::string_view kAttackBaselineKdf = "doormat/v1/attacks/baseline-kdf";
inline constexpr std::string_view kAttackEvidence = "doormat/v1/attacks/evidence";
// Test-only deterministic randomness (SPEC §9)
inline constexpr std::string_view kTestRng = "doormat/v1/test/rng";

}  // namespace escrow::domain
