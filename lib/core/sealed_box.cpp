#include "escrow/sealed_box.hpp"

#include <sodium.h>

#include <algorithm>

#include "escrow/secret.hpp"
#include "escrow/sodium.hpp"

namespace escrow::sealed_box {

bool usable(const PublicKey& recipient) {
  sodium_ready();
  // Any scalar shows it: crypto_scalarmult clamps (a multiple of 8) and refuses an all-zero
  // result, which a low-order point gives for every clamped scalar. The key is public.
  std::array<uint8_t, 32> scalar{}, product{};
  scalar[0] = 9;
  return crypto_scalarmult(product.data(), scalar.data(), recipient.data()) == 0;
}

Result<std::vector<uint8_t>> seal(std::span<const uint8_t> plaintext, const PublicKey& recipient, Rng& rng) {
  constexpr std::string_view fn = "sealed_box::seal";
  if (!usable(recipient)) return fail(ErrorCategory::malformed, fn, "recipient key is a low-order X25519 point");
  Secret<crypto_box_SEEDBYTES> seed;
  rng.fill(seed.expose());
  std::array<uint8_t, crypto_box_PUBLICKEYBYTES> epk{};
  Secret<crypto_box_SECRETKEYBYTES> esk;
  crypto_box_seed_keypair(epk.data(), esk.expose().data(), seed.expose().data());
  std::array<uint8_t, crypto_box_NONCEBYTES> nonce{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, nonce.size());
  crypto_generichash_update(&st, epk.data(), epk.size());
  crypto_generichash_update(&st, recipient.data(), recipient.size());
  crypto_generichash_final(&st, nonce.data(), nonce.size());
  std::vector<uint8_t> out(kOverhead + plaintext.size());
  std::copy(epk.begin(), epk.end(), out.begin());
  if (crypto_box_easy(out.data() + epk.size(), plaintext.data(), plaintext.size(), nonce.data(), recipient.data(),
                      esk.expose().data()) != 0)
    return fail(ErrorCategory::internal, fn, "crypto_box_easy failed");
  return out;
}

}  // namespace escrow::sealed_box
