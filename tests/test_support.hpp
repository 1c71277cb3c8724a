#pragma once
// Helpers shared by the unit tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "escrow/error.hpp"
#include "escrow/wire.hpp"

namespace escrow::test {

/// A string's bytes (labels in tests).
inline std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

inline std::vector<uint8_t> hex(std::string_view h) {
  auto b = wire::from_hex(h);
  EXPECT_TRUE(b.has_value()) << h;
  return b.value_or(std::vector<uint8_t>{});
}

/// Asserts that `result` failed with `category`.
template <typename T>
::testing::AssertionResult failed_with(const Result<T>& result, ErrorCategory category) {
  if (result.has_value()) return ::testing::AssertionFailure() << "expected failure, got success";
  if (result.error().category != category)
    return ::testing::AssertionFailure() << "wrong category: " << result.error().message();
  return ::testing::AssertionSuccess();
}

/// All k-subsets of {0..n-1}, or `limit` of them chosen at random when there are more.
std::vector<std::vector<std::size_t>> subsets(std::size_t n, std::size_t k, std::size_t limit, uint32_t seed);

}  // namespace escrow::test
