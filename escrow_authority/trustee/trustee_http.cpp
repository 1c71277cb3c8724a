#include "trustee_http.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <ctime>
#include <thread>

#include "files.hpp"
#include "http_server.hpp"

namespace doormat::authority {
namespace {

// A request is at most 8 MiB and hex doubles it; the JSON around it is small.
constexpr std::size_t kMaxBodyBytes = 2 * escrow::request::kMaxRequestBytes + 1024;
// At most four full-size bodies held at once (being read, queued or parsed; 4 x 16 MiB = 64 MiB),
// so body memory is bounded by four bodies and their parse copies (a valid 16 MiB body is parsed
// into a 16 MiB JSON string and an 8 MiB request: ~40 MiB each, ~160 MiB for four, one per worker),
// not by connections x 16 MiB (256 x 16 MiB = 4 GiB). Four, not two: with one large body per source
// (HttpLimits::max_large_bodies_per_source) and a minimum rate, two trickling attackers no longer
// hold it all (pentest F4).
constexpr std::size_t kLargeBodyBudget = 4 * kMaxBodyBytes;
// Our bodies nest three deep ({"messages": [{...}]}); 16 leaves room and stops the 8 M-deep
// arrays that took the trustee from 76 MB to 630 MB inside nlohmann.
constexpr std::size_t kMaxJsonDepth = 16;
// A ceremony body for 255 trustees has a few thousand values; each value costs nlohmann tens of
// bytes, so 16 MiB of "[0,0,..." would cost hundreds of MB.
constexpr std::size_t kMaxJsonValues = 1 << 16;

uint64_t now() { return static_cast<uint64_t>(std::time(nullptr)); }

HttpResponse error_reply(int status, const std::string& reason) {
  return {status, nlohmann::json{{"error", "http"}, {"reason", fmt::format("HTTP {}: {}", status, reason)}}.dump()};
}

// Invalid UTF-8 in a reason (a library's message quoting an attacker's byte) becomes U+FFFD
// instead of an exception and a 500.
HttpResponse send(const Reply& reply) {
  return {reply.status, reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json", reply.retry_after};
}

// A query parameter (SPEC §11.5): absent, the fallback; present, a plain decimal integer or
// nothing (the route answers 400).
std::optional<uint64_t> param(const HttpRequest& req, const char* name, uint64_t fallback) {
  const auto it = req.query.find(name);
  if (it == req.query.end()) return fallback;
  return strict_decimal(it->second);
}

HttpResponse bad_parameter() {
  return error_reply(400, "query parameters are decimal integers from 0 to 18446744073709551615: digits only, no sign, no leading zero");
}

// Runs a JSON handler only on a body the pre-scan lets through (on a worker: under the pool's limit).
HttpResponse json_body(const HttpRequest& req, const std::function<Reply(std::string_view)>& handle) {
  if (auto problem = json_bounds_problem(req.body)) return error_reply(400, *problem);
  return send(handle(req.body));
}

}  // namespace

std::optional<uint64_t> strict_decimal(std::string_view text) {
  // from_chars alone takes a prefix ("0x10" as 0, "1e3" as 1); every byte must be a digit here.
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;  // over 2^64 - 1
  return v;
}

int http_status(escrow::trustee::Refusal refusal) {
  using escrow::trustee::Refusal;
  switch (refusal) {
    case Refusal::malformed: return 400;
    case Refusal::bad_signature:
    case Refusal::stale: return 401;
    case Refusal::replay: return 409;
    case Refusal::warrant_refused: return 403;
    case Refusal::rate_limited:
    case Refusal::source_over_budget: return 429;
  }
  return 400;
}

std::optional<std::string> json_bounds_problem(std::string_view body) {
  std::size_t depth = 0, values = 1;
  bool in_string = false, escaped = false;
  for (const char ch : body) {
    // Never valid JSON (a string holds control characters escaped), and parsers disagree on it:
    // some stop reading at it (the fourth outside test).
    if (ch == '\0') return std::string("JSON body holds a NUL byte");
    if (in_string) {
      if (escaped) escaped = false;
      else if (ch == '\\') escaped = true;
      else if (ch == '"') in_string = false;
      continue;
    }
    switch (ch) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > kMaxJsonDepth) return fmt::format("JSON nested deeper than {}", kMaxJsonDepth);
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // unbalanced text is for the parser to refuse
        break;
      case ',':
        if (++values > kMaxJsonValues) return fmt::format("JSON with more than {} values", kMaxJsonValues);
        break;
      default: break;
    }
  }
  return std::nullopt;
}

int serve_trustee(Trustee& trustee, const std::string& host, int port, const std::string& port_file) {
  HttpLimits limits;  // the connection, deadline and queue limits are HttpLimits' defaults
  limits.max_body_bytes = kMaxBodyBytes;
  limits.small_body_bytes = escrow::request::kSmallBodyBytes;
  limits.large_body_budget = kLargeBodyBudget;
  HttpServer server(limits, error_reply);

  // Every route gets the source address (req.peer) for per-source budgets.
  // No JSON pre-scan here: a decrypt body is read in place as exactly {"request": "<hex>"} (SPEC
  // §11.5), and every refusal of it is counted against its source.
  server.route("POST", "/v1/decrypt", [&](const HttpRequest& req) {
    return send(trustee.decrypt_body(req.body, now(), req.peer));
  }, [&](const HttpRequest& req) { return trustee.deserves_priority(req.body, req.peer, now()); });  // the priority lane
  server.route("POST", "/v1/ceremony", [&](const HttpRequest& req) {
    return json_body(req, [&](std::string_view body) { return trustee.ceremony(body, now(), req.peer); });
  });
  server.route("GET", "/v1/info", [&](const HttpRequest&) { return send(trustee.info()); });
  server.route("GET", "/v1/log/head", [&](const HttpRequest&) { return send(trustee.head(now())); });
  server.route("GET", "/v1/log/consistency", [&](const HttpRequest& req) {
    const auto from = param(req, "from", 0), to = param(req, "to", 0);
    return from && to ? send(trustee.consistency(*from, *to)) : bad_parameter();
  });
  server.route("GET", "/v1/log/inclusion", [&](const HttpRequest& req) {
    const auto index = param(req, "index", 0), size = param(req, "size", 0);
    return index && size ? send(trustee.inclusion(*index, *size)) : bad_parameter();
  });
  server.route("GET", "/v1/log/entries", [&](const HttpRequest& req) {
    const auto start = param(req, "start", 0), count = param(req, "count", 1000);
    return start && count ? send(trustee.entries(*start, *count)) : bad_parameter();
  });

  // SIGTERM/SIGINT are blocked in every thread (trustee_cli blocks them before the trustee's pool
  // starts; again here for the server's own threads); one thread waits for them and stops the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const auto bound = server.bind(host, port);
  if (!bound) {
    fmt::print(stderr, "error: cannot listen on {}:{}\n", host, port);
    return 1;
  }
  if (!port_file.empty())
    if (auto r = files::write_text(port_file, std::to_string(*bound) + "\n"); !r) {
      fmt::print(stderr, "error: {}\n", r.error().message());
      return 1;
    }
  fmt::print(stderr, "trustee {} listening on http://{}:{}\n", trustee.index(), host, *bound);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  server.run();
  if (waiter.joinable()) {
    pthread_kill(waiter.native_handle(), SIGTERM);  // wake it if the server stopped on its own
    waiter.join();
  }
  fmt::print(stderr, "trustee {} stopped\n", trustee.index());
  return 0;
}

}  // namespace doormat::authority
