#pragma once
// A small HTTP/1.1 server with every limit explicit, for the trustee (issue 12, "Bounded HTTP").
// cpp-httplib 0.11 holds one of its 8 workers per connection for the connection's lifetime and
// has no deadline for a whole request, so 24 idle sockets starved it. Here one event-loop thread
// owns every socket (non-blocking, poll()): it reads requests under a connection cap and a
// deadline per whole request, and writes replies; only a complete, bounded request reaches the
// fixed pool of workers that run handlers, through bounded per-source queues served in turn.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "escrow/error.hpp"

namespace doormat::authority {

struct HttpRequest {
  std::string method;  ///< GET or POST
  std::string path;    ///< the target before '?', not percent-decoded
  std::map<std::string, std::string> query;  ///< percent-decoded; a name given twice is refused with 400
  std::string body;    ///< exactly Content-Length bytes
  std::string peer;    ///< the source address (numeric IPv4 or IPv6), for per-source budgets
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  int retry_after = 0;  ///< seconds; above 0 the reply carries Retry-After (RFC 9110 §10.2.3)
};

/// Turns a status and a reason into the reply the server sends for its own refusals (413, 503...),
/// so they have the same shape as the handlers' errors.
using ErrorBody = std::function<HttpResponse(int status, const std::string& reason)>;
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
/// Whether a complete request goes in the priority lane (HttpLimits::priority_queue). Called on
/// the server's loop thread, so it must be quick and must not wait for a handler's lock.
using HttpPriority = std::function<bool(const HttpRequest&)>;

struct HttpLimits {
  /// Open sockets in total. Over it one connection is closed to make room, chosen in this order:
  /// one draining after a refusal (nothing is owed to it); one idle: kept alive after a reply, or
  /// accepted 100 ms ago or more with no byte yet (kFreshIdle in http_server.cpp); one mid-request
  /// (head or body being read) and not protected (protected_request_rate); a just-accepted idle one.
  /// Within a kind, from the source holding the most connections, then the oldest. A request that
  /// is complete (queued, being handled, its reply being written), or arriving at the protected
  /// rate, is never taken (if nothing else is, the newcomer gets 503): a flood of slow, idle or
  /// churning sockets evicts itself, not the honest request that arrives last and finishes at once
  /// (the pentest's F10 saw honest connections reset by a connect churn; the seventh test's F2 an
  /// agency's request reset mid-body, ranked before the attacker's just-answered keep-alive ones).
  std::size_t max_connections = 256;
  /// A request being read this fast or faster (its bytes since its first, averaged over at least
  /// 10 ms) is never evicted. An honest client sends its request at once (on loopback, MB/s); to
  /// hold N places this way an attacker must send N x 16 KiB/s, and each such request ends within
  /// request_deadline (complete, or cut at it). 0: no request is protected. At most
  /// max_protected_per_source of a source's requests are protected, and max_connections / 2 in all
  /// (the oldest first): the rest rank as mid-request, so requests at pace never fill the table.
  std::size_t protected_request_rate = 16 * 1024;  // bytes per second
  std::size_t max_protected_per_source = 2;
  /// Open sockets per source address; over it the same eviction within that source.
  std::size_t max_per_source = 32;
  /// From a request's first byte to its last (headers and body): a slow client is cut off here,
  /// whatever its pace. 5 s carries a 16 MiB body only at >= 27 Mbit/s; batches are smaller.
  std::chrono::milliseconds request_deadline{5000};
  /// A connection with no request in progress (new, or kept alive) is closed after this.
  std::chrono::milliseconds idle_timeout{5000};
  /// A reply the client does not read within this is dropped with its connection.
  std::chrono::milliseconds write_deadline{10000};
  /// After a refusal sent before the body was read, the rest is read and discarded for at most
  /// this long (and at most the declared body + 64 KiB), so a client still writing sees the
  /// reply rather than a reset.
  std::chrono::milliseconds linger{2000};
  /// Request line and headers together.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_header_lines = 64;
  /// Content-Length above this is refused with 413 before any of the body is read.
  std::size_t max_body_bytes = 1 << 20;
  /// Bodies larger than small_body_bytes are admitted only while the bytes they have sent, summed
  /// over every request being read, queued or handled, stay under this (a body whose next bytes
  /// would pass it gets 503): memory is bounded by it (plus max_connections * small_body_bytes),
  /// not by max_connections * max_body_bytes, and holding it costs the bytes themselves.
  /// Four full-size bodies by default, as the trustee sets it (4 x 16 MiB there).
  std::size_t large_body_budget = 4 << 20;
  std::size_t small_body_bytes = 64 * 1024;
  /// Large bodies (over small_body_bytes) being read, queued or handled per source address; a
  /// second one from the same source gets 503 at once. Without it two trickling connections from
  /// one address held the whole budget (pentest F4: 100 of 100 honest 100 KB POSTs got 503).
  std::size_t max_large_bodies_per_source = 1;
  /// A large body's share of the budget (and its source's slot) is taken only once its first
  /// small_body_bytes have arrived, and grows with each byte after: a head alone holds none (the fifth outside test: headers-only
  /// 16 MiB declarations from 4 addresses, reconnecting each second, kept every large body out).
  /// The source's slot is given back once the body is complete and handed to a worker; its bytes
  /// stay in the budget until the handler is done.
  /// A large body must arrive at least this fast: before its share is reserved, averaged from the
  /// end of its head once large_body_grace has passed (bytes >= rate x (elapsed - grace)); once
  /// reserved, from the reservation with only large_body_reserved_slack of grace. Slower is cut
  /// with 408 and its share released at once, so holding a share costs an attacker
  /// small_body_bytes up front and the minimum rate from then on. A socket whose bytes wait
  /// unread in the kernel is never cut for the rate (the loop is late, not the client). 1 MiB/s
  /// is ~8 Mbit/s: a full 16 MiB body needs 3.2 MiB/s anyway to beat request_deadline.
  std::size_t min_large_body_rate = 1 << 20;  // bytes per second
  std::chrono::milliseconds large_body_grace{1000};
  std::chrono::milliseconds large_body_reserved_slack{250};
  /// Handler threads: also the number of bodies parsed at once.
  std::size_t workers = 4;
  /// Workers that may run requests of a slow route at once (one whose handler recently took 1 ms
  /// of CPU or more per request, kSlowHandlerUs in http_server.cpp); the others stay free for
  /// quick requests. The trustee's handlers share one lock: with four 1000-row log reads running,
  /// an honest GET /v1/info waited behind three of them for that lock (pentest F2's flood).
  /// While they are all busy, a source's quick requests go ahead of its waiting slow ones, so a
  /// slow request at the front of a source's queue does not hold its others in the queue.
  std::size_t slow_workers = 2;
  /// Complete requests waiting for a worker, over all sources. Each source has its own queue and
  /// workers take one request per source in turn (round-robin, weighted by handler time: the
  /// source served least so far goes next), so a flood from N sources delays another source's
  /// request by at most about N requests' service time, not by the whole queue. When
  /// full, a request of a route with at least two fewer waiting than the busiest route pushes out
  /// that route's newest request (it gets 503); else a request from a source with at least two
  /// fewer waiting than the busiest source pushes out that source's newest; otherwise the
  /// newcomer gets 503. So no mix of routes can keep another route out of the queue.
  std::size_t queue = 64;
  /// Complete requests of one route (path and method) waiting, at most; over it the source with
  /// the most of that route waiting gives up its newest one (503) to a newcomer from a source with
  /// at least two fewer there, else the newcomer gets 503. Half the queue: a flood of one kind cannot fill it for the others (the
  /// seventh outside test: 70 addresses pipelining 1000-entry log reads kept the queue full, and
  /// an investigation's decrypt requests got 503 until its retries ran out).
  std::size_t queue_per_route = 32;
  /// Requests per source address waiting or being handled; over it that source alone gets 503.
  /// Eight sources at this cap fill the queue, one source can never do so (pentest F2: 120
  /// connections of GET /v1/log/entries?count=1000 filled the FIFO queue and honest requests got
  /// 503). Above `workers`, so one busy honest client (the ceremony, the load test's 4 client
  /// threads) still gets every worker.
  std::size_t max_requests_per_source = 8;
  /// Complete requests of the priority lane waiting (a route's HttpPriority said yes: at the
  /// trustee, a decrypt request naming an agency already proven there), over and outside the
  /// queue, the route's share and the source's cap, and taken by the workers first. Fairness
  /// between sources cannot tell many attacking addresses from many agencies (the third outside
  /// test: 72 addresses with one junk decrypt each kept the decrypt route's share full); this lane
  /// is for requests an outsider cannot make without a proven agency's key.
  std::size_t priority_queue = 16;
  /// Of which one source may have this many waiting; its others go to the queue like any request.
  /// Whoever copies a proven agency's key from the plaintext wire (the eighth outside test's D: 16
  /// connections per trustee replaying it) fills the lane only from as many addresses.
  std::size_t priority_per_source = 2;
};

class HttpServer {
 public:
  HttpServer(HttpLimits limits, ErrorBody error_body);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Exact path match; a path with handlers for other methods only gets 405, others 404.
  /// With `priority`, the route's requests it says yes to go in the priority lane.
  void route(const std::string& method, const std::string& path, HttpHandler handler, HttpPriority priority = {});
  /// Listens on host:port (port 0 picks a free one) and returns the port.
  [[nodiscard]] escrow::Result<int> bind(const std::string& host, int port);
  /// Serves until stop(); returns once the loop and every worker have ended.
  void run();
  /// Safe from any thread; run() returns soon after.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace doormat::authority
