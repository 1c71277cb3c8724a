#include "http_client.hpp"

#include <sys/socket.h>

// cpp-httplib 0.11 sends with no flags by default: a trustee that closes the connection while the
// body is being sent raised SIGPIPE and killed the whole `investigate` (the eighth outside test:
// exit 141, no output). With MSG_NOSIGNAL the send fails instead and the call is a transport
// failure, which `investigate` tries again.
#define CPPHTTPLIB_SEND_FLAGS MSG_NOSIGNAL
#include <httplib.h>

namespace doormat {
using escrow::ErrorCategory;
using escrow::fail;

namespace {
escrow::Result<HttpReply> reply_of(const httplib::Result& r, const std::string& url) {
  if (!r) return fail(ErrorCategory::internal, "http", url + ": " + httplib::to_string(r.error()));
  auto body = nlohmann::json::parse(r->body, nullptr, false);
  if (body.is_discarded()) return fail(ErrorCategory::malformed, "http", url + ": reply is not JSON");
  return HttpReply{r->status, std::move(body)};
}

httplib::Client client(const std::string& url, int read_timeout_seconds = 60) {
  httplib::Client c(url);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(read_timeout_seconds, 0);
  c.set_write_timeout(10, 0);
  return c;
}
}  // namespace

escrow::Result<HttpReply> http_get(const std::string& url, const std::string& path, int timeout_seconds) {
  auto c = client(url, timeout_seconds);
  return reply_of(c.Get(path.c_str()), url);
}

escrow::Result<HttpReply> http_post(const std::string& url, const std::string& path, const nlohmann::json& body, int timeout_seconds) {
  auto c = client(url, timeout_seconds);
  return reply_of(c.Post(path.c_str(), body.dump(), "application/json"), url);
}

}  // namespace doormat
