// A hostile trustee: an HTTP server on loopback that answers every path with JSON of the wrong
// shape. The investigator, the auditor, enrolment and the ceremony coordinator read trustees'
// replies; each must turn such a reply into an error for that trustee, never an exception (which
// ended the whole investigation, or spun the auditor forever on an entries page it could not read).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "audit.hpp"
#include "directory.hpp"
#include "enroll.hpp"
#include "escrow/envelope.hpp"
#include "escrow/wire.hpp"
#include "investigate.hpp"
#include "live_trustee.hpp"
#include "mailbox.hpp"
#include "trustee_log.hpp"

namespace doormat {
namespace {
using nlohmann::json;

class HostileTrustee {
 public:
  HostileTrustee() {
    auto answer = [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      const bool head = req.path == "/v1/log/head" && !head_.empty();
      res.status = head ? 200 : status_;
      res.set_content(head ? head_ : body_, "application/json");
    };
    server_.Get(".*", answer);
    server_.Post(".*", answer);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HostileTrustee() {
    server_.stop();
    thread_.join();
  }
  void answer_with(int status, std::string body) {
    std::lock_guard lock(mu_);
    status_ = status;
    body_ = std::move(body);
    head_.clear();
  }
  /// A validly signed head for GET /v1/log/head, so the auditor goes on to the entries and the proof.
  void sign_heads_with(const escrow::Secret<64>& key) {
    escrow::translog::TreeHead h{5, {}, now(), {}};
    escrow::translog::sign(h, key);
    std::lock_guard lock(mu_);
    head_ = json{{"tree_head", escrow::wire::to_hex(h.encode())}}.dump();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int status_ = 200;
  std::string body_ = "{}";
  std::string head_;
};

// Every JSON type where each reader expects another, for every field a reader looks at.
const std::vector<std::string> kHostileBodies = {
    "null", "[]", "5", "\"text\"", "{}",
    R"({"error": 5, "reason": [1], "sealed_response": 7})",
    R"({"trustee": "1", "ed25519": 5, "x25519": {}})",
    R"({"trustee": 300, "ed25519": "00", "x25519": "00"})",
    R"({"tree_head": 7})",
    R"({"tree_head": "zz"})",
    R"({"entries": [1, 2]})",
    R"({"entries": {"a": 1}})",
    R"({"entries": ["zz"]})",
    R"({"proof": [5]})",
    R"({"proof": "abc"})",
    R"({"messages": [1]})",
    R"({"messages": [{"to": "x"}]})",
    R"({"messages": {"to": 1}})",
    R"({"public_key": 1, "epoch": "one", "disqualified": {"x": 1}})",
    R"({"public_key": "00", "epoch": 1, "disqualified": {"two": "why"}})",
};

// In a fresh directory d: an authority of one trustee at `url` (whose log heads `head_key` signs),
// a court, an agency, a warrant on bob and one session to bob in the provider's mailbox; returns
// the investigation of it.
authority::InvestigationOptions one_session_investigation(const std::string& d, const std::string& url, escrow::Secret<64>& head_key) {
  sh({"ceremony", "dealer", "-k", "1", "-n", "1", "--out", "auth"}, d);
  sh({"court", "init", "--dir", "court"}, d);
  sh({"court", "appoint", "--dir", "court", "--judge", "jane"}, d);
  sh({"agency", "new", "--name", "agency", "--out", "agency"}, d);
  const uint64_t t = now();
  sh({"court", "issue", "--dir", "court", "--judge", "jane", "--case", "H-1", "--target", "bob", "--from", std::to_string(t - 3600),
      "--to", std::to_string(t), "--max-sessions", "5", "--agency", "agency.pub", "--out", "warrant.bin"},
     d);
  {
    const auto pk = escrow::tdh2::PublicKey::decode(files::read(d + "/auth/authority.pub").value()).value();
    escrow::SystemRng rng;
    std::array<uint8_t, 32> bob_pk{};
    escrow::Secret<32> bob_sk;
    crypto_box_keypair(bob_pk.data(), bob_sk.expose().data());
    const auto label = escrow::SessionLabel::make("alice", "bob", t - 60, rng).value();
    const std::vector<uint8_t> msg = {'h', 'i'};
    auto box = mailbox::Mailbox::open(d + "/provider.db").value();
    EXPECT_TRUE(box.deliver(escrow::envelope::seal(pk, label, bob_pk, msg, rng).value()).has_value());
  }
  authority::TrusteeEntry entry{1, url, {}, {}};
  crypto_sign_keypair(entry.sign_key.data(), head_key.expose().data());
  EXPECT_TRUE(authority::save_directory(d + "/trustees.json", {entry}).has_value());
  return {d + "/warrant.bin", d + "/agency.key", d + "/auth/authority.pub", d + "/provider.db", d + "/trustees.json", false, 5};
}

std::filesystem::path fresh_directory(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("doormat-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(HostileTrustee, ItsRepliesAreErrorsForItNeverExceptions) {
  HostileTrustee hostile;
  const auto dir = fresh_directory("hostile");
  const std::string d = dir.string();
  escrow::Secret<64> head_key;
  const auto investigation = one_session_investigation(d, hostile.url(), head_key);

  for (const int status : {200, 400}) {
    for (const auto& body : kHostileBodies) {
      SCOPED_TRACE(std::to_string(status) + " " + body);
      hostile.answer_with(status, body);  // also forgets the signed head
      EXPECT_FALSE(authority::enroll(hostile.url()).has_value());
      EXPECT_FALSE(authority::log_extends(hostile.url(), 1, escrow::translog::Hash{}, escrow::translog::TreeHead{5, {}, 0, {}}));

      // The auditor, with a recorded head for this trustee so it also asks for a consistency proof.
      ASSERT_TRUE(files::write_text(d + "/audit-state.json", R"({"1": {"size": 1, "root": ")" + std::string(64, '0') + "\"}}").has_value());
      for (const bool signed_head : {false, true}) {  // a signed head takes it on to the proof and the entries
        if (signed_head) hostile.sign_heads_with(head_key);
        auto audited = authority::audit({d + "/trustees.json", d + "/audit-state.json"});
        ASSERT_TRUE(audited.has_value());
        EXPECT_FALSE(audited->trustees.at(0).ok());
        EXPECT_EQ(audited->trustees.at(0).head_signed, signed_head);
      }

      auto inv = authority::investigate(investigation, now());
      ASSERT_TRUE(inv.has_value()) << inv.error().message();
      ASSERT_EQ(inv->trustees.size(), 1u);
      EXPECT_FALSE(inv->trustees[0].answered);
      EXPECT_FALSE(inv->trustees[0].error.empty());
      EXPECT_EQ(inv->decrypted(), 0u);

      // The coordinator is a command: it must exit with its error, not die of an exception.
      if (!fs::exists(d + "/operator.key")) sh({"operator", "new", "--out", "operator"}, d);
      auto r = process::run({kBin, "ceremony", "dkg", "--trustees", d + "/trustees.json", "-k", "1", "--operator", d + "/operator.key", "--out",
                             d + "/new.pub"});
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(r->status, 1) << r->err;
    }
  }
  fs::remove_all(dir);
}

// The second re-test of the seventh outside test: a trustee at its connection cap reset the
// agency's connection after its body, and `investigate` gave that trustee up at once. A reset is
// tried again like a busy 503: here a "trustee" that resets every connection is dialled five times
// (once, before).
// A "trustee" on loopback that reads some of each request, not all, and resets the connection;
// or (`hang_up`) closes its side at once, reads nothing and then closes, as a trustee at its
// connection cap does to a newcomer: the client, still sending, is then answered with a reset.
struct ResettingTrustee {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  std::atomic<int> accepted{0};
  std::thread resetter;
  explicit ResettingTrustee(bool hang_up = false) {
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 16) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      return;
    resetter = std::thread([this, hang_up] {
      for (;;) {
        const int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0) return;  // the listener was shut down
        ++accepted;
        if (hang_up) {  // as HttpServer's refuse_new(): one try at a 503, then closed
          static constexpr std::string_view kFull = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
          [[maybe_unused]] const auto n = ::send(fd, kFull.data(), kFull.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
          ::close(fd);
          continue;
        }
        char buf[256];
        [[maybe_unused]] const auto n = ::recv(fd, buf, sizeof buf, 0);  // some of the request, not all
        const linger reset{1, 0};  // close with RST
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::close(fd);
      }
    });
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)); }
  ~ResettingTrustee() {
    ::shutdown(listener, SHUT_RDWR);
    ::close(listener);
    if (resetter.joinable()) resetter.join();
  }
};

// The eighth outside test: a trustee that closed the connection while the agency was still sending
// its body killed `investigate` with SIGPIPE (exit 141, no output; Debian's compiled cpp-httplib
// sends without MSG_NOSIGNAL). Now the client blocks SIGPIPE for the call: the send fails and the
// call is a transport failure. Under the old client this test's own process died here (141).
TEST(HostileTrustee, AConnectionClosedMidBodyIsAFailedCallNotASignal) {
  ResettingTrustee trustee(true);
  ASSERT_TRUE(trustee.resetter.joinable());
  const nlohmann::json body = {{"request", std::string(1u << 20, 'a')}};  // more than the socket buffers hold
  constexpr int kCalls = 20;  // whether the close comes before the body is a race: many tries
  for (int i = 0; i < kCalls; ++i) {
    auto reply = http_post(trustee.url(), "/v1/decrypt", body, 5);
    EXPECT_TRUE(!reply.has_value() || reply->status == 503);
  }
  EXPECT_EQ(trustee.accepted.load(), kCalls);
}

TEST(HostileTrustee, AResetConnectionIsTriedAgain) {
  ResettingTrustee trustee;
  ASSERT_TRUE(trustee.resetter.joinable());
  const auto dir = fresh_directory("reset");
  escrow::Secret<64> head_key;
  const auto investigation = one_session_investigation(dir.string(), trustee.url(), head_key);
  auto inv = authority::investigate(investigation, now());
  ASSERT_TRUE(inv.has_value()) << inv.error().message();
  ASSERT_EQ(inv->trustees.size(), 1u);
  EXPECT_FALSE(inv->trustees[0].answered);
  EXPECT_NE(inv->trustees[0].error.find("unreachable"), std::string::npos) << inv->trustees[0].error;
  EXPECT_EQ(trustee.accepted.load(), 5);  // the first try and four more
  fs::remove_all(dir);
}

}  // namespace
}  // namespace doormat
