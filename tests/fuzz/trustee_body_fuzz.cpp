// The trustee's HTTP bodies and query parameters, fed to a real Trustee: its SQLite database, its
// sealed share, its court root and CRL, all made once at start-up in a temporary directory. The
// first input byte picks the endpoint, the rest is the body:
//   0  POST /v1/decrypt   — every body is refused (nobody here can sign for an agency), and each
//                            refusal is unauthenticated: counted, never a log entry of its own
//                            (the clock stands still here, so no interval closes).
//   1  POST /v1/ceremony  — the body as it came (refused: the operator did not sign it), and the
//                            same body signed with the operator's key, after an operator-signed
//                            refresh `begin` of this harness, so rounds and messages meet a
//                            ceremony in progress.
//   2  GET  /v1/log/...   — consistency, inclusion and entries with arbitrary numbers.
// Every reply must be a JSON object; every refusal must name its error.
#include <fmt/format.h>
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "escrow/pki.hpp"
#include "escrow/rng.hpp"
#include "escrow/tdh2.hpp"
#include "escrow/wire.hpp"
#include "ceremony_call.hpp"
#include "files.hpp"
#include "identity.hpp"
#include "trustee.hpp"

namespace {
using doormat::authority::Reply;
using doormat::authority::Trustee;
using nlohmann::json;
namespace files = doormat::files;

constexpr uint64_t kNow = 1'800'000'000;
constexpr const char* kCeremonyId = "00112233445566778899aabbccddeeff";  // the seeds' round bodies use it

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "trustee_body_fuzz: %s\n", why.c_str());
  std::abort();
}

template <typename T>
T must(escrow::Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message());
  return std::move(*r);
}

void must(escrow::Result<void> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message());
}

struct Fixture {
  Fixture();
  ~Fixture() {
    trustee.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<Trustee> trustee;
  json begin;  // a refresh begin this trustee accepts: its own keys and two others'; its id changes each time
  std::unique_ptr<doormat::identity::Identity> operator_key;
  uint64_t begins = 0;
};

Fixture::Fixture() {
  Fixture& f = *this;
  // tmpfs when there is one: the trustee fsyncs every log append.
  std::string tmpl = (std::filesystem::exists("/dev/shm") ? std::string("/dev/shm") : std::filesystem::temp_directory_path().string()) +
                     "/doormat-body-fuzz-XXXXXX";
  if (!::mkdtemp(tmpl.data())) die("cannot create a working directory");
  f.dir = tmpl;
  const auto root = must(escrow::pki::create_root("fuzz court", 365), "create_root");
  must(files::write_text(f.dir + "/root.pem", root.certificate_pem), "root.pem");
  must(files::write_text(f.dir + "/crl.pem", must(escrow::pki::issue_crl(root, {}, 24), "issue_crl")), "crl.pem");
  escrow::SystemRng rng;
  const auto dealt = must(escrow::tdh2::deal(2, 3, rng), "deal");
  must(files::write(f.dir + "/authority.pub", dealt.public_key.encode()), "authority.pub");
  must(files::write(f.dir + "/share.bin", dealt.shares[0].encode(), /*secret=*/true), "share.bin");
  doormat::authority::TrusteeSetup setup;
  setup.db_path = f.dir + "/state.db";
  setup.share_path = f.dir + "/share.bin";
  setup.authority_path = f.dir + "/authority.pub";
  setup.root_path = f.dir + "/root.pem";
  setup.crl_path = f.dir + "/crl.pem";
  setup.passphrase = "fuzz passphrase";
  setup.rate_per_minute = 0;
  setup.field_rate_per_minute = 0;
  setup.refusal_budget = 0;  // the clock stands still here: a budget would turn every later refusal into 429
  f.operator_key = std::make_unique<doormat::identity::Identity>(must(doormat::identity::generate("operator"), "operator"));
  must(doormat::identity::save(*f.operator_key, f.dir + "/operator"), "operator key");
  setup.operator_path = f.dir + "/operator.pub";
  must(doormat::authority::init_trustee(setup), "init_trustee");
  f.trustee = must(Trustee::open(setup.db_path, setup.passphrase, 1), "open");

  const auto info = f.trustee->info().body;
  json roster = json::array({{{"trustee", 1}, {"ed25519", info["ed25519"]}, {"x25519", info["x25519"]}}});
  for (int i = 2; i <= 3; ++i) {
    std::array<uint8_t, 32> sign_pk{}, box_pk{}, box_sk{};
    std::array<uint8_t, 64> sign_sk{};
    crypto_sign_keypair(sign_pk.data(), sign_sk.data());
    crypto_box_keypair(box_pk.data(), box_sk.data());
    roster.push_back({{"trustee", i}, {"ed25519", escrow::wire::to_hex(sign_pk)}, {"x25519", escrow::wire::to_hex(box_pk)}});
  }
  f.begin = json{{"action", "begin"}, {"ceremony", kCeremonyId}, {"protocol", "refresh"}, {"k", 2}, {"roster", roster}, {"trustee", 1}, {"time", kNow}};
}

Fixture& fixture() {
  static Fixture f;
  return f;
}

void check_reply(const Reply& r, const char* endpoint) {
  if (!r.body.is_object()) die(std::string(endpoint) + ": the reply is not a JSON object");
  if (r.status != 200 && !(r.body.contains("error") && r.body["error"].is_string()))
    die(std::string(endpoint) + ": a refusal without an error code");
}

uint64_t u64(const uint8_t*& p, const uint8_t* end) {
  uint64_t v = 0;
  for (int i = 0; i < 8 && p < end; ++i) v = v << 8 | *p++;
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  auto& f = fixture();
  Trustee& t = *f.trustee;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto log_size = [&] { return t.info().body["log_size"].get<uint64_t>(); };
  switch (data[0] % 3) {
    case 0: {
      const uint64_t before = log_size();
      const auto r = t.decrypt_body(body, kNow);
      check_reply(r, "decrypt");
      if (r.status == 200) die("decrypt: answered a request nobody signed");
      if (log_size() != before) die("decrypt: an unauthenticated refusal wrote its own log entry");
      break;
    }
    case 1: {
      // A fresh id each time: a begin is refused while a ceremony runs, and an id is never reused.
      auto begin = f.begin;
      if (f.begins++ > 0) begin["ceremony"] = fmt::format("{:032x}", f.begins);  // the first is the seeds' id
      const auto begun = t.ceremony(doormat::authority::sign_ceremony_call(begin, f.operator_key->sign_secret).dump(), kNow);
      if (begun.status != 200 && begun.status != 409) die("ceremony: the harness's own begin was refused: " + begun.body.dump());
      const uint64_t before = log_size();
      const auto unsigned_reply = t.ceremony(body, kNow);
      check_reply(unsigned_reply, "ceremony");
      if (unsigned_reply.status == 200 || log_size() != before) die("ceremony: a call the operator did not sign was accepted or logged");
      // The same bytes as a call the operator signed, when they are JSON: the authenticated parser.
      const auto call = json::parse(body, nullptr, /*allow_exceptions=*/false);
      if (!call.is_discarded()) check_reply(t.ceremony(doormat::authority::sign_ceremony_call(call, f.operator_key->sign_secret).dump(), kNow), "ceremony");
      break;
    }
    case 2: {
      const uint8_t* p = data + 1;
      const uint8_t* end = data + size;
      const uint64_t a = u64(p, end), b = u64(p, end), size_now = log_size();
      check_reply(t.consistency(a, b), "consistency");
      check_reply(t.inclusion(a, b), "inclusion");
      const auto e = t.entries(a, b);
      check_reply(e, "entries");
      const uint64_t expect = a >= size_now ? 0 : std::min({b, uint64_t{1000}, size_now - a});
      if (e.body["entries"].size() != expect) die("entries: returned entries outside [start, start + count) of the log");
      break;
    }
  }
  return 0;
}
