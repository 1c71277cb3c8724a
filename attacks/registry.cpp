#include <chrono>

#include "registry.hpp"

namespace doormat::attacks {

const std::vector<Attack>& all() {
  static const std::vector<Attack> attacks{kLeafForgery,      kWarrantLaundering, kQuorumCompromise,  kKeyPersistence,
                                           kBadShare,         kDealerRetainsKey,  kDkgBias,           kMobileAdversary,
                                           kForgedWarrant,    kSuperencryption,   kForwardSecrecyLoss, kCrumpleCost,
                                           kLogEquivocation};
  return attacks;
}

const Attack* find(std::string_view name) {
  for (const auto& a : all())
    if (a.name == name) return &a;
  return nullptr;
}

Report run(const Attack& attack, const Options& options) {
  const auto t0 = std::chrono::steady_clock::now();
  Report r = attack.run(options);
  r.attack = attack.name;
  r.title = attack.title;
  if (attack.closing) {
    const std::string closing = attack.closing(r);
    r.narrative.push_back('\n');
    r.narrative.append(closing);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace doormat::attacks
