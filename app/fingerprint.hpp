#pragma once
// Keys as a person compares them (SPEC 5.1, 7.5): 16 bytes of a domain-separated hash, written as
// 8 groups of 4 hex digits joined by ':'.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "escrow/group.hpp"

namespace doormat::fingerprint {

/// H_tag^16(bytes) as 8 groups of 4 lowercase hex digits joined by ':'.
[[nodiscard]] std::string of(std::string_view tag, std::span<const uint8_t> bytes);
/// The authority's: H_{doormat/v1/tdh2/key-fingerprint}^16(Y) (SPEC 5.1); a refresh keeps it.
[[nodiscard]] std::string authority(const escrow::group::Point& y);

}  // namespace doormat::fingerprint
