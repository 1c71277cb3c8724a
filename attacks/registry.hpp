#pragma once
// Each attack file defines one of these; registry.cpp lists them in the order of docs/ATTACKS.md.
#include "attack.hpp"

namespace doormat::attacks {
extern const Attack kLeafForgery, kWarrantLaundering, kQuorumCompromise, kKeyPersistence, kBadShare,
    kDealerRetainsKey, kDkgBias, kMobileAdversary, kForgedWarrant, kSuperencryption, kForwardSecrecyLoss,
    kCrumpleCost, kLogEquivocation;
}  // namespace doormat::attacks
