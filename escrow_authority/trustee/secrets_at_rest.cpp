#include "secrets_at_rest.hpp"

#include <sodium.h>

#include "escrow/ct.hpp"
#include "escrow/domain.hpp"
#include "escrow/wire.hpp"

namespace doormat::authority::at_rest {
using escrow::ErrorCategory;
using escrow::fail;

namespace {
constexpr std::size_t kHead = crypto_pwhash_SALTBYTES + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;

std::vector<uint8_t> associated_data(uint8_t index) {
  std::vector<uint8_t> ad(escrow::domain::kTrusteeSecretsAtRest.begin(), escrow::domain::kTrusteeSecretsAtRest.end());
  ad.push_back(index);
  return ad;
}
}  // namespace

escrow::Result<escrow::Secret<32>> derive_key(const std::string& passphrase, std::span<const uint8_t> salt) {
  escrow::Secret<32> key;
  if (salt.size() != crypto_pwhash_SALTBYTES) return fail(ErrorCategory::malformed, "trustee::at_rest", "salt must be 16 bytes");
  static_assert(kArgon2idPasses == crypto_pwhash_OPSLIMIT_INTERACTIVE && kArgon2idMemoryBytes == crypto_pwhash_MEMLIMIT_INTERACTIVE,
                "SPEC §1.1 states libsodium's interactive limits");
  if (crypto_pwhash(key.expose().data(), 32, passphrase.data(), passphrase.size(), salt.data(), kArgon2idPasses, kArgon2idMemoryBytes,
                    crypto_pwhash_ALG_ARGON2ID13) != 0)
    return fail(ErrorCategory::internal, "trustee::at_rest", "Argon2id ran out of memory");
  return key;
}

std::vector<uint8_t> seal(const escrow::Secret<32>& key, std::span<const uint8_t> salt, uint8_t index, std::span<const uint8_t> plain) {
  escrow::SystemRng rng;
  return seal(key, salt, index, plain, rng);
}

std::vector<uint8_t> seal(const escrow::Secret<32>& key, std::span<const uint8_t> salt, uint8_t index, std::span<const uint8_t> plain,
                          escrow::Rng& rng) {
  std::array<uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
  rng.fill(nonce);
  const auto ad = associated_data(index);
  std::vector<uint8_t> sealed(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), &len, plain.data(), plain.size(), ad.data(), ad.size(), nullptr,
                                             nonce.data(), key.expose().data());
  return escrow::wire::Writer().bytes(salt).bytes(nonce).bytes(sealed).take();
}

std::optional<std::span<const uint8_t>> salt_of(std::span<const uint8_t> blob) {
  if (blob.size() < crypto_pwhash_SALTBYTES) return std::nullopt;
  return blob.first(crypto_pwhash_SALTBYTES);
}

escrow::Result<escrow::SecureBytes> open(const escrow::Secret<32>& key, uint8_t index, std::span<const uint8_t> blob) {
  if (blob.size() < kHead + crypto_aead_xchacha20poly1305_ietf_ABYTES + 96)
    return fail(ErrorCategory::malformed, "trustee::open", "stored secrets are damaged");
  const auto ad = associated_data(index);
  escrow::SecureBytes plain(blob.size() - kHead - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long len = 0;
  // Public: whether the passphrase was right (the trustee refuses to start either way).
  if (escrow::ct::declassify(crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &len, nullptr, blob.data() + kHead, blob.size() - kHead,
                                                                ad.data(), ad.size(), blob.data() + crypto_pwhash_SALTBYTES,
                                                                key.expose().data())) != 0)
    return fail(ErrorCategory::decryption_failed, "trustee::open", "wrong passphrase, or the stored secrets were altered");
  return plain;
}

}  // namespace doormat::authority::at_rest
