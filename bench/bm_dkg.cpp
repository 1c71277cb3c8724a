// DKG and refresh cost (SPEC §12): per-party CPU time, and bytes each party sends, for
// n = 3, 5, 9, 15 with k = floor(n/2) + 1. The trusted dealer, for comparison, in the same binary.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <chrono>

#include "escrow/dkg.hpp"

namespace {
using namespace escrow;

std::size_t threshold(std::size_t n) { return n / 2 + 1; }

// Bytes one party puts on the wire in an honest run: its broadcasts once to the bulletin board,
// plus each private share sealed to its recipient (a sealed box adds 48 bytes).
std::size_t bytes_sent(dkg::Protocol protocol, std::size_t k, std::size_t n, Rng& rng) {
  dkg::Party p(protocol, *PartyIndex::make(1), k, n, rng);
  std::size_t total = dkg::encode(p.deal()).size();
  for (const auto& s : p.shares()) total += dkg::encode(s).size() + crypto_box_SEALBYTES;
  if (protocol == dkg::Protocol::gjkr) total += dkg::encode(dkg::Extraction{p.index(), p.deal().commitments}).size();
  return total;
}

void run(benchmark::State& state, dkg::Protocol protocol) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto k = threshold(n);
  SystemRng rng;
  std::vector<std::pair<tdh2::PublicKey, tdh2::KeyShare>> previous;
  if (protocol == dkg::Protocol::refresh) {
    auto base = dkg::run_honest(dkg::Protocol::gjkr, k, n, rng);
    if (!base) return state.SkipWithError("base DKG failed");
    for (auto& o : *base) previous.emplace_back(o.public_key, o.share.clone());
  }
  double total_ms = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto out = dkg::run_honest(protocol, k, n, rng, previous);
    total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!out) state.SkipWithError("protocol failed");
    benchmark::DoNotOptimize(out);
  }
  // run_honest plays all n parties, one after another, in this thread: a party's share is 1/n.
  state.counters["per_party_ms"] = total_ms / static_cast<double>(state.iterations()) / static_cast<double>(n);
  state.counters["bytes_per_party"] = static_cast<double>(bytes_sent(protocol, k, n, rng));
  state.counters["bytes_total"] = static_cast<double>(n * bytes_sent(protocol, k, n, rng));
}

void BM_dkg_joint_feldman(benchmark::State& s) { run(s, dkg::Protocol::joint_feldman); }
void BM_dkg_gjkr(benchmark::State& s) { run(s, dkg::Protocol::gjkr); }
void BM_refresh(benchmark::State& s) { run(s, dkg::Protocol::refresh); }
BENCHMARK(BM_dkg_joint_feldman)->Name("dkg/joint_feldman")->Arg(3)->Arg(5)->Arg(9)->Arg(15)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_dkg_gjkr)->Name("dkg/gjkr")->Arg(3)->Arg(5)->Arg(9)->Arg(15)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_refresh)->Name("refresh")->Arg(3)->Arg(5)->Arg(9)->Arg(15)->Unit(benchmark::kMillisecond);

void BM_dealer(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SystemRng rng;
  for (auto _ : state) {
    auto d = tdh2::deal(threshold(n), n, rng);
    if (!d) state.SkipWithError("deal failed");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_dealer)->Name("dealer")->Arg(3)->Arg(5)->Arg(9)->Arg(15)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
