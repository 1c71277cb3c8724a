#pragma once
/// Ed25519 (libsodium) over a domain-separated digest (SPEC §2.2): the signer signs
/// H_tag^32(message), never the raw bytes, so a signature made for one purpose (a request, a
/// response, a tree head) can never be replayed as another.
#include <array>
#include <span>
#include <string_view>

#include "escrow/secret.hpp"

namespace escrow::signature {

using SigningKey = Secret<64>;              ///< libsodium layout: seed || public key
using VerifyKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

[[nodiscard]] Signature sign(std::string_view tag, std::span<const uint8_t> message, const SigningKey& key);
[[nodiscard]] bool verify(std::string_view tag, std::span<const uint8_t> message, const Signature& sig, const VerifyKey& key);

}  // namespace escrow::signature
