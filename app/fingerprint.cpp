#include "fingerprint.hpp"

#include "escrow/domain.hpp"
#include "escrow/hash.hpp"
#include "escrow/wire.hpp"

namespace doormat::fingerprint {

std::string of(std::string_view tag, std::span<const uint8_t> bytes) {
  const std::string hex = escrow::wire::to_hex(escrow::Hasher(tag, 16).add(bytes).finish<16>());
  std::string out;
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (i && i % 4 == 0) out.push_back(':');
    out.push_back(hex[i]);
  }
  return out;
}

std::string authority(const escrow::group::Point& y) { return of(escrow::domain::kAuthorityKeyFingerprint, y.to_bytes()); }

}  // namespace doormat::fingerprint
