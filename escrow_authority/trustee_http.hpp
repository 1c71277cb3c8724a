#pragma once
#include <string>

#include "trustee.hpp"

namespace doormat::authority {

/// Serves the trustee's HTTP + JSON API (SPEC §11.5) until SIGTERM or SIGINT.
/// port 0 picks a free port; the port is written to `port_file` (if given) once listening.
int serve_trustee(Trustee& trustee, const std::string& host, int port, const std::string& port_file);

}  // namespace doormat::authority
