#pragma once
// The HTTP client the authority's roles call trustees with (the agency's investigator and
// enrolment, the auditor, the ceremony coordinator, the load test): JSON in and out, short
// timeouts, a trustee that is down or slow an error rather than a hang.
#include <nlohmann/json.hpp>
#include <string>

#include "escrow/error.hpp"

namespace doormat {

struct HttpReply {
  int status = 0;
  nlohmann::json body;
};
/// One HTTP call with short timeouts; a trustee that is down or slow is an error, not a hang.
[[nodiscard]] escrow::Result<HttpReply> http_get(const std::string& url, const std::string& path, int timeout_seconds = 60);
/// `timeout_seconds` bounds the wait for the reply: a trustee that accepted the connection but
/// does not answer (overloaded, frozen) is given up on, and the caller uses the others.
[[nodiscard]] escrow::Result<HttpReply> http_post(const std::string& url, const std::string& path, const nlohmann::json& body,
                                                  int timeout_seconds = 60);

}  // namespace doormat
