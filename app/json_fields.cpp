#include "json_fields.hpp"

#include <algorithm>

#include "escrow/wire.hpp"

namespace doormat {

std::string text_of(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return {};
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<uint8_t> index_of(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(field);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  const auto v = it->get<uint64_t>();
  if (v < 1 || v > 255) return std::nullopt;
  return static_cast<uint8_t>(v);
}

std::optional<std::array<uint8_t, 32>> bytes32_of(std::string_view hex) {
  auto b = escrow::wire::from_hex(hex);
  if (!b || b->size() != 32) return std::nullopt;
  std::array<uint8_t, 32> out{};
  std::copy(b->begin(), b->end(), out.begin());
  return out;
}

}  // namespace doormat
