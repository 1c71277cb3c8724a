// The trustee's whole decision for a batch (SPEC §11.2), through the real code path: request
// signature, freshness, warrant chain and CRL, per-field validity, scope, budget, partial
// decryption, and the group commit of the log to SQLite with fsync. Threads 1 versus all cores.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <ctime>
#include <filesystem>

#include "escrow/envelope.hpp"
#include "escrow/request.hpp"
#include "escrow/warrant.hpp"
#include "files.hpp"
#include "identity.hpp"
#include "trustee.hpp"

namespace {
using namespace escrow;
namespace fs = std::filesystem;

struct World {
  std::string dir = (fs::temp_directory_path() / ("doormat-bm-trustee-" + std::to_string(::getpid()))).string();
  std::optional<doormat::identity::Identity> agency;
  std::vector<uint8_t> warrant;
  std::vector<std::vector<uint8_t>> fields;

  explicit World(std::size_t batch) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    SystemRng rng;
    auto root = pki::create_root("Bench Root", 10).value();
    auto judge = pki::appoint_judge(root, "Bench Judge", 10).value();
    (void)doormat::files::write_text(dir + "/root.pem", root.certificate_pem);
    (void)doormat::files::write_text(dir + "/crl.pem", pki::issue_crl(root, {}, 24).value());
    auto dealt = tdh2::deal(3, 5, rng).value();
    (void)doormat::files::write(dir + "/authority.pub", dealt.public_key.encode());
    (void)doormat::files::write(dir + "/share.bin", dealt.shares[0].encode(), true);
    (void)doormat::authority::init_trustee({dir + "/t.db", dir + "/share.bin", dir + "/authority.pub", 0, dir + "/root.pem",
                                            dir + "/crl.pem", "bench passphrase", 1, 300, 0, 0,
                                            doormat::authority::RefusalTally::kDefaultBudget, ""});
    agency.emplace(doormat::identity::generate("agency").value());
    warrant::SignedWarrant sw;
    sw.warrant.case_reference = "BENCH";
    sw.warrant.court = "Bench Court";
    sw.warrant.targets = {"bob"};
    sw.warrant.window_start = 0;
    sw.warrant.window_end = UINT64_MAX;
    sw.warrant.max_sessions = 1'000'000;
    sw.warrant.not_after = static_cast<uint64_t>(std::time(nullptr)) + 86400;
    sw.warrant.agency_box_key = agency->pub.box_key;
    sw.warrant.agency_sign_key = agency->pub.sign_key;
    (void)warrant::add_signature(sw, judge);
    warrant = sw.encode();
    envelope::X25519PublicKey bob{};
    Secret<32> bob_sk;
    crypto_box_keypair(bob.data(), bob_sk.expose().data());
    const std::vector<uint8_t> msg(64, 'x');
    for (std::size_t i = 0; i < batch; ++i) {
      auto label = SessionLabel::make("alice", "bob", 1000 + i, rng).value();
      fields.push_back(envelope::seal(dealt.public_key, label, bob, msg, rng).value().escrow.encode());
    }
  }
  ~World() { fs::remove_all(dir); }

  std::vector<uint8_t> request() const {
    request::DecryptRequest r;
    r.signed_warrant = warrant;
    randombytes_buf(r.nonce.data(), r.nonce.size());
    r.time = static_cast<uint64_t>(std::time(nullptr));
    r.fields = fields;
    request::sign(r, agency->sign_secret);
    return r.encode();
  }
};

void BM_trustee_batch(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  const std::size_t batch = 64;
  World world(batch);
  auto trustee = doormat::authority::Trustee::open(world.dir + "/t.db", "bench passphrase", threads);
  if (!trustee) return state.SkipWithError("trustee did not open");
  for (auto _ : state) {
    state.PauseTiming();
    const auto bytes = world.request();
    state.ResumeTiming();
    const auto reply = (*trustee)->decrypt(bytes, static_cast<uint64_t>(std::time(nullptr)));
    if (reply.status != 200) state.SkipWithError("the trustee refused the batch");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  state.counters["threads"] = static_cast<double>(threads);
}
BENCHMARK(BM_trustee_batch)->Name("trustee/decrypt_batch_64")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
