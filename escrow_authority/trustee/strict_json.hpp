#pragma once
// The trustee's JSON parser for what callers send (POST bodies, a ceremony call's text): nlohmann's,
// with duplicate keys refused. nlohmann keeps the last of two equal keys, so one body could read as
// two different requests to two readers (the fourth outside test's informational finding).
#include <nlohmann/json.hpp>
#include <string_view>

namespace doormat::authority {

/// The JSON value of `text`, or a discarded value (is_discarded()) when `text` is not JSON or an
/// object in it names a key twice. Bounds (depth, count, NUL bytes) are json_bounds_problem's,
/// checked before this.
[[nodiscard]] nlohmann::json parse_strict_json(std::string_view text);

}  // namespace doormat::authority
