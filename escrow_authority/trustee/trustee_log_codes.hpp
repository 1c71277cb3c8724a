#pragma once
// The decision byte of a trustee's log entries (SPEC §11.3) for ceremony steps. A decryption
// request's decisions are lib's: request::FieldStatus for fields, escrow::trustee::Refusal
// (0x80-0x86) for a request refused as a whole.
#include <cstdint>

namespace doormat::authority {

// Ceremony steps (SPEC §12.4). 0x9f: a call not signed by the operator key (counted, like 0x80).
inline constexpr uint8_t kCeremonyBegun = 0x90, kCeremonyRound = 0x91, kCeremonyFinished = 0x92, kCeremonyCommitted = 0x93,
                         kCeremonyAborted = 0x94, kCeremonyRefused = 0x95, kCeremonyUnauthenticated = 0x9f;

}  // namespace doormat::authority
