#pragma once
// The "detected" half of a live cell (attacks/live): what a real check run in the scenario reported,
// or, where none could see the attack, a plain "not observable in this scenario" with the reason.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "attack.hpp"

namespace doormat::attacks::live {

/// A cell's "detected" half. Where the scenario runs a real check that could see the attack (the
/// auditor, a trustee's refusal), `checked` records what it reported; where it runs none, or no check
/// in the deployment could see it (a file copied offline), `not_observable` says so and why: the
/// cell's verdict is then "broken" or "held" from the plaintexts alone, never "undetected" by fiat.
struct Detection {
  bool observable = false;
  bool flagged = false;  ///< meaningful only when observable
  std::string by;        ///< the check that ran, or why none could
  [[nodiscard]] static Detection checked(bool flagged, std::string by) { return {true, flagged, std::move(by)}; }
  [[nodiscard]] static Detection not_observable(std::string why) { return {false, false, std::move(why)}; }
  /// The cell's verdict: held when nothing was obtained; detected only when a check that ran flagged it.
  [[nodiscard]] Verdict verdict(bool obtained) const { return !obtained ? Verdict::held : observable && flagged ? Verdict::detected : Verdict::broken; }
  [[nodiscard]] nlohmann::json to_json() const;
  /// For the evidence: "detected by ...", "not flagged by ...", "detection not observable in this scenario: ...".
  [[nodiscard]] std::string text() const;
};

}  // namespace doormat::attacks::live
