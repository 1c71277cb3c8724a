// A live cell's detection: checked or not observable (detection.hpp).
#include "detection.hpp"

namespace doormat::attacks::live {

nlohmann::json Detection::to_json() const {
  if (!observable) return {{"observable", false}, {"detected", "not observable in this scenario"}, {"why", by}};
  return {{"observable", true}, {"detected", flagged}, {"by", by}};
}

std::string Detection::text() const {
  if (!observable) return "detection not observable in this scenario (" + by + ")";
  return (flagged ? "flagged by " : "not flagged by ") + by;
}

}  // namespace doormat::attacks::live
