#pragma once
/// TEST-ONLY (target doormat_tdh2_testing): deterministic TDH2 for the test vectors and the tests.
/// Reusing (r, s) or a proof nonce across different inputs leaks secrets; no shipped program links
/// this target (tests/boundaries/ checks that no escrow::tdh2::testing symbol is in them).
/// Thin wrappers over the module's private cores (lib/tdh2/tdh2_detail.hpp), taking plain Scalars
/// as the vector files hold them.
#include <span>

#include "escrow/group.hpp"
#include "escrow/tdh2.hpp"

namespace escrow::tdh2::testing {

/// `format` picks the wire form: the v1 vectors keep version 1 (the default here), encrypt writes 2.
[[nodiscard]] Result<Ciphertext> encrypt_with(const PublicKey& pk, const SessionKey& key,
                                              std::span<const uint8_t> label, const group::Scalar& r,
                                              const group::Scalar& s,
                                              CiphertextFormat format = CiphertextFormat::challenge);
/// Verifies ct first, as partial_decrypt does; `format` picks the wire form (the v1 vectors keep
/// version 1, the trustees answer with version 2).
[[nodiscard]] Result<PartialDecryption> partial_decrypt_with(const PublicKey& pk,
                                                             const KeyShare& share,
                                                             const Ciphertext& ct,
                                                             const group::Scalar& nonce,
                                                             PartialFormat format);
/// r for the recipient-verifiable variant: H_{recipient-r}(K, L) as a scalar.
[[nodiscard]] group::Scalar derive_r(const SessionKey& key, std::span<const uint8_t> label);

}  // namespace escrow::tdh2::testing
