#include "escrow/signature.hpp"

#include <sodium.h>

#include "escrow/hash.hpp"

namespace escrow::signature {

Signature sign(std::string_view tag, std::span<const uint8_t> message, const SigningKey& key) {
  const auto digest = Hasher(tag, 32).add(message).finish<32>();
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, digest.data(), digest.size(), key.expose().data());
  return sig;
}

bool verify(std::string_view tag, std::span<const uint8_t> message, const Signature& sig, const VerifyKey& key) {
  const auto digest = Hasher(tag, 32).add(message).finish<32>();
  return crypto_sign_verify_detached(sig.data(), digest.data(), digest.size(), key.data()) == 0;
}

}  // namespace escrow::signature
