#pragma once
// The trustee directory an agency, auditor or ceremony coordinator keeps: each trustee's URL, the
// Ed25519 key its responses and tree heads must be signed with, and its X25519 ceremony key.
// JSON: [{"trustee": 1, "url": "...", "ed25519": "...", "x25519": "..."}]. `enroll` (enroll.hpp)
// writes it.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "escrow/error.hpp"

namespace doormat::authority {

struct TrusteeEntry {
  uint8_t index = 0;
  std::string url;  ///< http://127.0.0.1:PORT
  std::array<uint8_t, 32> sign_key{};
  std::array<uint8_t, 32> box_key{};  ///< X25519, for sealed ceremony shares
};

[[nodiscard]] escrow::Result<std::vector<TrusteeEntry>> load_directory(const std::string& path);
[[nodiscard]] escrow::Result<void> save_directory(const std::string& path, const std::vector<TrusteeEntry>& entries);

}  // namespace doormat::authority
