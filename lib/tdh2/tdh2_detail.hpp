#pragma once
/// PRIVATE to lib/tdh2/ (on no group's include path): the deterministic cores behind tdh2.hpp's
/// encrypt, encrypt_recipient_verifiable, check_recipient and partial_decrypt, which take their
/// randomness as arguments. Reusing (r, s) or a proof nonce across different inputs leaks the
/// session key or the share, so nothing outside the module calls them: the public functions draw
/// fresh randomness and call these, and the test vectors reach them through the test-only target
/// doormat_tdh2_testing (tests/testing/), which the shipped programs do not link
/// (tests/boundaries/ checks their symbols).
#include <span>

#include "escrow/group.hpp"
#include "escrow/tdh2.hpp"

namespace escrow::tdh2::detail {

/// SPEC §5.2 with r and s given, in either wire form (the vectors keep version 1's). Refuses zero
/// randomness (internal) and a label over 1024 bytes.
[[nodiscard]] Result<Ciphertext> encrypt_with(const PublicKey& pk, const SessionKey& key,
                                              std::span<const uint8_t> label,
                                              const group::SecretScalar& r,
                                              const group::SecretScalar& s, CiphertextFormat format);
/// r for the recipient-verifiable variant (SPEC §5.4): H_{recipient-r}(K, L) as a scalar.
[[nodiscard]] group::SecretScalar derive_r(const SessionKey& key, std::span<const uint8_t> label);
/// SPEC §5.5 on a verified field with the proof nonce given, in either wire form (the vectors keep
/// version 1's).
[[nodiscard]] Result<PartialDecryption> partial_decrypt_with(const PublicKey& pk,
                                                             const KeyShare& share,
                                                             const VerifiedCiphertext& ct,
                                                             const group::SecretScalar& nonce,
                                                             PartialFormat format);

}  // namespace escrow::tdh2::detail
