#pragma once
// The decision byte of a trustee's log entries (SPEC §11.3) beyond the field statuses of
// request::FieldStatus (0 issued, 1..0x7f a field's refusal).
#include <cstdint>

namespace doormat::authority {

// A request refused as a whole. Those before the warrant verified (0x80-0x84, 0x86) are
// unauthenticated: logged once per source and interval with a count (refusal_tally.hpp).
inline constexpr uint8_t kMalformedRequest = 0x80, kBadSignature = 0x81, kStale = 0x82, kReplay = 0x83, kWarrantRefused = 0x84,
                         kRateLimited = 0x85, kSourceOverBudget = 0x86;

// Ceremony steps (SPEC §12.4). 0x9f: a call not signed by the operator key (counted, like 0x80).
inline constexpr uint8_t kCeremonyBegun = 0x90, kCeremonyRound = 0x91, kCeremonyFinished = 0x92, kCeremonyCommitted = 0x93,
                         kCeremonyAborted = 0x94, kCeremonyRefused = 0x95, kCeremonyUnauthenticated = 0x9f;

}  // namespace doormat::authority
