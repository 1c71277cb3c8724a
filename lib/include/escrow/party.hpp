#pragma once
/// A trustee's position in a k-of-n sharing: the x-coordinate at which its share is evaluated.
/// SPEC §2.3. Index 0 is the secret itself and is refused; indices run 1..kMaxParties.
#include <compare>
#include <cstdint>
#include <optional>

namespace escrow {

class PartyIndex {
 public:
  /// One byte on the wire (SPEC §3), so at most 255 parties.
  static constexpr uint32_t kMaxParties = 255;

  [[nodiscard]] static constexpr std::optional<PartyIndex> make(uint32_t value) {
    if (value == 0 || value > kMaxParties) return std::nullopt;
    return PartyIndex(static_cast<uint8_t>(value));
  }
  [[nodiscard]] constexpr uint8_t value() const { return value_; }
  constexpr auto operator<=>(const PartyIndex&) const = default;

 private:
  constexpr explicit PartyIndex(uint8_t value) : value_(value) {}
  uint8_t value_;
};

}  // namespace escrow
