#pragma once
// Fields of a trustee's reply (or of a local JSON file) read without trusting their type: a
// hostile trustee's JSON gives an error, never a nlohmann exception in the investigator, the
// auditor or the ceremony coordinator.
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace doormat {

/// text_of: "" when absent or not a string; index_of: a trustee index 1..255, or nothing.
[[nodiscard]] std::string text_of(const nlohmann::json& object, const char* field);
[[nodiscard]] std::optional<uint8_t> index_of(const nlohmann::json& object, const char* field);
/// 32 bytes from 64 hex digits (a key or a hash), or nothing.
[[nodiscard]] std::optional<std::array<uint8_t, 32>> bytes32_of(std::string_view hex);

}  // namespace doormat
