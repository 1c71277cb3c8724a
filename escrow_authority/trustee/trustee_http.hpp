#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "escrow/trustee.hpp"
#include "trustee.hpp"

namespace doormat::authority {

/// Serves the trustee's HTTP + JSON API (SPEC §11.5) until SIGTERM or SIGINT, on HttpServer
/// (http_server.hpp): connections, deadlines, bodies and the handler pool all bounded.
/// port 0 picks a free port; the port is written to `port_file` (if given) once listening.
int serve_trustee(Trustee& trustee, const std::string& host, int port, const std::string& port_file);

/// The pre-scan before nlohmann sees a body: a reason if it holds a NUL byte, its brackets nest
/// deeper than 16 or it holds more than 65,536 values (commas outside strings), else nullopt. One pass, no allocation;
/// whether the text is JSON at all is left to the parser.
[[nodiscard]] std::optional<std::string> json_bounds_problem(std::string_view body);

/// A query parameter's value (SPEC §11.5) as a plain decimal integer: 1 to 20 digits, no sign, no
/// leading zero (but "0"), at most 2^64 - 1; anything else (-1, +5, 0x10, 1e3, empty, overlong)
/// nullopt, which the route answers with 400.
[[nodiscard]] std::optional<uint64_t> strict_decimal(std::string_view text);

/// The HTTP status of a request refused as a whole (SPEC §11.2): 400 malformed, 401 bad
/// signature or stale, 409 replay, 403 warrant refused, 429 rate limited or over budget.
[[nodiscard]] int http_status(escrow::trustee::Refusal refusal);

}  // namespace doormat::authority
