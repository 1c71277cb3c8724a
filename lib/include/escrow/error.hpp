#pragma once
/// Errors leave lib/ as values, never as exceptions (SPEC §6).
#include <string>
#include <string_view>
#include <vector>

#include "escrow/expected.hpp"
#include "escrow/party.hpp"

namespace escrow {

enum class ErrorCategory {
  malformed,          ///< bytes that do not parse, or values outside their domain
  invalid_proof,      ///< a zero-knowledge proof or validity check failed
  not_enough_shares,  ///< fewer than k valid partial decryptions
  policy_denied,      ///< well-formed input that the caller's policy refuses
  decryption_failed,  ///< the one error every failed decryption returns (no oracle)
  internal,           ///< a dependency failed in a way that should not happen
};

[[nodiscard]] std::string_view to_string(ErrorCategory category);

struct Error {
  ErrorCategory category;
  std::string_view function;        ///< the lib function that failed, e.g. "tdh2::combine"
  std::string detail;               ///< public information only: never secret bytes
  std::vector<PartyIndex> blame{};  ///< parties proven to have cheated, ascending

  /// "tdh2::combine: not enough shares: 2 valid of 3 needed (blame: 4)"
  [[nodiscard]] std::string message() const;
};

template <typename T>
using Result = expected<T, Error>;

[[nodiscard]] inline unexpected<Error> fail(ErrorCategory category, std::string_view function,
                                                 std::string detail,
                                                 std::vector<PartyIndex> blame = {}) {
  return unexpected<Error>(Error{category, function, std::move(detail), std::move(blame)});
}

}  // namespace escrow
