// End to end (SPEC §11): one warrant covering N sessions, five real trustee processes on
// loopback with their durable logs, the investigator asking them all, in requests of B sessions,
// and opening every session. Timed: the investigation alone (requests, five trustees' checks and
// partials, fsync'd logs, sealed signed responses, combine and AEAD open). Set-up is not timed.
// Counters: sessions per second, and the latency of one request (sent to all five until every
// answer is in and checked) at p50 and p99. end_to_end/quorum_first/...: `investigate
// --quorum-first`, k = 3 trustees asked, the other two only about what those did not open.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <signal.h>
#include <sodium.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>

#include "directory.hpp"
#include "escrow/envelope.hpp"
#include "files.hpp"
#include "identity.hpp"
#include "investigate.hpp"
#include "mailbox.hpp"
#include "process.hpp"

namespace {
namespace fs = std::filesystem;
using namespace doormat;

bool sh(const std::string& bin, std::vector<std::string> args, const std::string& cwd) {
  args.insert(args.begin(), bin);
  return process::run_in(cwd, args);
}

void BM_end_to_end(benchmark::State& state, bool quorum_first) {
  const auto sessions = static_cast<std::size_t>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  const std::string bin = process::self_dir() + "/../escrow_authority/escrow-authority";
  const std::string dir = (fs::temp_directory_path() / ("doormat-e2e-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<pid_t> trustees;
  auto stop_all = [&] {
    for (pid_t p : trustees) process::stop(p, SIGTERM);
    fs::remove_all(dir);
  };
  bool ok = sh(bin, {"court", "init", "--dir", "court"}, dir) && sh(bin, {"court", "appoint", "--dir", "court", "--judge", "jane"}, dir) &&
            sh(bin, {"ceremony", "dealer", "-k", "3", "-n", "5", "--out", "auth"}, dir) &&
            sh(bin, {"agency", "new", "--name", "agency", "--out", "agency"}, dir) &&
            files::write_text(dir + "/pass", "end to end passphrase\n", true).has_value();
  std::vector<std::string> enroll = {"enroll", "--directory", "trustees.json"};
  for (int i = 1; ok && i <= 5; ++i) {
    const std::string t = fmt::format("t{}", i);
    ok = sh(bin, {"trustee", "init", "--db", t + ".db", "--share", "auth/share-" + std::to_string(i) + ".bin", "--authority",
                  "auth/authority.pub", "--root", "court/root.pem", "--crl", "court/crl.pem", "--passphrase-file", "pass"}, dir);
    auto pid = process::spawn({bin, "trustee", "serve", "--db", dir + "/" + t + ".db", "--passphrase-file", dir + "/pass", "--port", "0",
                               "--port-file", dir + "/" + t + ".port"}, dir + "/" + t + ".log");
    if (!pid) ok = false;
    else trustees.push_back(*pid);
    for (int w = 0; w < 200 && !fs::exists(dir + "/" + t + ".port"); ++w) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    auto port = files::read_text(dir + "/" + t + ".port");
    if (!port) ok = false;
    else enroll.insert(enroll.end(), {"--url", "http://127.0.0.1:" + port->substr(0, port->find('\n'))});
  }
  ok = ok && sh(bin, enroll, dir);
  // The provider's mailbox: N sessions from alice to bob, all inside the warrant.
  if (ok) {
    escrow::SystemRng rng;
    auto pk = escrow::tdh2::PublicKey::decode(files::read(dir + "/auth/authority.pub").value()).value();
    auto box = mailbox::Mailbox::open(dir + "/provider.db").value();
    auto bob = identity::generate("bob").value();
    const std::vector<uint8_t> msg(64, 'x');
    std::vector<escrow::envelope::Envelope> envs;
    for (std::size_t i = 0; i < sessions; ++i)
      envs.push_back(escrow::envelope::seal(pk, escrow::SessionLabel::make("alice", "bob", 1000 + i, rng).value(), bob.pub.box_key, msg, rng).value());
    ok = box.deliver_all(envs).has_value();
    ok = ok && sh(bin, {"court", "issue", "--dir", "court", "--judge", "jane", "--case", "E2E", "--target", "bob", "--from", "0", "--to",
                  "100000000", "--max-sessions", std::to_string(sessions * 2), "--agency", "agency.pub", "--out", "warrant.bin"}, dir);
  }
  if (!ok) {
    stop_all();
    return state.SkipWithError("set-up failed");
  }
  authority::InvestigationOptions options{dir + "/warrant.bin", dir + "/agency.key", dir + "/auth/authority.pub",
                                                dir + "/provider.db", dir + "/trustees.json", false, 600, batch};
  options.quorum_first = quorum_first;
  std::size_t decrypted = 0;
  double p50 = 0, p99 = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto inv = authority::investigate(options, static_cast<uint64_t>(std::time(nullptr)));
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    decrypted = inv ? inv->decrypted() : 0;
    if (inv) {
      p50 = inv->batch_percentile(0.50);
      p99 = inv->batch_percentile(0.99);
    }
  }
  stop_all();
  if (decrypted != sessions) return state.SkipWithError("not every session was opened");
  state.counters["sessions_per_second"] = benchmark::Counter(static_cast<double>(sessions) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["batch_p50_ms"] = p50 * 1e3;
  state.counters["batch_p99_ms"] = p99 * 1e3;
}
// {sessions, sessions per request}: the whole warrant in one request, then in requests of 100.
BENCHMARK_CAPTURE(BM_end_to_end, all, false)->Name("end_to_end/warrant_sessions")->Args({10000, 10000})->Args({10000, 100})->Args({1000, 100})
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_end_to_end, quorum_first, true)->Name("end_to_end/quorum_first/warrant_sessions")->Args({10000, 10000})->Args({10000, 100})
    ->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
// Small ones for the smoke test.
BENCHMARK_CAPTURE(BM_end_to_end, all, false)->Name("end_to_end/warrant_sessions")->Args({200, 50})->Iterations(1)->UseManualTime()->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_end_to_end, quorum_first, true)->Name("end_to_end/quorum_first/warrant_sessions")->Args({200, 50})->Iterations(1)
    ->UseManualTime()->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
