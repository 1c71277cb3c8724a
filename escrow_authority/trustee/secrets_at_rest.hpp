#pragma once
// A trustee's secrets at rest (SPEC §11.5): salt || nonce || XChaCha20-Poly1305(key, secrets),
// key = Argon2id(passphrase, salt), ad = "doormat/v1/trustee/secrets-at-rest" || index. The secrets
// are sign_sk (64) || box_sk (32) || share (0 or 43). Its own file so the constant-time check
// (tests/ct/) can run the opening without a database.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/rng.hpp"
#include "escrow/secret.hpp"

namespace doormat::authority::at_rest {

/// Argon2id "interactive" (64 MiB, 2 passes, about 0.1 s here): five trustees start at once on a
/// 2-core machine; the passphrase file itself is the secret to protect (0600). The attacks read the
/// cost a guess pays from these.
inline constexpr unsigned long long kArgon2idPasses = 2;
inline constexpr std::size_t kArgon2idMemoryBytes = 64ull << 20;
[[nodiscard]] escrow::Result<escrow::Secret<32>> derive_key(const std::string& passphrase, std::span<const uint8_t> salt);
[[nodiscard]] std::vector<uint8_t> seal(const escrow::Secret<32>& key, std::span<const uint8_t> salt, uint8_t index,
                                        std::span<const uint8_t> plain);
/// The same with the nonce drawn from `rng` (the vector tests/vectors/at_rest/trustee_secrets).
[[nodiscard]] std::vector<uint8_t> seal(const escrow::Secret<32>& key, std::span<const uint8_t> salt, uint8_t index,
                                        std::span<const uint8_t> plain, escrow::Rng& rng);
/// The salt a sealed blob starts with (to derive its key), or nothing when the blob is too short.
[[nodiscard]] std::optional<std::span<const uint8_t>> salt_of(std::span<const uint8_t> blob);
/// The secrets, or decryption_failed for a wrong key or any altered byte.
[[nodiscard]] escrow::Result<escrow::SecureBytes> open(const escrow::Secret<32>& key, uint8_t index, std::span<const uint8_t> blob);

}  // namespace doormat::authority::at_rest
