#pragma once
// The single-process TDH2 walk-through: the README's demo until the trustee daemons land.
#include <cstddef>

namespace doormat::authority {

struct WalkthroughOptions {
  std::size_t k = 3;
  std::size_t n = 5;
  std::size_t sessions = 4;
  bool json = false;
};

/// Runs the walk-through, prints it, returns the process exit code (0 when every step behaved
/// as the design says it must).
int run_walkthrough(const WalkthroughOptions& options);

}  // namespace doormat::authority
