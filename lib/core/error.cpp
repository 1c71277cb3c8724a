#include "escrow/error.hpp"

#include <fmt/format.h>

namespace escrow {

std::string_view to_string(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::malformed: return "malformed";
    case ErrorCategory::invalid_proof: return "invalid proof";
    case ErrorCategory::not_enough_shares: return "not enough shares";
    case ErrorCategory::policy_denied: return "policy denied";
    case ErrorCategory::decryption_failed: return "decryption failed";
    case ErrorCategory::internal: return "internal error";
  }
  return "unknown";
}

std::string Error::message() const {
  std::string out = fmt::format("{}: {}", function, to_string(category));
  if (!detail.empty()) out += fmt::format(": {}", detail);
  if (!blame.empty()) {
    out += " (blame:";
    for (PartyIndex p : blame) out += fmt::format(" {}", p.value());
    out += ")";
  }
  return out;
}

}  // namespace escrow
