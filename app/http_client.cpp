#include "http_client.hpp"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

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

// Debian's cpp-httplib 0.11 is a compiled library that sends with no flags, so a peer that closes
// the connection while a body is being sent raises SIGPIPE, which killed the whole `investigate`
// (the eighth outside test: exit 141, no output). For the length of a call SIGPIPE is blocked on
// the calling thread (a send's SIGPIPE goes to the thread that sent) and one raised meanwhile is
// taken off before it is unblocked: the send fails with EPIPE, the call with a transport error.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &before_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0};
      sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &before_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_{}, before_{};
  bool was_pending_ = false;
};

httplib::Client client(const std::string& url, int read_timeout_seconds = 60) {
  httplib::Client c(url);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(read_timeout_seconds, 0);
  c.set_write_timeout(10, 0);
  return c;
}
}  // namespace

escrow::Result<HttpReply> http_get(const std::string& url, const std::string& path, int timeout_seconds) {
  const SigpipeBlocked quiet;
  auto c = client(url, timeout_seconds);
  return reply_of(c.Get(path.c_str()), url);
}

escrow::Result<HttpReply> http_post(const std::string& url, const std::string& path, const nlohmann::json& body, int timeout_seconds) {
  const SigpipeBlocked quiet;
  auto c = client(url, timeout_seconds);
  return reply_of(c.Post(path.c_str(), body.dump(), "application/json"), url);
}

}  // namespace doormat
