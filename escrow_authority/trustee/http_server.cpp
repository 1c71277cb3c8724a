#include "http_server.hpp"

#include <arpa/inet.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

namespace doormat::authority {
using Clock = std::chrono::steady_clock;
using escrow::ErrorCategory;
using escrow::fail;

namespace {

// Bytes read from one socket per readiness: a 16 MiB body cannot hold the loop from the others.
constexpr std::size_t kReadChunk = 64 * 1024;
// Connections accepted per loop turn, so a connect flood cannot hold the loop from the others.
constexpr int kAcceptBurst = 64;
// The kernel's queue of connections not yet accepted; beyond it SYNs wait or are dropped.
constexpr int kListenBacklog = 1024;
// Longest wait in poll(): deadlines are checked at least this often.
constexpr int kMaxPollMs = 1000;
// After a refusal sent before the body was read, at most the declared body (capped at the body
// limit) plus this much is drained, so an honest client still writing sees the reply rather than
// a reset; a chunked or endless body gets only this before its connection is closed.
constexpr std::size_t kLingerSlack = 64 * 1024;
// An idle connection accepted less than this ago is not yet taken first by eviction: an honest
// client sends its request right after connecting, and the loop reads it on its next turn; a
// connect churn must not evict it in that gap (pentest F10). Idle for longer, it goes first.
constexpr auto kFreshIdle = std::chrono::milliseconds(100);
// A request's pace (HttpLimits::protected_request_rate) is averaged over at least this long.
constexpr auto kPaceWindow = std::chrono::milliseconds(10);
// The heap is trimmed at most this often (a trim of a few hundred MB takes milliseconds).
constexpr auto kTrimInterval = std::chrono::seconds(1);

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Status";
  }
}

std::string serialize(const HttpResponse& r, bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(reason_phrase(r.status)) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (r.retry_after > 0) out += "Retry-After: " + std::to_string(r.retry_after) + "\r\n";
  out += close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
  out += r.body;
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool has_token(std::string_view list, std::string_view token) {  // comma-separated, case-insensitive
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (lower(trim(list.substr(0, comma))) == token) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];  // a stray '%' stays as it is: the handler's own checks refuse it
    }
  }
  return out;
}

// nullopt when a parameter is named twice (`start=0&start=-1`): which one counts is where
// parsers disagree, so neither does (SPEC §11.5, the fifth outside test).
std::optional<std::map<std::string, std::string>> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    const auto amp = q.find('&');
    const auto pair = q.substr(0, amp);
    const auto eq = pair.find('=');
    if (!pair.empty() &&
        !out.emplace(percent_decode(pair.substr(0, eq)), eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1))).second)
      return std::nullopt;
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

// What the head of a request says, or the status and reason to refuse it with.
struct Head {
  std::string method, path;
  std::map<std::string, std::string> query;
  std::size_t content_length = 0;
  bool close = false;
  bool expect_continue = false;
};
struct Refusal {
  int status;
  std::string reason;
  std::size_t declared = 0;  // the Content-Length, when one was readable: how much to drain
};

std::variant<Head, Refusal> parse_head(std::string_view text, const HttpLimits& limits) {
  // Request line: METHOD SP target SP HTTP/1.x (RFC 9112 §3). Lines end in CRLF only.
  auto line_end = text.find("\r\n");
  const auto line = text.substr(0, line_end);
  const auto sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2) return Refusal{400, "malformed request line"};
  Head h;
  h.method = std::string(line.substr(0, sp1));
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return Refusal{505, "only HTTP/1.0 and HTTP/1.1"};
  if (target.empty() || target.front() != '/' || target.find(' ') != std::string_view::npos) return Refusal{400, "malformed request target"};
  const auto qmark = target.find('?');
  h.path = std::string(target.substr(0, qmark));
  if (qmark != std::string_view::npos) {
    auto query = parse_query(target.substr(qmark + 1));
    if (!query) return Refusal{400, "a query parameter named twice"};
    h.query = std::move(*query);
  }
  bool asked_close = false, asked_keep_alive = false;

  std::optional<std::size_t> length;
  std::optional<Refusal> refusal;  // the first problem; the rest is read for Content-Length only
  auto refuse = [&](int status, std::string reason) {
    if (!refusal) refusal = Refusal{status, std::move(reason)};
  };
  std::size_t lines = 0;
  text.remove_prefix(line_end + 2);
  while (!text.empty()) {
    line_end = text.find("\r\n");
    const auto field = text.substr(0, line_end);
    text.remove_prefix(line_end == std::string_view::npos ? text.size() : line_end + 2);
    if (field.empty()) break;
    if (++lines > limits.max_header_lines) return Refusal{431, "too many header lines"};
    // Obsolete line folding and whitespace before the colon are request-smuggling material.
    if (field.front() == ' ' || field.front() == '\t') {
      refuse(400, "folded header line");
      continue;
    }
    const auto colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0 || field.substr(0, colon).find_first_of(" \t") != std::string_view::npos) {
      refuse(400, "malformed header line");
      continue;
    }
    // RFC 9110 5.5: a field value holds no NUL, CR or LF, and a control character in a name
    // or value is for parsers to disagree on (the seventh outside test: a NUL was accepted).
    if (std::any_of(field.begin(), field.end(), [](char ch) { return (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') || ch == 0x7f; })) {
      refuse(400, "a control character in a header line");
      continue;
    }
    const auto name = lower(field.substr(0, colon));
    const auto value = trim(field.substr(colon + 1));
    if (name == "content-length") {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size()) refuse(400, "malformed Content-Length");
      else if (length && *length != n) refuse(400, "conflicting Content-Length");
      else length = n;
    } else if (name == "transfer-encoding") {
      // Chunked bodies are refused outright: one body framing (Content-Length) is one limit.
      refuse(411, "Transfer-Encoding is not accepted; send Content-Length");
    } else if (name == "content-encoding") {
      // Compressed bodies are refused: a 521 KB gzip body inflated to 2 GB under cpp-httplib.
      if (lower(value) != "identity") refuse(415, "Content-Encoding is not accepted");
    } else if (name == "connection") {
      asked_close = asked_close || has_token(value, "close");
      asked_keep_alive = asked_keep_alive || has_token(value, "keep-alive");
    } else if (name == "expect") {
      if (lower(value) != "100-continue") refuse(417, "only Expect: 100-continue");
      h.expect_continue = true;
    }
  }
  // HTTP/1.1 keeps the connection unless told to close; 1.0 closes unless asked to keep it.
  h.close = asked_close || (version == "HTTP/1.0" && !asked_keep_alive);
  h.content_length = length.value_or(0);
  if (h.content_length > limits.max_body_bytes) refuse(413, "body over " + std::to_string(limits.max_body_bytes) + " bytes");
  if (refusal) {
    refusal->declared = h.content_length;
    return *refusal;
  }
  return h;
}

std::string peer_of(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text, sizeof text);
  else if (addr.ss_family == AF_INET6) inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, text, sizeof text);
  return text;
}

// A connection moves idle -> head -> body -> handling -> writing -> idle (kept alive), or ends.
// lingering: a refusal was sent before the body arrived; the rest is read and dropped.
enum class State { idle, head, body, handling, writing, lingering };

struct Connection {
  int fd = -1;
  std::string peer;
  State state = State::idle;
  Clock::time_point since;     // when the current state began (eviction takes the oldest)
  Clock::time_point deadline;  // when this state ends the connection
  Clock::time_point body_start;  // when the body began: a large body's minimum rate counts from here
  Clock::time_point reserved_at;  // when its large-body share was reserved (its first small_body_bytes in)
  std::size_t reserved_bytes_at = 0;  // body bytes received by then
  std::string in;              // bytes read and not yet consumed
  std::size_t scanned = 0;     // bytes of `in` known not to hold the end of the head
  std::size_t body_length = 0;
  HttpRequest request;
  const HttpHandler* handler = nullptr;
  std::size_t reserved = 0;    // bytes of the large-body budget this request holds
  bool holds_slot = false;     // ... and its source's large-body slot (given back once the body is complete)
  bool close_after = false;    // close once the reply is written
  bool linger_after = false;   // ... and drain the unread body first
  std::size_t linger_left = 0; // bytes still to drain before closing
  std::size_t request_bytes = 0;  // bytes read since the current request's first (its pace, for eviction)
  bool served = false;         // it has carried a request: idle again, it is not "just accepted"
  std::string out;
  std::size_t sent = 0;
};

struct Job {
  uint64_t conn;
  const HttpHandler* handler;
  HttpRequest request;
  std::string source;
  uint64_t seq = 0;         // arrival order: ties between sources go to the earlier request
  double charged = 0;       // handler time charged to its source when a worker took it (us)
  bool slow = false;        // its route was slow when a worker took it (counted in slow_running)
  bool priority = false;    // in the priority lane (counted in priority_waiting, not in queued)
};
// One source's requests: those waiting for a worker, in order, and how many a worker is running;
// and its place in the round-robin (see HttpServer::Impl::dispatch).
struct SourceQueue {
  std::deque<Job> waiting;
  std::size_t running = 0;
  double finish = 0;    // virtual time (us of handler time) up to which it has been served
  double estimate = 0;  // its recent handler time per request (us), charged when one starts
};
// A source's estimate moves this far towards each request's measured handler time; so does a
// route's CPU time.
constexpr double kEstimateWeight = 0.5;
// A route whose handler recently took this much CPU time or more per request (on the worker's own
// thread, so waiting for a lock does not count) is slow: at most HttpLimits::slow_workers workers
// run slow requests at once. GET /v1/log/entries?count=1000 takes milliseconds of CPU; GET
// /v1/info and a refused POST take tens of microseconds.
constexpr double kSlowHandlerUs = 1000;

double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}
struct Done {
  uint64_t conn;
  HttpResponse response;
};

}  // namespace

struct HttpServer::Impl {
  HttpLimits limits;
  ErrorBody error_body;
  std::map<std::string, std::map<std::string, HttpHandler>> routes;  // path -> method -> handler
  std::map<const HttpHandler*, HttpPriority> priorities;              // routes with a priority lane
  int listen_fd = -1;
  int wake_fd = -1;  // eventfd: a worker finished, or stop() was called
  std::atomic<bool> stopping{false};

  std::map<uint64_t, Connection> conns;
  std::map<std::string, std::size_t> per_source;
  uint64_t next_id = 1;
  std::size_t large_in_use = 0;
  bool trim_due = false;        // a large body was given back since the last trim_when_idle()
  Clock::time_point last_trim{};
  std::map<std::string, std::size_t> large_per_source;  // large bodies held per source
  std::vector<char> buffer = std::vector<char>(kReadChunk);

  std::mutex mu;  // guards sources, queued, virtual_now, arrivals, route_cpu, slow_running, done, workers_stop
  std::condition_variable work_cv;
  std::map<std::string, SourceQueue> sources;  // a source is here while it has requests waiting or running
  std::size_t queued = 0;    // requests waiting, over every source (<= limits.queue)
  std::size_t priority_waiting = 0;  // ... in the priority lane, besides (<= limits.priority_queue)
  std::map<const HttpHandler*, std::size_t> queued_per_route;  // ... of each route (<= limits.queue_per_route)
  double virtual_now = 0;    // the finish of the source a worker took a request from last
  uint64_t arrivals = 0;     // numbers requests in arrival order
  std::map<const HttpHandler*, double> route_cpu;  // recent CPU time per request of each route (us)
  std::size_t slow_running = 0;  // requests of slow routes being handled
  std::deque<Done> done;
  bool workers_stop = false;
  std::vector<std::thread> workers;

  void wake() {
    const uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu);
        std::optional<Next> picked;
        work_cv.wait(lock, [&] { return workers_stop || (picked = pick()).has_value(); });
        if (workers_stop) return;
        SourceQueue* next = picked->source;
        job = std::move(*picked->job);
        job.slow = slow(job.handler);
        slow_running += job.slow ? 1 : 0;
        next->waiting.erase(picked->job);
        if (job.priority) {
          --priority_waiting;
        } else {
          --queued;
          --queued_per_route[job.handler];
        }
        ++next->running;
        virtual_now = next->finish;
        job.charged = next->estimate;
        next->finish += next->estimate;
      }
      HttpResponse res;
      const auto started = Clock::now();
      const auto cpu_started = thread_cpu_us();
      try {
        res = (*job.handler)(job.request);
      } catch (...) {  // a handler's bug answers 500 to its own request, and the worker lives on
        res = error_body(500, "internal error");
      }
      job.request = {};  // the body is freed here, before the loop releases its budget
      {
        std::lock_guard lock(mu);
        auto& cpu = route_cpu[job.handler];
        cpu += kEstimateWeight * (thread_cpu_us() - cpu_started - cpu);
        if (job.slow) {
          --slow_running;
          work_cv.notify_all();  // a slow request held back may go now
        }
        if (auto s = sources.find(job.source); s != sources.end()) {
          // The source pays what the request really took, in place of the estimate it was charged.
          const double took = std::chrono::duration<double, std::micro>(Clock::now() - started).count();
          s->second.finish += took - job.charged;
          s->second.estimate += kEstimateWeight * (took - s->second.estimate);
          if (--s->second.running == 0 && s->second.waiting.empty()) sources.erase(s);
        }
        done.push_back({job.conn, std::move(res)});
      }
      wake();
    }
  }

  bool slow(const HttpHandler* handler) const {
    const auto it = route_cpu.find(handler);
    return it != route_cpu.end() && it->second >= kSlowHandlerUs;
  }

  // Under mu: the request a worker takes next, or none. The source served least so far (then the
  // earliest request): one request per source in turn, weighted by handler time. While
  // slow_workers run slow routes, a source's first request of a quick route goes next, ahead of
  // its slow ones: its slow request at the front no longer holds its quick ones in the queue (the
  // re-test of the seventh outside test: 10 addresses each put a 1000-entry log read in front of
  // seven junk decrypts and held the decrypt route's share full, so the agency's requests got 503).
  struct Next {
    SourceQueue* source;
    std::deque<Job>::iterator job;
  };
  // The priority lane's requests go first, in the order they came.
  std::optional<Next> pick() {
    std::optional<Next> next;
    const bool slow_full = slow_running >= std::max<std::size_t>(1, limits.slow_workers);
    const auto may_run = [&](const Job& j) { return !slow_full || !slow(j.handler); };
    if (priority_waiting > 0)
      for (auto& [source, q] : sources)
        for (auto job = q.waiting.begin(); job != q.waiting.end(); ++job)
          if (job->priority && may_run(*job) && (!next || job->seq < next->job->seq)) next = Next{&q, job};
    if (next) return next;
    for (auto& [source, q] : sources) {
      const auto job = std::find_if(q.waiting.begin(), q.waiting.end(), may_run);
      if (job == q.waiting.end()) continue;
      if (!next || std::pair(q.finish, job->seq) < std::pair(next->source->finish, next->job->seq)) next = Next{&q, job};
    }
    return next;
  }

  void close_conn(uint64_t id) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    auto& c = it->second;
    release_large(c);
    if (auto s = per_source.find(c.peer); s != per_source.end() && --s->second == 0) per_source.erase(s);
    ::close(c.fd);
    conns.erase(it);
  }

  // Gives back the large-body budget a request holds, and its source's large-body slot.
  void release_large(Connection& c) {
    release_slot(c);
    if (c.reserved == 0) return;
    large_in_use -= c.reserved;
    c.reserved = 0;
    trim_due = true;
  }

  // Once no large body is held, gives the freed heap back to the system, at most once per
  // kTrimInterval: glibc keeps freed large blocks mapped (its mmap threshold rises after the first
  // is freed), so an idle trustee stayed at 90-200 MB after a flood of 15 MiB bodies (13 MB at rest).
  void trim_when_idle() {
    const auto now = Clock::now();
    if (!trim_due || large_in_use > 0 || now - last_trim < kTrimInterval) return;
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
    trim_due = false;
    last_trim = now;
  }
  // Gives back only the source's slot: once the body is complete and handed to a worker, so a
  // request its client gave up on does not hold the client's next one off (the fifth outside
  // test's item 3). The bytes stay counted in the budget until the handler is done with them.
  void release_slot(Connection& c) {
    if (!c.holds_slot) return;
    c.holds_slot = false;
    if (auto s = large_per_source.find(c.peer); s != large_per_source.end() && --s->second == 0) large_per_source.erase(s);
  }

  void become(Connection& c, State s, std::chrono::milliseconds limit) {
    c.state = s;
    c.since = Clock::now();
    c.deadline = c.since + limit;
  }

  // Queues a reply; written from the loop as the socket accepts it.
  // `drain`: bytes of unread body to read and drop after the reply (then the connection closes).
  void reply(uint64_t id, Connection& c, const HttpResponse& r, bool close, std::size_t drain) {
    c.close_after = close || drain > 0;
    c.linger_after = drain > 0;
    c.linger_left = drain;
    c.out = serialize(r, close);
    c.sent = 0;
    become(c, State::writing, limits.write_deadline);
    flush(id, c);
  }

  // A refusal before the body is read; `declared` is its Content-Length (0 if none or unknown).
  void refuse(uint64_t id, Connection& c, int status, const std::string& reason, std::size_t declared) {
    reply(id, c, error_body(status, reason), true, std::min(declared, limits.max_body_bytes) + kLingerSlack);
  }

  void flush(uint64_t id, Connection& c) {
    while (c.sent < c.out.size()) {
      const auto n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // poll for POLLOUT
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return close_conn(id);
      c.sent += static_cast<std::size_t>(n);
    }
    c.out.clear();
    c.out.shrink_to_fit();
    if (c.linger_after) {
      ::shutdown(c.fd, SHUT_WR);
      c.in.clear();
      return become(c, State::lingering, limits.linger);
    }
    if (c.close_after) return close_conn(id);
    c.request = {};
    c.served = true;
    become(c, State::idle, limits.idle_timeout);
    consume(id, c);  // a pipelined request may already be here
  }

  // Advances a connection on the bytes in c.in. May close it (then `c` is gone).
  void consume(uint64_t id, Connection& c) {
    if (c.state == State::idle && !c.in.empty()) {
      become(c, State::head, limits.request_deadline);
      c.scanned = 0;
      c.request_bytes = c.in.size();
    }
    if (c.state == State::head) {
      const auto end = c.in.find("\r\n\r\n", c.scanned);
      if (end == std::string::npos) {
        if (c.in.size() > limits.max_header_bytes) return refuse(id, c, 431, "headers over " + std::to_string(limits.max_header_bytes) + " bytes", 0);
        c.scanned = c.in.size() < 3 ? 0 : c.in.size() - 3;
        return;
      }
      if (end + 4 > limits.max_header_bytes) return refuse(id, c, 431, "headers over " + std::to_string(limits.max_header_bytes) + " bytes", 0);
      auto parsed = parse_head(std::string_view(c.in).substr(0, end + 4), limits);
      c.in.erase(0, end + 4);
      if (auto* r = std::get_if<Refusal>(&parsed)) return refuse(id, c, r->status, r->reason, r->declared);
      auto& h = std::get<Head>(parsed);
      const auto route = routes.find(h.path);
      if (route == routes.end()) return refuse(id, c, 404, "no such path", h.content_length);
      const auto handler = route->second.find(h.method);
      if (handler == route->second.end()) return refuse(id, c, 405, "method not allowed here", h.content_length);
      // A large body's share of the budget is not reserved here but once its first
      // small_body_bytes have arrived (below): headers alone held a slot for the 1 s grace, and
      // 4 addresses reconnecting kept every large body out (the fifth outside test's item 2).
      c.handler = &handler->second;
      c.close_after = h.close;
      c.request = {std::move(h.method), std::move(h.path), std::move(h.query), {}, c.peer};
      c.request.body.reserve(h.content_length);  // pages are touched only as bytes arrive
      c.state = State::body;  // the deadline still counts from the first byte of the head
      c.body_length = h.content_length;
      c.body_start = Clock::now();
      if (h.expect_continue && h.content_length > 0 && c.in.empty()) {
        // 25 bytes into an empty send buffer: a lost interim reply only makes the client wait.
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        [[maybe_unused]] auto n = ::send(c.fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
    }
    if (c.state == State::body) {
      const auto take = std::min(c.in.size(), c.body_length - c.request.body.size());
      // A large body is charged for the bytes it has sent, not the bytes it declares: holding the
      // budget costs an attacker its whole size in bytes held, each for at most the deadline (the
      // sixth outside test held every share at ~256 KiB/s each when a share was its declared size).
      if (c.reserved > 0) {
        if (large_in_use + take > limits.large_body_budget)
          return refuse(id, c, 503, "busy with large bodies; try again", c.body_length - c.request.body.size());
        large_in_use += take;
        c.reserved += take;
      }
      c.request.body.append(c.in, 0, take);
      c.in.erase(0, take);
      if (c.body_length > limits.small_body_bytes && c.reserved == 0 && c.request.body.size() >= limits.small_body_bytes) {
        const auto unread = c.body_length - c.request.body.size();
        if (auto s = large_per_source.find(c.peer); s != large_per_source.end() && s->second >= limits.max_large_bodies_per_source)
          return refuse(id, c, 503, "a large body from this address is already in progress; try again", unread);
        const auto held = c.request.body.size();
        if (large_in_use + held > limits.large_body_budget) return refuse(id, c, 503, "busy with large bodies; try again", unread);
        large_in_use += held;
        c.reserved = held;
        c.holds_slot = true;
        ++large_per_source[c.peer];
        c.reserved_at = Clock::now();
        c.reserved_bytes_at = held;
      }
      if (c.request.body.size() < c.body_length) return;
      dispatch(id, c);
    }
  }

  // Under mu: among the waiting requests `of` selects (never the priority lane's), the newest of
  // the source that has the most of them (ties: the newest request), and how many that source has.
  struct Place {
    std::map<std::string, SourceQueue>::iterator source;
    std::deque<Job>::iterator job;
  };
  template <class Of>
  std::pair<std::optional<Place>, std::size_t> busiest_source_of(Of of) {
    std::optional<Place> place;
    std::size_t most = 0;
    for (auto it = sources.begin(); it != sources.end(); ++it) {
      std::size_t n = 0;
      std::optional<std::deque<Job>::iterator> newest;
      for (auto job = it->second.waiting.begin(); job != it->second.waiting.end(); ++job)
        if (!job->priority && of(*job)) ++n, newest = job;
      if (n > 0 && (n > most || (n == most && (*newest)->seq > place->job->seq))) most = n, place = Place{it, *newest};
    }
    return {place, most};
  }
  // Under mu: takes a waiting request out of the queue (its body is freed here) and returns its
  // connection, which the caller answers 503.
  uint64_t push_out(const Place& p) {
    const uint64_t conn = p.job->conn;
    --queued_per_route[p.job->handler];
    p.source->second.waiting.erase(p.job);
    --queued;
    if (p.source->second.waiting.empty() && p.source->second.running == 0) sources.erase(p.source);
    return conn;
  }
  // Under mu: a request of `route` from `peer` finds its route's share full. The source with the
  // most of that route waiting gives up its newest one, if it has at least two more of them than
  // `peer` (fewer would only swap which of the two is behind); the re-test of the seventh outside
  // test filled the decrypt route's share from 10 addresses, 7 each, and the agency with none there
  // got 503.
  std::optional<uint64_t> push_out_within_route(const HttpHandler* route, const std::string& peer) {
    const auto of_route = [&](const Job& j) { return !j.priority && j.handler == route; };  // the share's own
    const auto [place, most] = busiest_source_of(of_route);
    std::size_t mine = 0;
    if (auto it = sources.find(peer); it != sources.end()) mine = std::count_if(it->second.waiting.begin(), it->second.waiting.end(), of_route);
    if (!place || most <= mine + 1) return std::nullopt;
    return push_out(*place);
  }
  // Under mu: the queue is full and a request of `route` from a source with `mine` waiting wants
  // in. The busiest route gives way if it has at least two more waiting than `route` (a flood
  // spread over five routes, each under its share, filled the queue and an investigation's
  // decrypts got 503): the newest request of the source with the most of it waiting. Else the
  // busiest source gives up its newest, if it has at least two more waiting than `mine`.
  std::optional<uint64_t> push_out_for(const HttpHandler* route, std::size_t mine) {
    const HttpHandler* busiest_route = nullptr;
    for (const auto& [r, n] : queued_per_route)
      if (!busiest_route || n > queued_per_route[busiest_route]) busiest_route = r;
    if (busiest_route && queued_per_route[busiest_route] > queued_per_route[route] + 1) {
      const auto [place, most] = busiest_source_of([&](const Job& j) { return j.handler == busiest_route; });
      if (place) return push_out(*place);
    }
    const auto [place, most] = busiest_source_of([](const Job&) { return true; });
    if (!place || most <= mine + 1) return std::nullopt;
    return push_out(*place);
  }

  // A complete request joins its source's queue, or gets 503 (its source is at its cap, its
  // route is at its share, or the queue is full of requests from routes and sources with no more
  // waiting than its own).
  //
  // Round-robin, one request per source in turn, weighted by handler time (start-time fair
  // queueing): each source has a virtual `finish`, the handler time it has been served; a worker
  // takes the next request of the source with the smallest (ties: the earlier request) and adds
  // that source's recent handler time to it, corrected by the real time once it ends. A source
  // with nothing waiting or running has no state; when it comes back it starts level with the
  // least-served source waiting, so it waits for at most one request per busy source, and
  // usually none: a flood of 1000-row reads from 8 sources keeps their finishes ahead of a
  // source that only asks GET /v1/info. A stream of new sources cannot starve a busy one
  // either: each starts level with it and after it (ties go to the earlier request).
  void dispatch(uint64_t id, Connection& c) {
    std::optional<uint64_t> pushed_out;
    const char* refusal = nullptr;
    const auto lane = priorities.find(c.handler);
    const bool priority = lane != priorities.end() && lane->second(c.request);
    {
      std::lock_guard lock(mu);
      auto& mine = sources[c.peer];
      const bool in_lane = priority && priority_waiting < limits.priority_queue &&
                           static_cast<std::size_t>(std::count_if(mine.waiting.begin(), mine.waiting.end(), [](const Job& j) {
                             return j.priority;
                           })) < limits.priority_per_source;
      if (in_lane) {
        // outside the caps below
      } else if (mine.waiting.size() + mine.running >= limits.max_requests_per_source) {
        refusal = "too many requests from this address in progress; try again";
      } else if (queued_per_route[c.handler] >= limits.queue_per_route) {
        pushed_out = push_out_within_route(c.handler, c.peer);
        if (!pushed_out) refusal = "every worker is busy with requests of this kind; try again";
      } else if (queued >= limits.queue) {
        pushed_out = push_out_for(c.handler, mine.waiting.size());
        if (!pushed_out) refusal = "every worker is busy; try again";
      }
      if (!refusal) {
        auto& q = sources[c.peer];  // `mine` again (an erase above took another source)
        if (q.waiting.empty() && q.running == 0) {  // a source coming back: level with the least served
          double level = std::numeric_limits<double>::max();
          for (const auto& [p, other] : sources)
            if (!other.waiting.empty()) level = std::min(level, other.finish);
          q.finish = level == std::numeric_limits<double>::max() ? virtual_now : std::max(level, virtual_now);
        }
        q.waiting.push_back({id, c.handler, std::move(c.request), c.peer, arrivals++});
        q.waiting.back().priority = in_lane;
        if (in_lane) {
          ++priority_waiting;
        } else {
          ++queued;
          ++queued_per_route[c.handler];
        }
        work_cv.notify_one();
      } else if (auto it = sources.find(c.peer); it != sources.end() && it->second.waiting.empty() && it->second.running == 0) {
        sources.erase(it);
      }
    }
    if (refusal) {
      release_large(c);
      return reply(id, c, error_body(503, refusal), c.close_after, 0);
    }
    release_slot(c);
    c.state = State::handling;
    c.since = Clock::now();
    if (pushed_out)
      if (auto it = conns.find(*pushed_out); it != conns.end()) {
        release_large(it->second);
        reply(*pushed_out, it->second, error_body(503, "every worker is busy; try again"), it->second.close_after, 0);
      }
  }

  void on_readable(uint64_t id, Connection& c) {
    const auto n = ::recv(c.fd, buffer.data(), buffer.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) return close_conn(id);  // the client closed or reset: nothing to answer
    if (c.state == State::lingering) {  // drained and dropped, up to the allowance
      if (static_cast<std::size_t>(n) >= c.linger_left) return close_conn(id);
      c.linger_left -= static_cast<std::size_t>(n);
      return;
    }
    if (c.state == State::head || c.state == State::body) c.request_bytes += static_cast<std::size_t>(n);
    c.in.append(buffer.data(), static_cast<std::size_t>(n));
    consume(id, c);
  }

  // Whether a request being read arrives at HttpLimits::protected_request_rate or faster, counted
  // from its first byte (over at least kPaceWindow, so a head read a moment ago is judged by its
  // bytes, not by a near-zero time).
  bool keeps_pace(const Connection& c, Clock::time_point now) const {
    if (limits.protected_request_rate == 0) return false;
    const auto elapsed = std::max<Clock::duration>(now - c.since, kPaceWindow);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    return static_cast<double>(c.request_bytes) * 1e6 >= static_cast<double>(limits.protected_request_rate) * static_cast<double>(us);
  }

  // The connection to close to make room, of `peer` (or of any source, if null), in the order
  // HttpLimits::max_connections gives: draining, idle (kept alive, or accepted 100 ms ago or more),
  // mid-request and not protected, just accepted; then from the source with the most
  // connections; then the oldest. A complete request (queued, being handled, or its reply being
  // written) is never taken, nor a protected one: arriving at the protected pace, among the first
  // max_protected_per_source of its source and the first max_connections / 2 in all (the oldest
  // first), so requests at pace can never hold the whole table (the eighth outside test held all
  // 256 places at 17 KiB/s each and every newcomer got 503).
  std::optional<uint64_t> evictable(const std::string* peer) {
    const auto now = Clock::now();
    std::optional<uint64_t> best;
    std::tuple<int, std::size_t, Clock::time_point> best_key{};
    std::map<std::string_view, std::size_t> protected_of;
    std::size_t protected_in_all = 0;
    for (auto& [id, c] : conns) {  // in id order: the oldest first
      int kind;
      switch (c.state) {
        case State::lingering: kind = 0; break;
        case State::idle: kind = !c.served && now - c.since < kFreshIdle ? 3 : 1; break;
        case State::head:
        case State::body:
          if (keeps_pace(c, now) && protected_in_all < limits.max_connections / 2 &&
              protected_of[c.peer] < limits.max_protected_per_source) {
            ++protected_in_all, ++protected_of[c.peer];
            continue;
          }
          kind = 2;
          break;
        default: continue;  // handling, writing
      }
      if (peer && c.peer != *peer) continue;
      const auto count = per_source.count(c.peer) ? per_source.at(c.peer) : 0;
      // Smaller is taken first: the kind, then more connections from its source, then older.
      const std::tuple<int, std::size_t, Clock::time_point> key{kind, std::numeric_limits<std::size_t>::max() - count, c.since};
      if (!best || key < best_key) best_key = key, best = id;
    }
    return best;
  }

  void refuse_new(int fd) {
    // Nothing is owed to this socket; one non-blocking attempt at a 503, then it is closed.
    const auto text = serialize(error_body(503, "too many connections"), true);
    [[maybe_unused]] auto n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(fd);
  }

  void accept_some() {
    for (int i = 0; i < kAcceptBurst; ++i) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or a transient error (EMFILE, ECONNABORTED): try next turn
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto peer = peer_of(addr);
      if (per_source[peer] >= limits.max_per_source) {
        if (auto victim = evictable(&peer)) close_conn(*victim);
        else {
          if (per_source[peer] == 0) per_source.erase(peer);
          refuse_new(fd);
          continue;
        }
      }
      if (conns.size() >= limits.max_connections) {
        const auto victim = evictable(nullptr);
        if (!victim) {
          if (per_source[peer] == 0) per_source.erase(peer);
          refuse_new(fd);
          continue;
        }
        close_conn(*victim);
      }
      ++per_source[peer];
      auto& c = conns[next_id++];
      c.fd = fd;
      c.peer = std::move(peer);
      become(c, State::idle, limits.idle_timeout);
    }
  }

  void on_done() {
    uint64_t count = 0;
    [[maybe_unused]] auto n = ::read(wake_fd, &count, sizeof count);
    std::deque<Done> ready;
    {
      std::lock_guard lock(mu);
      ready.swap(done);
    }
    for (auto& d : ready) {
      auto it = conns.find(d.conn);
      if (it == conns.end()) continue;
      auto& c = it->second;
      release_large(c);
      reply(d.conn, c, d.response, c.close_after, 0);
    }
  }

  // When a large body being read falls under its minimum rate, if no more of it arrives. Before
  // its share is reserved: large_body_grace from the end of its head, plus what its bytes earned
  // at the rate (a headers-only body is cut after the grace, holding no share). Once reserved: no
  // grace, only large_body_reserved_slack from the reservation plus what the bytes since earned,
  // so a share costs the holder the minimum rate from the moment it holds it.
  Clock::time_point rate_deadline(const Connection& c) const {
    const auto rate = static_cast<double>(std::max<std::size_t>(1, limits.min_large_body_rate));
    const auto earned = [&](std::size_t bytes) {
      return std::chrono::ceil<Clock::duration>(std::chrono::microseconds(static_cast<int64_t>(static_cast<double>(bytes) * 1'000'000.0 / rate)));
    };
    const auto before = c.body_start + limits.large_body_grace + earned(c.request.body.size());
    if (c.reserved == 0) return before;
    return c.reserved_at + limits.large_body_reserved_slack + earned(c.request.body.size() - c.reserved_bytes_at);
  }
  bool rate_checked(const Connection& c) const {
    return c.state == State::body && c.body_length > limits.small_body_bytes && limits.min_large_body_rate > 0;
  }
  // Bytes the kernel holds for this socket that the loop has not read yet: a body is not cut for
  // the rate while they wait (on a loaded machine the loop, not the client, may be late).
  static bool unread_bytes(int fd) {
    int n = 0;
    return ::ioctl(fd, FIONREAD, &n) == 0 && n > 0;
  }

  void expire() {
    const auto now = Clock::now();
    std::vector<std::pair<uint64_t, bool>> late;  // the connection, and whether it is under the rate
    for (auto& [id, c] : conns)
      if (c.state != State::handling && now >= c.deadline) late.emplace_back(id, false);
      else if (rate_checked(c) && now >= rate_deadline(c) && !unread_bytes(c.fd)) late.emplace_back(id, true);
    for (auto [id, slow] : late) {
      auto& c = conns.at(id);
      if (c.state == State::head || c.state == State::body) {
        // Slow on purpose or not, the client has had its time; a best-effort 408 says so.
        const auto text = serialize(error_body(408, slow ? fmt_rate() : "request not complete within the deadline"), true);
        [[maybe_unused]] auto n = ::send(c.fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      close_conn(id);
    }
  }

  std::string fmt_rate() const {
    return "large body slower than " + std::to_string(limits.min_large_body_rate / 1024) + " KiB/s";
  }

  int poll_timeout() const {
    auto next = Clock::now() + std::chrono::milliseconds(kMaxPollMs);
    for (const auto& [id, c] : conns) {
      if (c.state != State::handling) next = std::min(next, c.deadline);
      if (rate_checked(c)) next = std::min(next, rate_deadline(c));
    }
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
    return static_cast<int>(std::clamp<int64_t>(ms, 0, kMaxPollMs));
  }

  void loop() {
    std::vector<pollfd> fds;
    std::vector<uint64_t> ids;
    while (!stopping.load()) {
      fds.assign({{listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}});
      ids.assign(2, 0);
      for (const auto& [id, c] : conns) {
        if (c.state == State::handling) continue;  // not polled: a hang-up must not spin the loop
        fds.push_back({c.fd, static_cast<short>(c.state == State::writing ? POLLOUT : POLLIN), 0});
        ids.push_back(id);
      }
      if (::poll(fds.data(), fds.size(), poll_timeout()) < 0 && errno != EINTR) break;
      if (fds[1].revents) on_done();
      for (std::size_t i = 2; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        auto it = conns.find(ids[i]);
        if (it == conns.end()) continue;  // closed earlier in this turn
        auto& c = it->second;
        if (c.state == State::writing) flush(ids[i], c);
        else if (c.state != State::handling) on_readable(ids[i], c);
      }
      if (fds[0].revents) accept_some();
      expire();
      trim_when_idle();
    }
  }
};

HttpServer::HttpServer(HttpLimits limits, ErrorBody error_body) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->error_body = std::move(error_body);
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

HttpServer::~HttpServer() {
  for (auto& [id, c] : impl_->conns) ::close(c.fd);
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
}

void HttpServer::route(const std::string& method, const std::string& path, HttpHandler handler, HttpPriority priority) {
  auto& slot = impl_->routes[path][method];
  impl_->priorities.erase(&slot);
  slot = std::move(handler);
  if (priority) impl_->priorities[&slot] = std::move(priority);
}

escrow::Result<int> HttpServer::bind(const std::string& host, int port) {
  if (impl_->wake_fd < 0) return fail(ErrorCategory::internal, "http::bind", "eventfd failed");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    return fail(ErrorCategory::internal, "http::bind", "cannot resolve " + host);
  int fd = -1;
  for (auto* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, kListenBacklog) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return fail(ErrorCategory::internal, "http::bind", "cannot listen on " + host + ":" + std::to_string(port));
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl_->listen_fd = fd;
  return ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(addr).sin6_port : reinterpret_cast<sockaddr_in&>(addr).sin_port);
}

void HttpServer::run() {
  auto& s = *impl_;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, s.limits.workers); ++i) s.workers.emplace_back([&s] { s.work(); });
  s.loop();
  {
    std::lock_guard lock(s.mu);
    s.workers_stop = true;  // queued requests are dropped; running handlers finish
  }
  s.work_cv.notify_all();
  for (auto& w : s.workers) w.join();
  s.workers.clear();
}

void HttpServer::stop() {
  impl_->stopping = true;
  impl_->wake();
}

}  // namespace doormat::authority
