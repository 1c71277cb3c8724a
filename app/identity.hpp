#pragma once
// A person's or an agency's keys: X25519 (messages and sealed shares come to it) and Ed25519
// (it signs requests). NAME.pub is public JSON; NAME.key holds the secrets too and is 0600.
#include <array>
#include <string>

#include "escrow/error.hpp"
#include "escrow/secret.hpp"

namespace doormat::identity {

struct Public {
  std::string name;
  std::array<uint8_t, 32> box_key{};   ///< X25519
  std::array<uint8_t, 32> sign_key{};  ///< Ed25519
};

struct Identity {
  Public pub;
  escrow::Secret<32> box_secret;
  escrow::Secret<64> sign_secret;  ///< libsodium layout: seed || public key
};

[[nodiscard]] escrow::Result<Identity> generate(const std::string& name);
/// Writes PREFIX.pub and PREFIX.key.
[[nodiscard]] escrow::Result<void> save(const Identity& id, const std::string& prefix);
[[nodiscard]] escrow::Result<Identity> load(const std::string& key_path);
[[nodiscard]] escrow::Result<Public> load_public(const std::string& pub_path);

}  // namespace doormat::identity
