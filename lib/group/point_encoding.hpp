#pragma once
// PRIVATE to lib/group: the checks on a point's encoding that come before either backend decodes
// it (group.cpp), so that both refuse the same bytes with the same error.
#include <cstdint>
#include <span>

#include "escrow/error.hpp"

namespace escrow::group::detail {

/// 32 bytes, bit 255 clear.
[[nodiscard]] Result<void> check_point_encoding(std::span<const uint8_t> bytes);

}  // namespace escrow::group::detail
