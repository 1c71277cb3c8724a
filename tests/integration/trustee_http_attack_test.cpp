// Issue 12, "Bounded HTTP": a real trustee process under the penetration test's availability and
// memory attacks, each run from background threads for a bounded time while the main thread
// times honest requests (GET /v1/info, and a malformed POST /v1/decrypt that must get its 400)
// and reads the trustee's VmRSS. Attackers use their own loopback addresses (127.0.0.2 and up)
// except where the point is an attacker sharing the honest client's 127.0.0.1.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "http_server.hpp"
#include "live_trustee.hpp"
#include "raw_http.hpp"
#include "refusal_tally.hpp"
#include "strict_json.hpp"
#include "trustee_http.hpp"

namespace doormat {
namespace {
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The issue's bar for an honest request while an attack runs, on loopback: 95% of them within
// 100 ms, and none over 500 ms. A starved request waits for seconds (a worker held by a slow
// client, the 5 s deadline); a single sample past 100 ms on a shared 2-core machine is the
// scheduler, as one run with a load average of 9 showed (158 ms once in 78 samples, p95 44 ms).
constexpr double kHonestBudgetMs = 100;
constexpr double kHonestWorstMs = 500;
// The bars for time and memory are the Release build's. Under AddressSanitizer (the Debug build of
// `./scripts/test --sanitize`) a trustee is 2-3x slower and uses ~125 MB at rest: there the attacks
// and every functional check run, and the figures are printed, not judged.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kJudgeFigures = false;
#else
constexpr bool kJudgeFigures = true;
#endif
// The trustee at rest is ~80 MB; the 2 GB gzip bomb and the 630 MB nesting must not come back.
constexpr double kRssBudgetMb = 200;
// The server's whole-request deadline (HttpLimits::request_deadline).
constexpr auto kRequestDeadline = 5000ms;
// Flooding attackers pause this long between requests. They share the trustee's two cores here;
// unpaced, they measure the scheduler rather than the server. Paced, the gzip senders still push
// ~200 MB/s of bombs, hundreds of times the pentest's one 521 KB body.
constexpr auto kFloodPause = 10ms;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double rss_mb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return -1;
}

// Reads one reply (headers, then Content-Length bytes); its status, or 0 on a close or timeout.
// `pending` carries bytes of the next replies between calls (pipelining).
struct RawReply {
  int status = 0;
  std::string body;
};
RawReply read_reply(int fd, std::string& pending) {
  char buf[4096];
  std::size_t head_end = std::string::npos;
  while ((head_end = pending.find("\r\n\r\n")) == std::string::npos) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0 || pending.size() > 65536) return {};
    pending.append(buf, static_cast<std::size_t>(n));
  }
  RawReply r;
  if (head_end < 12) return {};
  r.status = std::atoi(pending.c_str() + 9);
  const auto cl = pending.find("Content-Length: ");
  const std::size_t length = cl < head_end ? std::stoul(pending.substr(cl + 16)) : 0;
  while (pending.size() < head_end + 4 + length) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {};
    pending.append(buf, static_cast<std::size_t>(n));
  }
  r.body = pending.substr(head_end + 4, length);
  pending.erase(0, head_end + 4 + length);
  return r;
}
RawReply read_reply(int fd) {
  std::string pending;
  return read_reply(fd, pending);
}

// True once the server has closed the connection (EOF or reset) within `wait`.
bool closed_by_server(int fd, std::chrono::milliseconds wait) {
  timeval tv{static_cast<long>(wait.count() / 1000), static_cast<long>((wait.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  for (int i = 0; i < 64; ++i) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
    if (n < 0) return false;  // timed out: still open
  }
  return false;
}

// An honest client's 100 KB POSTs (junk, so each real reply is 400), one every 50 ms from
// 127.0.0.1 for `duration` or `max_posts`: each one's time and the count of each status.
struct HonestPosts {
  std::vector<double> ms;
  std::map<int, int> statuses;
  int count(int status) const { return statuses.contains(status) ? statuses.at(status) : 0; }
  std::string seen() const {
    std::string out;
    for (const auto& [status, n] : statuses) out += fmt::format(" {}x{}", n, status);
    return out;
  }
};

HonestPosts honest_junk_posts(int port, std::chrono::milliseconds duration, std::size_t max_posts = SIZE_MAX) {
  const std::string junk = "{\"junk\": \"" + std::string(100 * 1000, 'a') + "\"}";
  HonestPosts out;
  const auto end = Clock::now() + duration;
  while (Clock::now() < end && out.ms.size() < max_posts) {
    const auto start = Clock::now();
    const int fd = dial("127.0.0.1", port);
    int status = -1;  // could not connect
    if (fd >= 0) {
      send_all(fd, post_head("/v1/decrypt", junk.size()) + junk);
      status = read_reply(fd).status;
      ::close(fd);
    }
    out.ms.push_back(ms_since(start));
    ++out.statuses[status];
    std::this_thread::sleep_for(50ms);
  }
  return out;
}

// A valid gzip of `mebibytes` MiB of zeros, ~1 KB per MiB like the pentest's bomb (521 KB that
// inflated to 2 GB in the trustee). After a full flush deflate restarts from an empty window, so
// the block for one MiB of zeros repeats byte for byte: built in milliseconds, not deflated.
std::string gzip_bomb(std::size_t mebibytes) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::vector<unsigned char> zeros(1 << 20, 0), out(1 << 16);
  auto step = [&](std::size_t n, int flush) {
    z.next_in = zeros.data();
    z.avail_in = static_cast<uInt>(n);
    std::string bytes;
    do {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      deflate(&z, flush);
      bytes.append(reinterpret_cast<char*>(out.data()), out.size() - z.avail_out);
    } while (z.avail_out == 0);
    return bytes;
  };
  std::string gz = step(zeros.size(), Z_FULL_FLUSH);  // gzip header + the first MiB
  const std::string block = step(zeros.size(), Z_FULL_FLUSH);
  for (std::size_t i = 2; i < mebibytes; ++i) gz += block;
  std::string tail = step(0, Z_FINISH);
  deflateEnd(&z);
  // The trailer: CRC-32 and length of everything, little-endian (RFC 1952).
  const uLong one = crc32(0, zeros.data(), static_cast<uInt>(zeros.size()));
  uLong crc = one;
  for (std::size_t i = 1; i < mebibytes; ++i) crc = crc32_combine(crc, one, static_cast<z_off_t>(zeros.size()));
  const uint32_t size = static_cast<uint32_t>(mebibytes << 20);
  tail.resize(tail.size() - 8);
  for (int i = 0; i < 4; ++i) tail += static_cast<char>((crc >> (8 * i)) & 0xff);
  for (int i = 0; i < 4; ++i) tail += static_cast<char>((size >> (8 * i)) & 0xff);
  return gz + block + tail;
}

class TrusteeHttpUnderAttack : public ::testing::Test {
 protected:
  static inline std::string dir;
  static inline TrusteeProcess t;
  static inline int port = 0;
  static inline double rest_mb = 0;

  static void SetUpTestSuite() {
    dir = fs::temp_directory_path() / ("doormat-http-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir + "/t1");
    sh({"ceremony", "dealer", "-k", "2", "-n", "3", "--out", "auth"}, dir);
    sh({"court", "init", "--dir", "court"}, dir);
    ASSERT_TRUE(files::write_text(dir + "/pass", "http attack passphrase\n", true).has_value());
    t.index = 1;
    t.dir = dir + "/t1";
    t.db = t.dir + "/state.db";
    t.pass = dir + "/pass";
    sh({"trustee", "init", "--db", t.db, "--share", "auth/share-1.bin", "--authority", "auth/authority.pub", "--root", "court/root.pem",
        "--crl", "court/crl.pem", "--passphrase-file", "pass"},
       dir);
    t.start();
    port = std::stoi(t.url.substr(t.url.rfind(':') + 1));
    for (int i = 0; i < 5; ++i) (void)http_get(t.url, "/v1/info");  // warm
    rest_mb = rss_mb(t.pid);
    fmt::print("trustee at rest: VmRSS {:.1f} MB\n", rest_mb);
  }
  static void TearDownTestSuite() {
    t.kill(SIGTERM);
    if (!::testing::Test::HasFailure()) fs::remove_all(dir);
  }

  struct Figures {
    std::vector<double> info_ms, decrypt_ms;
    double rss = 0;
    int samples = 0;
  };
  static std::string spread(std::vector<double> v) {  // "p50 / p95 / max"
    if (v.empty()) return "-";
    std::sort(v.begin(), v.end());
    return fmt::format("{:.1f} / {:.1f} / {:.1f} ms", v[v.size() / 2], v[v.size() * 95 / 100], v.back());
  }
  static double worst(const std::vector<double>& v) { return v.empty() ? 0 : *std::max_element(v.begin(), v.end()); }
  static double p95(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, v.size() * 95 / 100)];
  }

  // The honest client: a fresh connection from 127.0.0.1 per request, as app/http_client.cpp makes.
  static void sample(Figures& f) {
    auto start = Clock::now();
    auto info = http_get(t.url, "/v1/info");
    const double info_ms = ms_since(start);
    start = Clock::now();
    auto bad = http_post(t.url, "/v1/decrypt", {{"not", "a request"}});
    const double decrypt_ms = ms_since(start);
    EXPECT_TRUE(info.has_value() && info->status == 200) << (info ? std::to_string(info->status) : info.error().message());
    EXPECT_TRUE(bad.has_value() && bad->status == 400) << (bad ? std::to_string(bad->status) : bad.error().message());
    f.info_ms.push_back(info_ms);
    f.decrypt_ms.push_back(decrypt_ms);
    f.rss = std::max(f.rss, rss_mb(t.pid));
    ++f.samples;
  }

  // Runs `attackers` threads of `attack` for `length`, sampling the honest client every 50 ms
  // from `settle` on; reports and checks the worst figures.
  static Figures under_attack(const std::string& name, int attackers, std::chrono::milliseconds length,
                              const std::function<void(int, const std::atomic<bool>&)>& attack,
                              std::chrono::milliseconds settle = 300ms) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < attackers; ++i) threads.emplace_back([&, i] { attack(i, stop); });
    std::this_thread::sleep_for(settle);
    Figures f;
    const auto end = Clock::now() + length;
    while (Clock::now() < end && f.samples < 200) {
      sample(f);
      std::this_thread::sleep_for(50ms);
    }
    stop = true;
    for (auto& th : threads) th.join();
    fmt::print("[{}] {} samples: honest GET /v1/info p50/p95/max {}, malformed POST /v1/decrypt (400) {}; "
               "trustee VmRSS max {:.1f} MB (at rest {:.1f} MB)\n",
               name, f.samples, spread(f.info_ms), spread(f.decrypt_ms), f.rss, rest_mb);
    EXPECT_GT(f.samples, 0);
    if (kJudgeFigures) {
      EXPECT_LE(p95(f.info_ms), kHonestBudgetMs) << name;
      EXPECT_LE(p95(f.decrypt_ms), kHonestBudgetMs) << name;
      EXPECT_LE(worst(f.info_ms), kHonestWorstMs) << name;
      EXPECT_LE(worst(f.decrypt_ms), kHonestWorstMs) << name;
      EXPECT_LT(f.rss, kRssBudgetMb) << name;
    }
    return f;
  }
};

// "[,,,...]" with n commas (built in place: `"[" + std::string(n, ',')` trips a GCC 12 -Wrestrict false positive).
std::string commas(std::size_t n) {
  std::string s(n + 2, ',');
  s.front() = '[';
  s.back() = ']';
  return s;
}

TEST(JsonPreScan, CountsBracketsAndCommasOutsideStringsOnly) {
  EXPECT_FALSE(authority::json_bounds_problem(R"({"request": "[[[[[[[[[[[[[[[[[[[[,,,,"})").has_value());
  EXPECT_FALSE(authority::json_bounds_problem(R"({"a": "\"[[[[[[[[[[[[[[[[[[[[[["})").has_value());
  EXPECT_FALSE(authority::json_bounds_problem(std::string(16, '[') + std::string(16, ']')).has_value());
  EXPECT_TRUE(authority::json_bounds_problem(std::string(17, '[')).has_value());
  EXPECT_TRUE(authority::json_bounds_problem(R"({"a": "\\")" + std::string(17, '{')).has_value());  // the escape ended
  EXPECT_FALSE(authority::json_bounds_problem(commas(65535)).has_value());
  EXPECT_TRUE(authority::json_bounds_problem(commas(65536)).has_value());
}

// The fourth outside test: a JSON body was read up to a NUL byte (one inside a string, too).
TEST(JsonPreScan, ANulByteAnywhereIsRefused) {
  using namespace std::string_literals;
  EXPECT_TRUE(authority::json_bounds_problem("{\"request\": \"00\"}\0garbage"s).has_value());
  EXPECT_TRUE(authority::json_bounds_problem("{\"request\": \"0\0\"}"s).has_value());
  EXPECT_FALSE(authority::json_bounds_problem(R"({"request": "\u0000"})").has_value());  // escaped: the parser's to judge
}

// nlohmann keeps the last of two equal keys; the trustee refuses the body instead, at any depth.
TEST(StrictJson, AKeyNamedTwiceInAnyObjectIsRefused) {
  EXPECT_FALSE(authority::parse_strict_json(R"({"request": "00", "b": {"c": 1, "d": [ {"c": 2} ]}})").is_discarded());
  EXPECT_TRUE(authority::parse_strict_json(R"({"request": "zz", "request": "00"})").is_discarded());
  EXPECT_TRUE(authority::parse_strict_json(R"({"a": {"c": 1, "c": 1}})").is_discarded());
  EXPECT_TRUE(authority::parse_strict_json(R"([{"x": 1}, {"y": 2, "y": 3}])").is_discarded());
  EXPECT_FALSE(authority::parse_strict_json(R"([{"x": 1}, {"x": 2}])").is_discarded());  // two objects, one x each
  EXPECT_TRUE(authority::parse_strict_json("{\"a\": 1").is_discarded());            // not JSON at all
}

// Query parameters (SPEC §11.5): plain decimal or refused. std::from_chars read "0x10" and "1e3"
// as their first digit, and the route clamped "-1" to 2^64 - 1.
TEST(StrictDecimal, AcceptsPlainDecimalOnly) {
  EXPECT_EQ(authority::strict_decimal("0"), 0u);
  EXPECT_EQ(authority::strict_decimal("1000"), 1000u);
  EXPECT_EQ(authority::strict_decimal("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "-1", "+5", " 5", "5 ", "0x10", "1e3", "007", "1.0", "18446744073709551616", "99999999999999999999999", "١"})
    EXPECT_FALSE(authority::strict_decimal(bad).has_value()) << bad;
}

// Reasons in replies name no internal function (the outside tester saw `dkg::Party::resharing: `).
TEST(PublicWords, InternalFunctionNamesAreDropped) {
  EXPECT_EQ(authority::public_words("dkg::Party::resharing: malformed: 1 dealer, 2 needed"), "malformed: 1 dealer, 2 needed");
  EXPECT_EQ(authority::public_words("dropped: dkg::open_frame: invalid proof: bad signature"), "dropped: invalid proof: bad signature");
  EXPECT_EQ(authority::public_words("request time 5 is 9 s from the trustee's clock"), "request time 5 is 9 s from the trustee's clock");
  const auto e = escrow::fail(escrow::ErrorCategory::invalid_proof, "dkg::Party::receive", "dkg::check: share fails", {*escrow::PartyIndex::make(3)});
  EXPECT_EQ(authority::plain_reason(e.error()), "invalid proof: share fails (blame: 3)");
}

TEST_F(TrusteeHttpUnderAttack, KeepAliveAndPipelinedRequestsGetTheirRepliesInOrder) {
  const int fd = dial("127.0.0.1", port);
  ASSERT_GE(fd, 0);
  const std::string get = "GET /v1/info HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string bad = "{}";
  ASSERT_TRUE(send_all(fd, get + post_head("/v1/decrypt", bad.size()) + bad + "GET /v1/log/entries?start=0&count=1 HTTP/1.1\r\n\r\n"));
  std::string pending;
  EXPECT_EQ(read_reply(fd, pending).status, 200);
  EXPECT_EQ(read_reply(fd, pending).status, 400);
  EXPECT_EQ(read_reply(fd, pending).status, 200);
  ASSERT_TRUE(send_all(fd, "GET /v1/nothing HTTP/1.1\r\nConnection: close\r\n\r\n"));
  const auto missing = read_reply(fd, pending);
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(nlohmann::json::parse(missing.body).contains("reason"));
  EXPECT_TRUE(closed_by_server(fd, 1000ms));
  ::close(fd);
}

TEST_F(TrusteeHttpUnderAttack, ThreeHundredIdleConnectionsDoNotDelayHonestRequests) {
  // 40 share the honest client's 127.0.0.1 (over the per-source cap of 32), 260 come from
  // 127.0.0.2..14 (20 each): 300 in all, over the total cap of 256.
  std::vector<int> idle;
  std::mutex mu;
  under_attack("300 idle connections", 1, 1500ms, [&](int, const std::atomic<bool>&) {
    for (int i = 0; i < 300; ++i) {
      const int fd = dial(i < 40 ? "127.0.0.1" : fmt::format("127.0.0.{}", 2 + (i - 40) / 20), port);
      std::lock_guard lock(mu);
      if (fd >= 0) idle.push_back(fd);
    }
  });
  std::size_t closed = 0;
  for (int fd : idle) closed += closed_by_server(fd, 1ms) ? 1 : 0;
  fmt::print("[300 idle connections] {} connected, {} closed by the trustee's caps while the rest stayed open\n", idle.size(), closed);
  EXPECT_EQ(idle.size(), 300u);
  EXPECT_GE(closed, 300u - 256u);  // at least the excess over the total cap was evicted
  for (int fd : idle) ::close(fd);
}

TEST_F(TrusteeHttpUnderAttack, SixtyFourSlowHeaderClientsAreCutAtTheDeadlineAndStarveNoOne) {
  // 16 per source on four sources (the pentest's 16 per trustee, four times over): under every
  // cap, so only the whole-request deadline ends them. One byte each every 200 ms.
  constexpr int kClients = 64;
  std::vector<int> fds(kClients, -1);
  std::vector<double> cut_ms(kClients, -1);
  const auto started = Clock::now();
  under_attack("64 slow-header clients", 1, kRequestDeadline + 1200ms, [&](int, const std::atomic<bool>& stop) {
    for (int i = 0; i < kClients; ++i) fds[i] = dial(fmt::format("127.0.0.{}", 20 + i / 16), port);
    const std::string head = "GET /v1/info HTTP/1.1\r\nX-Slow: " + std::string(4096, 'a');
    for (std::size_t byte = 0; byte < head.size() && !stop; ++byte) {
      for (int i = 0; i < kClients; ++i)
        if (fds[i] >= 0 && cut_ms[i] < 0 && !send_all(fds[i], head.substr(byte, 1))) cut_ms[i] = ms_since(started);
      std::this_thread::sleep_for(200ms);
    }
  });
  int cut = 0;
  double first = 1e9, last = 0;
  for (int i = 0; i < kClients; ++i) {
    if (cut_ms[i] < 0 && fds[i] >= 0 && closed_by_server(fds[i], 1ms)) cut_ms[i] = ms_since(started);
    if (cut_ms[i] >= 0) ++cut, first = std::min(first, cut_ms[i]), last = std::max(last, cut_ms[i]);
    if (fds[i] >= 0) ::close(fds[i]);
  }
  fmt::print("[64 slow-header clients] {} of {} cut by the trustee, first at {:.0f} ms, last seen at {:.0f} ms (deadline {} ms)\n", cut,
             kClients, first, last, kRequestDeadline.count());
  EXPECT_EQ(cut, kClients);
  EXPECT_GE(first, kRequestDeadline.count() - 500.0);  // not before the deadline ...
}

TEST_F(TrusteeHttpUnderAttack, GzipBombIsRefusedWith415AndNeverInflated) {
  const auto bomb = gzip_bomb(512);
  {  // the bomb is real: it inflates to 512 MiB
    z_stream z{};
    inflateInit2(&z, 15 + 16);
    std::vector<unsigned char> sink(1 << 20);
    z.next_in = reinterpret_cast<unsigned char*>(const_cast<char*>(bomb.data()));
    z.avail_in = static_cast<uInt>(bomb.size());
    std::size_t inflated = 0;
    int rc = Z_OK;
    for (int i = 0; i < 2000 && rc == Z_OK; ++i) {
      z.next_out = sink.data();
      z.avail_out = static_cast<uInt>(sink.size());
      rc = inflate(&z, Z_NO_FLUSH);
      inflated += sink.size() - z.avail_out;
    }
    inflateEnd(&z);
    ASSERT_EQ(rc, Z_STREAM_END);
    ASSERT_EQ(inflated, std::size_t(512) << 20);
  }
  std::atomic<int> refused{0}, other{0};
  under_attack(fmt::format("gzip bomb ({} KB inflating to 512 MiB), 4 senders", bomb.size() / 1024), 4, 1500ms,
               [&](int i, const std::atomic<bool>& stop) {
                 for (int n = 0; n < 1000 && !stop; ++n) {
                   const int fd = dial(fmt::format("127.0.0.{}", 40 + i), port);
                   if (fd < 0) continue;
                   send_all(fd, post_head("/v1/decrypt", bomb.size(), "Content-Encoding: gzip\r\n") + bomb);
                   (read_reply(fd).status == 415 ? refused : other)++;
                   ::close(fd);
                   std::this_thread::sleep_for(kFloodPause);
                 }
               });
  fmt::print("[gzip bomb] {} refused with 415, {} other replies\n", refused.load(), other.load());
  EXPECT_GT(refused.load(), 0);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(TrusteeHttpUnderAttack, ChunkedBodiesAreRefusedWith411) {
  std::atomic<int> refused{0}, other{0};
  const std::string chunk = fmt::format("{:x}\r\n{}\r\n", 1 << 20, std::string(1 << 20, 'a'));
  under_attack("chunked 64 MiB bodies, 4 senders", 4, 1500ms, [&](int i, const std::atomic<bool>& stop) {
    for (int n = 0; n < 1000 && !stop; ++n) {
      const int fd = dial(fmt::format("127.0.0.{}", 50 + i), port);
      if (fd < 0) continue;
      send_all(fd, "POST /v1/decrypt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int c = 0; c < 64 && !stop && send_all(fd, chunk); ++c) {
      }
      send_all(fd, "0\r\n\r\n");
      (read_reply(fd).status == 411 ? refused : other)++;
      ::close(fd);
      std::this_thread::sleep_for(kFloodPause);
    }
  });
  fmt::print("[chunked] {} refused with 411, {} other replies\n", refused.load(), other.load());
  EXPECT_GT(refused.load(), 0);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(TrusteeHttpUnderAttack, FifteenMebibytesOfNestedOrFlatArraysAreRefusedBeforeParsing) {
  const std::size_t half = (15u << 20) / 2;
  const std::string nested = std::string(half, '[') + std::string(half, ']');
  std::string flat = "[0";
  while (flat.size() < (15u << 20)) flat += ",0";
  flat += "]";
  std::atomic<int> prescan{0}, busy{0}, other{0};
  // Three at once took the trustee to 1.7 GB; here six, to both JSON routes.
  under_attack("15 MiB nested/flat arrays to /v1/ceremony and /v1/decrypt, 6 senders", 6, 2000ms,
               [&](int i, const std::atomic<bool>& stop) {
                 const std::string& body = i % 3 == 2 ? flat : nested;
                 const std::string path = i % 2 ? "/v1/ceremony" : "/v1/decrypt";
                 for (int n = 0; n < 1000 && !stop; ++n) {
                   const int fd = dial(fmt::format("127.0.0.{}", 60 + i), port, 10000);
                   if (fd < 0) continue;
                   send_all(fd, post_head(path, body.size()) + body);
                   const auto r = read_reply(fd);
                   // 400 from the ceremony route's pre-scan, or from the decrypt route's in-place
                   // read (no parser runs on a decrypt body); 503 when the budget for large bodies
                   // is in use.
                   const bool unparsed = path == "/v1/ceremony" ? r.body.find("JSON ") != std::string::npos
                                                                : r.body.find("malformed_json") != std::string::npos;
                   if (r.status == 400 && unparsed) ++prescan;
                   else if (r.status == 503) ++busy;
                   else ++other;
                   ::close(fd);
                   std::this_thread::sleep_for(kFloodPause);
                 }
               });
  fmt::print("[15 MiB arrays] {} refused with 400 before any parser, {} with 503 over the large-body budget, {} other replies\n",
             prescan.load(), busy.load(), other.load());
  EXPECT_GT(prescan.load(), 0);
  EXPECT_EQ(other.load(), 0);
}

// The sixth outside test's note: 158-207 MB stayed resident in an idle trustee after its floods
// (13 MB at rest). The same 15 MiB bodies as above, then two seconds with nothing to do: the
// trustee gives the memory back (HttpServer trims the heap once the large bodies are gone).
TEST_F(TrusteeHttpUnderAttack, AnIdleTrusteeGivesBackTheMemoryAFloodTook) {
  const std::string flat = [] {
    std::string s = "[0";
    while (s.size() < (15u << 20)) s += ",0";
    return s + "]";
  }();
  double peak = 0;
  std::vector<std::thread> senders;
  for (int i = 0; i < 4; ++i)
    senders.emplace_back([&, i] {
      for (int n = 0; n < 6; ++n) {
        const int fd = dial(fmt::format("127.0.0.{}", 80 + i), port, 10000);
        if (fd < 0) continue;
        send_all(fd, post_head("/v1/decrypt", flat.size()) + flat);
        (void)read_reply(fd);
        ::close(fd);
      }
    });
  for (int i = 0; i < 40; ++i) peak = std::max(peak, rss_mb(t.pid)), std::this_thread::sleep_for(25ms);
  for (auto& th : senders) th.join();
  peak = std::max(peak, rss_mb(t.pid));
  std::this_thread::sleep_for(2500ms);
  const double idle = rss_mb(t.pid);
  fmt::print("[memory after a flood] VmRSS at rest {:.1f} MB, during 24 bodies of 15 MiB {:.1f} MB, idle 2.5 s later {:.1f} MB\n",
             rest_mb, peak, idle);
  if (kJudgeFigures) {  // AddressSanitizer's allocator keeps its own heap: printed there, not judged
    EXPECT_GT(peak, rest_mb + 30);  // the flood did take memory
    EXPECT_LT(idle, rest_mb + 0.25 * (peak - rest_mb)) << "three quarters of it given back";
  }
}

TEST_F(TrusteeHttpUnderAttack, SlowBodiesAreCutAtTheDeadline) {
  constexpr int kClients = 32;
  std::vector<int> fds(kClients, -1);
  std::vector<double> cut_ms(kClients, -1);
  const auto started = Clock::now();
  under_attack("32 slow Content-Length bodies", 1, kRequestDeadline + 1200ms, [&](int, const std::atomic<bool>& stop) {
    for (int i = 0; i < kClients; ++i) {
      fds[i] = dial(fmt::format("127.0.0.{}", 70 + i / 16), port);
      if (fds[i] >= 0) send_all(fds[i], post_head("/v1/decrypt", 1000));
    }
    for (int byte = 0; byte < 1000 && !stop; ++byte) {
      for (int i = 0; i < kClients; ++i)
        if (fds[i] >= 0 && cut_ms[i] < 0 && !send_all(fds[i], "[")) cut_ms[i] = ms_since(started);
      std::this_thread::sleep_for(200ms);
    }
  });
  int cut = 0;
  double first = 1e9;
  for (int i = 0; i < kClients; ++i) {
    if (cut_ms[i] < 0 && fds[i] >= 0 && closed_by_server(fds[i], 1ms)) cut_ms[i] = ms_since(started);
    if (cut_ms[i] >= 0) ++cut, first = std::min(first, cut_ms[i]);
    if (fds[i] >= 0) ::close(fds[i]);
  }
  fmt::print("[32 slow bodies] {} of {} cut by the trustee, first at {:.0f} ms (deadline {} ms)\n", cut, kClients, first,
             kRequestDeadline.count());
  EXPECT_EQ(cut, kClients);
  EXPECT_GE(first, kRequestDeadline.count() - 500.0);
}

// The trustee's log size, read as the number of entries from `start` (0 or 1 past the end).
std::size_t entries_at(int port, std::size_t start) {
  const int fd = dial("127.0.0.1", port);
  if (fd < 0) return 0;
  send_all(fd, fmt::format("GET /v1/log/entries?start={}&count=1 HTTP/1.1\r\nConnection: close\r\n\r\n", start));
  const auto r = read_reply(fd);
  ::close(fd);
  if (r.status != 200) return 0;
  return nlohmann::json::parse(r.body, nullptr, false).value("entries", nlohmann::json::array()).size();
}

TEST_F(TrusteeHttpUnderAttack, LogEntriesFloodFromEightSourcesDoesNotStarveAnotherSource) {
  // The pentest's F2 with a log worth reading (a full page of 1000 entries per read): each
  // malformed POST from a new source is one log entry (refusals are counted per source; the
  // trustee writes what it counted when it stops), so rounds of 64 named sources and one of the
  // "other sources" (the tally's per-interval maximum, 65 entries), each ended by a restart.
  constexpr std::size_t kLogEntries = 1000;
  constexpr int kSourcesPerRound = static_cast<int>(authority::RefusalTally::kMaxSources) + 1, kMaxRounds = 24, kFillers = 8;
  const auto fill_started = Clock::now();
  for (int round = 0; round < kMaxRounds && entries_at(port, kLogEntries - 1) == 0; ++round) {
    std::vector<std::thread> fillers;
    for (int f = 0; f < kFillers; ++f)
      fillers.emplace_back([&, f] {
        for (int i = f; i < kSourcesPerRound; i += kFillers) {
          const int fd = dial(fmt::format("127.{}.{}.{}", 100 + round, 1 + i / 250, 1 + i % 250), port);
          if (fd < 0) continue;
          send_all(fd, post_head("/v1/decrypt", 2, "Connection: close\r\n") + "{}");
          (void)read_reply(fd);
          ::close(fd);
        }
      });
    for (auto& th : fillers) th.join();
    t.kill(SIGTERM);
    t.start();
    port = std::stoi(t.url.substr(t.url.rfind(':') + 1));
  }
  fmt::print("[log entries flood] log filled to >= {} entries in {:.1f} s\n", kLogEntries, ms_since(fill_started) / 1000);
  ASSERT_EQ(entries_at(port, kLogEntries - 1), 1u) << "the log did not reach " << kLogEntries << " entries";

  // 8 sources x 16 keep-alive connections, each asking for 1000 entries (~300 KB) again and again.
  constexpr int kSources = 8, kPerSource = 16;
  std::atomic<int> served{0}, busy{0}, other{0};
  const std::string ask = "GET /v1/log/entries?start=0&count=1000 HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto f = under_attack("GET /v1/log/entries?count=1000 from 8 sources x 16 connections", kSources * kPerSource, 3000ms,
                              [&](int i, const std::atomic<bool>& stop) {
                                int fd = -1;
                                std::string pending;
                                for (int n = 0; n < 2000 && !stop; ++n) {
                                  if (fd < 0) fd = dial(fmt::format("127.0.80.{}", 1 + i / kPerSource), port, 10000), pending.clear();
                                  if (fd < 0) continue;
                                  const auto r = send_all(fd, ask) ? read_reply(fd, pending) : RawReply{};
                                  (r.status == 200 ? served : r.status == 503 ? busy : other)++;
                                  if (r.status == 0) ::close(fd), fd = -1;
                                  std::this_thread::sleep_for(kFloodPause);
                                }
                                if (fd >= 0) ::close(fd);
                              });
  fmt::print("[log entries flood] attackers: {} replies of 1000 entries, {} refused with 503 (over the per-source cap), {} other\n",
             served.load(), busy.load(), other.load());
  EXPECT_GT(served.load(), 0);
  if (kJudgeFigures) {
    EXPECT_GE(f.samples, 20);  // sample() checked every honest reply's status: 200 for info, 400 for the malformed POST
  }
}

TEST_F(TrusteeHttpUnderAttack, TricklingLargeBodiesFromOneSourceDoNotBlockAnotherSourcesLargeBody) {
  // The pentest's F4: two connections from one source each declare a full-size body
  // (16778240 bytes) and send one byte every 200 ms, re-opening as soon as they are cut.
  constexpr std::size_t kFullBody = 2 * (std::size_t{8} << 20) + 1024;
  constexpr int kTricklers = 2;
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0}, cut{0}, opened{0};
  std::mutex mu;
  std::vector<double> cut_after_ms;
  std::vector<std::thread> tricklers;
  for (int i = 0; i < kTricklers; ++i)
    tricklers.emplace_back([&] {
      for (int n = 0; n < 100 && !stop; ++n) {
        const int fd = dial("127.0.90.1", port);
        if (fd < 0) continue;
        ++opened;
        const auto started = Clock::now();
        bool open = send_all(fd, post_head("/v1/decrypt", kFullBody));
        for (int b = 0; b < 50 && open && !stop; ++b) {
          std::this_thread::sleep_for(200ms);
          char peek;  // the server has answered (or closed): read it below
          open = send_all(fd, "[") && ::recv(fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN;
        }
        if (!open) {
          const auto r = read_reply(fd);
          if (r.status == 503) ++refused;
          else {
            ++cut;
            std::lock_guard lock(mu);
            cut_after_ms.push_back(ms_since(started));
          }
        }
        ::close(fd);
      }
    });
  std::this_thread::sleep_for(500ms);
  // The honest client, from its own address.
  const auto honest = honest_junk_posts(port, 3000ms, 100);
  stop = true;
  for (auto& th : tricklers) th.join();
  std::sort(cut_after_ms.begin(), cut_after_ms.end());
  fmt::print("[trickling large bodies] honest 100 KB POST p50/p95/max {}, statuses:{}; tricklers: {} opened, {} refused 503 (one large "
             "body per source), {} cut under the minimum rate (after {:.0f}..{:.0f} ms)\n",
             spread(honest.ms), honest.seen(), opened.load(), refused.load(), cut.load(), cut_after_ms.empty() ? 0 : cut_after_ms.front(),
             cut_after_ms.empty() ? 0 : cut_after_ms.back());
  EXPECT_EQ(honest.count(400), static_cast<int>(honest.ms.size())) << honest.seen();
  if (kJudgeFigures) {
    EXPECT_LE(p95(honest.ms), kHonestBudgetMs);
  }
  EXPECT_GT(cut.load(), 0);
  for (double ms : cut_after_ms) EXPECT_LT(ms, 2500.0);  // the rate, not the 5 s deadline, cut them
}

TEST_F(TrusteeHttpUnderAttack, ConnectChurnFromRotatingAddressesEvictsNoHonestRequest) {
  // After the pentest's F10: new idle connections from ever new addresses, 4 x 100 held open at a
  // time (over the 256 cap), the oldest closed as each new one opens. The honest client's
  // connections send at once; the server evicts idle ones first and never a complete request, so
  // every honest request gets its reply (sample() checks each status) rather than a reset. (A
  // guard: the server before per-kind eviction passed it too on this machine; F10's resets came
  // from its choice by connection count, which this churn of one connection per address avoids.)
  constexpr int kChurners = 4, kHeld = 100, kMaxDials = 5000;
  std::atomic<int> dialled{0};
  under_attack("connect churn from rotating addresses, 4 x 100 held", kChurners, 2000ms, [&](int i, const std::atomic<bool>& stop) {
    std::deque<int> held;
    for (int n = 0; n < kMaxDials && !stop; ++n) {
      const int fd = dial(fmt::format("127.{}.{}.{}", 200 + i, 1 + (n / 250) % 250, 1 + n % 250), port);
      if (fd >= 0) held.push_back(fd), ++dialled;
      if (held.size() > kHeld) ::close(held.front()), held.pop_front();
      if (n % 20 == 19) std::this_thread::sleep_for(1ms);
    }
    for (int fd : held) ::close(fd);
  });
  fmt::print("[connect churn] {} connections opened from rotating addresses\n", dialled.load());
  EXPECT_GT(dialled.load(), 256);
}

TEST_F(TrusteeHttpUnderAttack, HeadersOnlyFullSizeDeclarationsFromSixAddressesHoldNoLargeBodyBudget) {
  // The fifth outside test's item 2: a head declaring 16 MiB + 1 KiB and no byte of body held one
  // of the 4 large-body slots for the 1 s grace; 4 addresses reconnecting at once kept every body
  // over 64 KiB out (503 at all 5 trustees, an investigation of 158 sessions opened none). Now a
  // share is reserved only once a body's first 64 KiB are in: the honest 100 KB POST is admitted.
  // (Checked once with the old rule: the honest POSTs got 503.)
  constexpr std::size_t kFullBody = 2 * (std::size_t{8} << 20) + 1024;
  constexpr int kHolders = 6;
  std::atomic<bool> stop{false};
  std::atomic<int> held{0};
  std::vector<std::thread> holders;
  for (int i = 0; i < kHolders; ++i)
    holders.emplace_back([&, i] {
      for (int n = 0; n < 500 && !stop; ++n) {
        const int fd = dial(fmt::format("127.0.95.{}", 1 + i), port);
        if (fd < 0) continue;
        ++held;
        send_all(fd, post_head("/v1/decrypt", kFullBody));
        (void)closed_by_server(fd, 1500ms);  // cut by the server after the grace, or by us
        ::close(fd);
      }
    });
  std::this_thread::sleep_for(300ms);
  const auto honest = honest_junk_posts(port, 3000ms);
  stop = true;
  for (auto& th : holders) th.join();
  fmt::print("[headers-only holders] {} heads of 16 MiB + 1 KiB from {} addresses; honest 100 KB POST p50/p95/max {}, statuses:{}\n",
             held.load(), kHolders, spread(honest.ms), honest.seen());
  EXPECT_GT(held.load(), kHolders);
  EXPECT_EQ(honest.count(400), static_cast<int>(honest.ms.size())) << honest.seen();
}

// The fifth outside test's item 3, in process: a large body's client gave up while its handler ran;
// the same address's next large body is admitted (the source's slot is given back once the body is
// complete and handed to a worker; its bytes stay in the budget until the handler is done).
TEST(HttpServerLargeBodies, AnAbandonedLargeBodyDoesNotHoldItsSourcesNextOne) {
  authority::HttpLimits limits;
  limits.max_body_bytes = 1 << 20;
  limits.large_body_budget = 4 << 20;
  std::atomic<int> handled{0};
  authority::HttpServer server(limits, [](int status, const std::string& reason) { return authority::HttpResponse{status, reason, "text/plain"}; });
  server.route("POST", "/slow", [&](const authority::HttpRequest&) {
    if (handled++ == 0) std::this_thread::sleep_for(1500ms);  // the first is the abandoned one
    return authority::HttpResponse{200, "done", "text/plain"};
  });
  const int port = server.bind("127.0.0.1", 0).value();
  std::thread loop([&] { server.run(); });
  const std::string body(200 * 1000, 'x');
  const int first = dial("127.0.96.1", port);
  ASSERT_GE(first, 0);
  send_all(first, post_head("/slow", body.size()) + body);
  std::this_thread::sleep_for(300ms);  // complete, with a worker
  ::close(first);                      // the client gives up
  const int second = dial("127.0.96.1", port);
  ASSERT_GE(second, 0);
  send_all(second, post_head("/slow", body.size()) + body);
  const auto r = read_reply(second);
  ::close(second);
  server.stop();
  loop.join();
  EXPECT_EQ(r.status, 200) << r.body;
}

// The sixth outside test's large-body finding, in process: a share of the budget is the bytes a
// body has sent, not the size it declares. Three addresses declare 1 MiB bodies and send 100 KB
// each, then wait (the rate rule is off here, so only the charge decides): an honest 200 KB body
// still fits the 1 MiB budget (it got 503 when each held its declared 1 MiB), while a fourth
// address's whole 1 MiB body, which would pass the budget, gets 503.
TEST(HttpServerLargeBodies, AShareIsTheBytesABodySentNotTheSizeItDeclares) {
  authority::HttpLimits limits;
  limits.max_body_bytes = 1 << 20;
  limits.large_body_budget = 1 << 20;
  limits.min_large_body_rate = 0;
  authority::HttpServer server(limits, [](int status, const std::string& reason) { return authority::HttpResponse{status, reason, "text/plain"}; });
  server.route("POST", "/p", [](const authority::HttpRequest&) { return authority::HttpResponse{200, "done", "text/plain"}; });
  const int port = server.bind("127.0.0.1", 0).value();
  std::thread loop([&] { server.run(); });
  std::vector<int> holders;
  for (int i = 1; i <= 3; ++i) {
    const int fd = dial(fmt::format("127.0.97.{}", i), port);
    ASSERT_GE(fd, 0);
    send_all(fd, post_head("/p", 1 << 20) + std::string(100 * 1000, 'x'));
    holders.push_back(fd);
  }
  std::this_thread::sleep_for(200ms);  // each holds its 100 KB
  const auto post = [&](const std::string& from, std::size_t size) {
    const int fd = dial(from, port);
    if (fd < 0) return RawReply{};
    send_all(fd, post_head("/p", size) + std::string(size, 'y'));
    auto r = read_reply(fd);
    ::close(fd);
    return r;
  };
  const auto honest = post("127.0.0.1", 200 * 1000);
  const auto over = post("127.0.97.4", 1 << 20);
  for (int fd : holders) ::close(fd);
  server.stop();
  loop.join();
  EXPECT_EQ(honest.status, 200) << honest.body;
  EXPECT_EQ(over.status, 503) << over.body;
}

// The queue tests' flood: a server with one worker and a queue of 8, 4 per route. Nine addresses
// each send one GET, of flood_paths in turn (the first alone, so the worker has it for 400 ms: then
// eight try the queue); then a tenth address sends POST /quick, and every reply is read. The
// others take 20 ms each, so the honest request, which waits its turn behind every source that
// came before it, is answered well within the test's 3 s read timeout on a loaded machine.
struct QueueFlood {
  RawReply honest;
  std::map<int, int> flooded;  // status -> how many of the nine got it
};
QueueFlood flood_the_queue_then_ask(const std::vector<std::string>& flood_paths, const std::string& subnet) {
  authority::HttpLimits limits;
  limits.workers = 1;
  limits.queue = 8;
  limits.queue_per_route = 4;
  authority::HttpServer server(limits, [](int status, const std::string& reason) { return authority::HttpResponse{status, reason, "text/plain"}; });
  std::atomic<int> handled{0};
  for (const auto& path : flood_paths)
    server.route("GET", path, [&](const authority::HttpRequest&) {
      std::this_thread::sleep_for(handled++ == 0 ? 400ms : 20ms);
      return authority::HttpResponse{200, "slow", "text/plain"};
    });
  server.route("POST", "/quick", [](const authority::HttpRequest&) { return authority::HttpResponse{200, "quick", "text/plain"}; });
  const int port = server.bind("127.0.0.1", 0).value();
  std::thread loop([&] { server.run(); });
  std::vector<int> flood;
  for (std::size_t i = 0; i < 9; ++i) {
    const int fd = dial(fmt::format("{}.{}", subnet, i + 1), port);
    if (fd >= 0) send_all(fd, fmt::format("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", flood_paths[i % flood_paths.size()]));
    flood.push_back(fd);
    // The worker takes the first before the others come (waited for, not slept for: on a loaded
    // machine 50 ms was sometimes not enough, and the first still counted in the route's share).
    for (int w = 0; i == 0 && handled.load() == 0 && w < 400; ++w) std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(50ms);  // the rest waiting or refused
  QueueFlood out;
  const int honest = dial(subnet + ".100", port);
  if (honest >= 0) {
    send_all(honest, post_head("/quick", 2) + "{}");
    out.honest = read_reply(honest);
    ::close(honest);
  }
  for (int fd : flood)
    if (fd >= 0) ++out.flooded[read_reply(fd).status], ::close(fd);
  server.stop();
  loop.join();
  return out;
}

// The seventh outside test's F1, in process: 70 addresses pipelining 1000-entry log reads kept the
// queue of 64 full, so an investigation's decrypt requests got 503 until its retries ran out (a
// newcomer pushes out only a source with two more waiting than itself). Now one route holds at
// most queue_per_route of the queue: nine addresses' slow requests fill their route's share, and
// another route's request from a tenth address is queued and answered (503 under the old rule).
TEST(HttpServerQueue, OneRoutesFloodLeavesRoomInTheQueueForAnother) {
  const auto r = flood_the_queue_then_ask({"/slow"}, "127.0.99");
  EXPECT_EQ(r.honest.status, 200) << r.honest.body;
  EXPECT_EQ(r.flooded.at(200), 5);  // one running, queue_per_route waiting
  EXPECT_EQ(r.flooded.at(503), 4);
}

// The re-test of the seventh outside test's F1: a flood spread over several routes, each under
// its share, still filled the queue, and an investigation's decrypts got 503 at two trustees of
// five. Now a request of a route with fewer waiting pushes out the newest of the busiest route:
// nine addresses' slow requests over three routes fill the queue of 8, and a fourth route's
// request from a tenth address is answered (503 under the per-route share alone).
TEST(HttpServerQueue, AFloodOverSeveralRoutesLeavesRoomForAnother) {
  const auto r = flood_the_queue_then_ask({"/a", "/b", "/c"}, "127.0.98");
  EXPECT_EQ(r.honest.status, 200) << r.honest.body;
  EXPECT_EQ(r.flooded.at(200), 8);  // one pushed out for the honest request
  EXPECT_EQ(r.flooded.at(503), 1);
}

// The second re-test of the seventh outside test: 10 addresses each sent a 1000-entry log read
// and then seven junk decrypts; with both slow workers busy, each address's log read at the front
// of its queue held its decrypts waiting, the decrypt route's share stayed full, and the agency's
// requests got 503. Now a source's quick requests go ahead of its slow one while the slow workers
// are busy: four addresses each put a slow request in front of a quick one, and another address's
// quick request is answered (503 under the old order: the quick route's share of 4 held full).
TEST(HttpServerQueue, ASourcesSlowRequestDoesNotHoldItsQuickOnesInTheQueue) {
  authority::HttpLimits limits;
  limits.workers = 2;
  limits.slow_workers = 1;
  limits.queue = 16;
  limits.queue_per_route = 4;
  authority::HttpServer server(limits, [](int status, const std::string& reason) { return authority::HttpResponse{status, reason, "text/plain"}; });
  server.route("GET", "/slow", [](const authority::HttpRequest&) {
    timespec ts{};
    const auto cpu_ms = [&] { ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6; };
    for (const double from = cpu_ms(); cpu_ms() - from < 5;) {}  // 5 ms of CPU: a slow route
    std::this_thread::sleep_for(400ms);
    return authority::HttpResponse{200, "slow", "text/plain"};
  });
  server.route("POST", "/quick", [](const authority::HttpRequest&) { return authority::HttpResponse{200, "quick", "text/plain"}; });
  const int port = server.bind("127.0.0.1", 0).value();
  std::thread loop([&] { server.run(); });
  const auto get_slow = [&](const std::string& from) {
    const int fd = dial(from, port);
    if (fd >= 0) send_all(fd, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    return fd;
  };
  const auto post_quick = [&](const std::string& from) {
    const int fd = dial(from, port);
    if (fd >= 0) send_all(fd, post_head("/quick", 2) + "{}");
    return fd;
  };
  {  // the route's CPU time is learnt from a first request
    const int fd = get_slow("127.0.95.1");
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_reply(fd).status, 200);
    ::close(fd);
  }
  std::vector<int> attack{get_slow("127.0.95.1")};  // it runs: the one slow worker is busy
  std::this_thread::sleep_for(50ms);
  for (int i = 2; i <= 5; ++i) {
    attack.push_back(get_slow(fmt::format("127.0.95.{}", i)));  // waits for the slow worker
    std::this_thread::sleep_for(20ms);                          // so it is at the front
    attack.push_back(post_quick(fmt::format("127.0.95.{}", i)));
  }
  std::this_thread::sleep_for(100ms);
  const int honest = post_quick("127.0.95.100");
  ASSERT_GE(honest, 0);
  const auto r = read_reply(honest);
  ::close(honest);
  std::map<int, int> attacked;
  for (int fd : attack)
    if (fd >= 0) ++attacked[read_reply(fd).status], ::close(fd);
  server.stop();
  loop.join();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(attacked[200], 9);  // nothing needed pushing out
}

// A server with one worker, a queue of 16 and 4 per route, whose GET /hold takes 400 ms: the
// tests add their routes, start() sends one /hold so the worker is busy, and every request after
// waits in the queue; finish() reads the hold's reply and stops the server.
struct HeldServer {
  authority::HttpServer server{[] {
                                 authority::HttpLimits limits;
                                 limits.workers = 1;
                                 limits.queue = 16;
                                 limits.queue_per_route = 4;
                                 return limits;
                               }(),
                               [](int status, const std::string& reason) { return authority::HttpResponse{status, reason, "text/plain"}; }};
  int port = -1;
  int hold = -1;
  std::thread loop;
  HeldServer() {
    server.route("GET", "/hold", [](const authority::HttpRequest&) {
      std::this_thread::sleep_for(400ms);
      return authority::HttpResponse{200, "held", "text/plain"};
    });
  }
  void start(const std::string& from) {
    port = server.bind("127.0.0.1", 0).value();
    loop = std::thread([this] { server.run(); });
    hold = dial(from, port);
    if (hold >= 0) send_all(hold, "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(50ms);  // the one worker has it
  }
  int post(const std::string& from, const std::string& path, const std::string& body) const {
    const int fd = dial(from, port);
    if (fd >= 0) send_all(fd, post_head(path, body.size()) + body);
    return fd;
  }
  int finish() {
    const int status = hold >= 0 ? read_reply(hold).status : 0;
    if (hold >= 0) ::close(hold);
    hold = -1;
    server.stop();
    loop.join();
    return status;
  }
  ~HeldServer() {  // a test that stopped early (a failed ASSERT)
    if (hold >= 0) ::close(hold);
    if (loop.joinable()) server.stop(), loop.join();
  }
};

// The same re-test: the decrypt route's share, once full, refused the agency though each attacking
// address had seven there and the agency none. Now the source with the most of a full route
// waiting gives up its newest to a source with at least two fewer there: one address's four quick
// requests wait behind a long one and fill the route's share, and another address's request of
// that route is answered while the first address's newest gets 503 (the newcomer got it before).
TEST(HttpServerQueue, AFullRoutesBusiestSourceGivesWayToASourceWithFewerThere) {
  HeldServer held;
  held.server.route("POST", "/quick", [](const authority::HttpRequest&) { return authority::HttpResponse{200, "quick", "text/plain"}; });
  held.start("127.0.94.1");
  std::vector<int> flood;
  for (int i = 0; i < 4; ++i) {
    flood.push_back(held.post("127.0.94.2", "/quick", "{}"));
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(50ms);
  const int honest = held.post("127.0.94.100", "/quick", "{}");
  ASSERT_GE(honest, 0);
  const auto r = read_reply(honest);
  ::close(honest);
  std::vector<int> flooded;
  for (int fd : flood) flooded.push_back(fd >= 0 ? read_reply(fd).status : 0), ::close(fd);
  EXPECT_EQ(held.finish(), 200);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(flooded, (std::vector<int>{200, 200, 200, 503}));  // the newest gave way
}

// The third outside test on 1137ca7: 72 addresses with one junk decrypt each kept the decrypt
// route's share full (none had two more than the agency, so none was pushed out) and the agency
// got 503. A request its route's priority test passes (at the trustee: a proven agency's) goes in
// the priority lane, outside the share and the caps, and is taken first: four addresses' one
// request each fill the share behind a long one, and the priority request is answered before them
// (503 without the lane).
TEST(HttpServerQueue, APriorityRequestPassesAFullRouteAndGoesFirst) {
  HeldServer held;
  std::mutex mu;
  std::vector<std::string> order;
  const std::string proven = "{\"proven\":1}";
  held.server.route(
      "POST", "/decrypt",
      [&](const authority::HttpRequest& req) {
        std::lock_guard lock(mu);
        order.push_back(req.body);
        return authority::HttpResponse{200, "done", "text/plain"};
      },
      [&](const authority::HttpRequest& req) { return req.body == proven; });
  held.start("127.0.93.1");
  std::vector<int> junk;
  for (int i = 2; i <= 5; ++i) junk.push_back(held.post(fmt::format("127.0.93.{}", i), "/decrypt", "{}"));
  std::this_thread::sleep_for(50ms);
  const int agency = held.post("127.0.93.100", "/decrypt", proven);
  ASSERT_GE(agency, 0);
  const auto r = read_reply(agency);
  ::close(agency);
  std::map<int, int> junked;
  for (int fd : junk)
    if (fd >= 0) ++junked[read_reply(fd).status], ::close(fd);
  EXPECT_EQ(held.finish(), 200);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(junked[200], 4);  // nothing pushed out for it
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order.front(), proven);  // taken first
}

// The connection cap's eviction, in process: a server of 8 connections, one route that answers
// at once. The agency's request is half sent (head and 16 KiB of a 32 KiB body) when new
// connections arrive and each must evict one; it must finish with its reply, not a reset.
struct CappedServer {
  // protected_rate 0: no request is protected by its pace, so only the order of kinds decides.
  explicit CappedServer(std::size_t protected_rate = authority::HttpLimits{}.protected_request_rate)
      : server{[&] {
                 authority::HttpLimits limits;
                 limits.max_connections = 8;
                 limits.protected_request_rate = protected_rate;
                 return limits;
               }(),
               [](int status, const std::string& reason) { return authority::HttpResponse{status, reason, "text/plain"}; }} {
    server.route("POST", "/echo", [](const authority::HttpRequest& req) {
      return authority::HttpResponse{200, std::to_string(req.body.size()), "text/plain"};
    });
    port = server.bind("127.0.0.1", 0).value();
    loop = std::thread([this] { server.run(); });
  }
  authority::HttpServer server;
  int port = -1;
  std::thread loop;
  const std::string body = std::string(32 * 1024, 'x');
  int half_sent(const std::string& from) const {  // the agency's request, its body half there
    const int fd = dial(from, port);
    if (fd >= 0) send_all(fd, post_head("/echo", body.size()) + body.substr(0, body.size() / 2));
    return fd;
  }
  RawReply rest_of(int fd) const {  // the other half, then the reply (status 0: reset)
    if (fd < 0 || !send_all(fd, body.substr(body.size() / 2))) return {};
    return read_reply(fd);
  }
  void churn(const std::string& subnet, int n) const {  // new connections held open, each evicting one
    std::vector<int> held;
    for (int i = 1; i <= n; ++i) {
      held.push_back(dial(fmt::format("{}.{}", subnet, i), port));
      std::this_thread::sleep_for(10ms);  // accepted on the loop's next turn
    }
    for (int fd : held)
      if (fd >= 0) ::close(fd);
  }
  ~CappedServer() {
    server.stop();
    loop.join();
  }
};

// The seventh outside test's F2: ~230 keep-alive connections per trustee, each just answered,
// plus a connect churn reset the agency's request mid-body, because a just-answered connection
// ranked with the just-accepted ones, after any request being read. Now a kept-alive idle
// connection goes first (here with no request protected by its pace: the next test's rule).
TEST(HttpServerConnections, AKeptAliveConnectionIsEvictedBeforeARequestMidBody) {
  CappedServer capped(0);
  const int agency = capped.half_sent("127.0.97.100");
  ASSERT_GE(agency, 0);
  std::vector<int> kept;
  for (int i = 1; i <= 7; ++i) {  // seven addresses, one keep-alive connection each, just answered
    const int fd = dial(fmt::format("127.0.97.{}", i), capped.port);
    ASSERT_GE(fd, 0);
    send_all(fd, post_head("/echo", 2) + "{}");
    EXPECT_EQ(read_reply(fd).status, 200);
    kept.push_back(fd);
  }
  capped.churn("127.0.98", 4);
  const auto r = capped.rest_of(agency);
  ::close(agency);
  int evicted = 0;
  for (int fd : kept) evicted += closed_by_server(fd, 100ms), ::close(fd);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, std::to_string(capped.body.size()));
  EXPECT_EQ(evicted, 4);  // one kept-alive connection for each new one
}

// The same cap against slow requests: seven addresses each send one byte of a head and wait, so
// every connection is mid-request and the agency's, the oldest, came first by age. Its request
// keeps the protected pace (16 KiB/s), theirs does not: the churn evicts theirs.
TEST(HttpServerConnections, ARequestArrivingAtPaceIsNotEvictedForSlowerOnes) {
  CappedServer capped;
  const int agency = capped.half_sent("127.0.99.100");
  ASSERT_GE(agency, 0);
  std::this_thread::sleep_for(20ms);
  std::vector<int> slow;
  for (int i = 1; i <= 7; ++i) {
    const int fd = dial(fmt::format("127.0.99.{}", i), capped.port);
    ASSERT_GE(fd, 0);
    send_all(fd, "P");
    slow.push_back(fd);
  }
  std::this_thread::sleep_for(60ms);  // their pace: 1 byte in 60 ms
  capped.churn("127.0.100", 3);
  const auto r = capped.rest_of(agency);
  ::close(agency);
  int evicted = 0;
  for (int fd : slow) evicted += closed_by_server(fd, 100ms), ::close(fd);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(evicted, 3);
}

// The eighth outside test held all 256 places of each trustee with requests streamed at 17 KiB/s
// (8 addresses x 32 connections): every one protected, so every newcomer got 503. A source's
// protection is capped (2 requests), and so is everyone's (half the table).
int full_request_through(const CappedServer& capped, const std::string& from) {
  const int fd = dial(from, capped.port);
  if (fd < 0) return -1;
  send_all(fd, post_head("/echo", 2) + "{}");
  const int status = read_reply(fd).status;
  ::close(fd);
  return status;
}

TEST(HttpServerConnections, OneSourcesRequestsAtPaceCannotHoldTheTable) {
  CappedServer capped;
  std::vector<int> streaming;
  for (int i = 0; i < 8; ++i) streaming.push_back(capped.half_sent("127.0.102.1"));  // the whole table, at pace
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(full_request_through(capped, "127.0.102.100"), 200);  // 503 when all eight were protected
  for (int fd : streaming) ::close(fd);
}

TEST(HttpServerConnections, RequestsAtPaceHoldAtMostHalfTheTable) {
  CappedServer capped;
  std::vector<int> streaming;
  for (int i = 1; i <= 8; ++i) streaming.push_back(capped.half_sent(fmt::format("127.0.103.{}", i)));  // one each, at pace
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(full_request_through(capped, "127.0.103.100"), 200);
  int evicted = 0;
  for (int fd : streaming) evicted += closed_by_server(fd, 50ms), ::close(fd);
  EXPECT_EQ(evicted, 1);
}

// The eighth outside test's D: whoever copies a proven agency's key from the wire can put requests
// in the priority lane. One address has at most two there: its third goes to the queue like any
// request (here the route's share is full: 503), while another address's still gets the lane.
TEST(HttpServerQueue, OneAddressHasAtMostTwoRequestsInThePriorityLane) {
  HeldServer held;
  const std::string proven = "{\"proven\":1}";
  held.server.route(
      "POST", "/decrypt", [&](const authority::HttpRequest&) { return authority::HttpResponse{200, "done", "text/plain"}; },
      [&](const authority::HttpRequest& req) { return req.body == proven; });
  held.start("127.0.95.1");
  std::vector<int> junk;
  for (int i = 2; i <= 5; ++i) junk.push_back(held.post(fmt::format("127.0.95.{}", i), "/decrypt", "{}"));  // the route's share
  std::this_thread::sleep_for(50ms);
  std::vector<int> copier;
  for (int i = 0; i < 3; ++i) {
    copier.push_back(held.post("127.0.95.50", "/decrypt", proven));
    std::this_thread::sleep_for(20ms);  // in this order
  }
  const int agency = held.post("127.0.95.100", "/decrypt", proven);
  ASSERT_GE(agency, 0);
  std::vector<int> copied;
  for (int fd : copier) copied.push_back(fd >= 0 ? read_reply(fd).status : -1), ::close(fd);
  const auto r = read_reply(agency);
  ::close(agency);
  for (int fd : junk)
    if (fd >= 0) (void)read_reply(fd), ::close(fd);
  EXPECT_EQ(held.finish(), 200);
  EXPECT_EQ(copied, (std::vector<int>{200, 200, 503}));
  EXPECT_EQ(r.status, 200) << r.body;
}

// The seventh outside test's F7: a NUL in a header value was accepted; a control character in a
// header line is refused (RFC 9110 5.5). And the 401 status line has its reason phrase.
TEST_F(TrusteeHttpUnderAttack, AControlCharacterInAHeaderLineIsRefused) {
  using namespace std::string_literals;
  for (const auto& bad : {"X-A: a\0b"s, "X-A: a\x01b"s, "X\x7f: b"s}) {
    const int fd = dial("127.0.0.1", port);
    ASSERT_GE(fd, 0);
    send_all(fd, "GET /v1/info HTTP/1.1\r\nHost: x\r\n" + bad + "\r\n\r\n");
    EXPECT_EQ(read_reply(fd).status, 400);
    ::close(fd);
  }
  const int fd = dial("127.0.0.1", port);
  ASSERT_GE(fd, 0);
  send_all(fd, "GET /v1/info HTTP/1.1\r\nHost: x\r\nX-A: a\tb\r\n\r\n");  // a tab is allowed
  EXPECT_EQ(read_reply(fd).status, 200);
  ::close(fd);
}

// SPEC §11.5 (the fifth outside test's item 4): a query parameter named twice is refused, not
// read as its first value.
TEST_F(TrusteeHttpUnderAttack, AQueryParameterNamedTwiceIsRefused) {
  for (const std::string path : {"/v1/log/entries?start=0&start=-1", "/v1/log/entries?start=0&count=1&count=1",
                                 "/v1/log/consistency?from=0&to=0&from=0", "/v1/info?x=1&x=2"}) {
    const auto r = http_get(t.url, path).value();
    EXPECT_EQ(r.status, 400) << path << ": " << r.body.dump();
  }
  EXPECT_EQ(http_get(t.url, "/v1/log/entries?start=0&count=1").value().status, 200);
}

}  // namespace
}  // namespace doormat
