#pragma once
// `escrow-attacks live`, scenario live-label-evasion (issue 14): a target under a warrant labels his
// sessions with another person's name, or with a time outside the warrant's window, so that the
// warrant on him opens none of them while his correspondent still reads them.
#include <string>

#include "attack.hpp"

namespace doormat::attacks::live {

struct LabelEvasionOptions {
  std::string workdir;        ///< the demo's folder; the scenario runs on a copy of it
  std::string authority_bin;  ///< escrow-authority
  std::string client_bin;     ///< escrow-client; empty: beside escrow-attacks in the build tree
  /// Test hook: the deployment before SPEC 7.4 (the client's --no-label-defence on send and
  /// receive: no deposit check by the provider, no sender check by the recipient).
  bool without_defence = false;
  bool progress = false;
};

/// Throws std::runtime_error on a set-up failure (not a demo folder, a trustee that does not
/// start, a control session the warrant does not open): never an outcome.
[[nodiscard]] Report label_evasion(const LabelEvasionOptions& o);

}  // namespace doormat::attacks::live
