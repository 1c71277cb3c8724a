#pragma once
// What a trustee holds of the ceremony it is in (SPEC §12.4): private to trustee/. The Trustee
// owns it through a unique_ptr (trustee.hpp), so the constructor and destructor (trustee.cpp) and
// the ceremony steps (trustee_ceremony.cpp) all need its definition.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "escrow/dkg.hpp"
#include "escrow/tdh2.hpp"
#include "trustee.hpp"

namespace doormat::authority {

struct RosterEntry {
  std::array<uint8_t, 32> sign_key{};
  std::array<uint8_t, 32> box_key{};
};

struct Trustee::Ceremony {
  std::array<uint8_t, 16> id{};
  escrow::dkg::Protocol protocol = escrow::dkg::Protocol::gjkr;
  std::size_t k = 0, n = 0;
  std::map<escrow::PartyIndex, RosterEntry> roster;
  std::vector<uint8_t> roster_bytes;  // canonical: what is pinned at commit
  std::optional<escrow::dkg::Party> party;  // empty once the key is pending (restored from disk)
  std::size_t step = 0;  // calls taken: begin is step 1, then one per round of dkg::rounds(), then finish
  uint64_t last_step = 0;  // the trustee's clock at the last accepted call
  // After finish: the key this trustee computed, waiting for every roster member's confirmation.
  std::optional<escrow::tdh2::PublicKey> pending_key;
  std::optional<escrow::tdh2::KeyShare> pending_share;
};

}  // namespace doormat::authority
