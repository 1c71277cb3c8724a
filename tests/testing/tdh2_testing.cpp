#include "tdh2_testing.hpp"

#include "tdh2_detail.hpp"  // lib/tdh2/, on this target's include path only

namespace escrow::tdh2::testing {

Result<Ciphertext> encrypt_with(const PublicKey& pk, const SessionKey& key, std::span<const uint8_t> label,
                                const group::Scalar& r, const group::Scalar& s, CiphertextFormat format) {
  return detail::encrypt_with(pk, key, label, group::SecretScalar(r), group::SecretScalar(s), format);
}

Result<PartialDecryption> partial_decrypt_with(const PublicKey& pk, const KeyShare& share, const Ciphertext& ct,
                                               const group::Scalar& nonce, PartialFormat format) {
  auto verified = verify(pk, ct);
  if (!verified) return escrow::unexpected(verified.error());
  return detail::partial_decrypt_with(pk, share, *verified, group::SecretScalar(nonce), format);
}

group::Scalar derive_r(const SessionKey& key, std::span<const uint8_t> label) {
  return detail::derive_r(key, label).expose_secret();
}

}  // namespace escrow::tdh2::testing
