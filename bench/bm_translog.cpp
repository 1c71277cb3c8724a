// The trustee's log proofs (SPEC §11.3): inclusion and consistency proofs answered from the
// stored subtree hashes of translog::Tree (O(log n)), against the pure functions that rebuild
// them from every leaf (O(n)) — what the trustee did before, under its lock. One binary, so the
// ratio comes from one run:
//   build/bench/bm_translog --benchmark_filter=/1000000
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include "escrow/translog.hpp"

namespace {
using namespace escrow;

struct Log {
  std::vector<translog::Hash> leaves;
  translog::Tree tree;
};

// One log per size, built once: a million entries take a second or two to hash.
const Log& log_of(std::size_t size) {
  static std::map<std::size_t, std::unique_ptr<Log>> logs;
  auto& slot = logs[size];
  if (!slot) {
    slot = std::make_unique<Log>();
    translog::Entry e{1'790'000'000, {}, {}, {}, 0, "issued"};
    for (std::size_t i = 0; i < size; ++i) {
      e.time = 1'790'000'000 + i;  // distinct entries, as a real log's
      const auto leaf = translog::leaf_hash(e.encode());
      slot->leaves.push_back(leaf);
      slot->tree.append(leaf);
    }
  }
  return *slot;
}

// A proof for the log's current size, as GET /v1/inclusion and /v1/consistency ask: an index a
// little past a third of the log, and an old head at about half of it (neither a power of two).
uint64_t index_of(uint64_t size) { return size / 3 + 1; }
uint64_t old_of(uint64_t size) { return size / 2 + 1; }

void BM_inclusion_tree(benchmark::State& state) {
  const auto& log = log_of(static_cast<std::size_t>(state.range(0)));
  const uint64_t n = log.tree.size();
  for (auto _ : state) {
    auto p = log.tree.inclusion_proof(index_of(n), n);
    if (!p) return state.SkipWithError("proof refused");
    benchmark::DoNotOptimize(p->data());
  }
}
BENCHMARK(BM_inclusion_tree)->Name("translog/inclusion_proof/tree")->Arg(1000)->Arg(1000000);

void BM_inclusion_from_leaves(benchmark::State& state) {
  const auto& log = log_of(static_cast<std::size_t>(state.range(0)));
  const uint64_t n = log.leaves.size();
  for (auto _ : state) {
    auto p = translog::inclusion_proof(log.leaves, index_of(n));
    if (!p) return state.SkipWithError("proof refused");
    benchmark::DoNotOptimize(p->data());
  }
}
BENCHMARK(BM_inclusion_from_leaves)->Name("translog/inclusion_proof/from_leaves")->Arg(1000)->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

void BM_consistency_tree(benchmark::State& state) {
  const auto& log = log_of(static_cast<std::size_t>(state.range(0)));
  const uint64_t n = log.tree.size();
  for (auto _ : state) {
    auto p = log.tree.consistency_proof(old_of(n), n);
    if (!p) return state.SkipWithError("proof refused");
    benchmark::DoNotOptimize(p->data());
  }
}
BENCHMARK(BM_consistency_tree)->Name("translog/consistency_proof/tree")->Arg(1000)->Arg(1000000);

void BM_consistency_from_leaves(benchmark::State& state) {
  const auto& log = log_of(static_cast<std::size_t>(state.range(0)));
  const uint64_t n = log.leaves.size();
  for (auto _ : state) {
    auto p = translog::consistency_proof(log.leaves, old_of(n));
    if (!p) return state.SkipWithError("proof refused");
    benchmark::DoNotOptimize(p->data());
  }
}
BENCHMARK(BM_consistency_from_leaves)->Name("translog/consistency_proof/from_leaves")->Arg(1000)->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

// The signed head's root from the stored subtrees (what GET /v1/head computes).
void BM_root_tree(benchmark::State& state) {
  const auto& log = log_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(log.tree.root());
}
BENCHMARK(BM_root_tree)->Name("translog/root/tree")->Arg(1000)->Arg(1000000);

// Appending one leaf and its completed subtrees, then rolling it back (a failed commit).
void BM_append_tree(benchmark::State& state) {
  auto& log = const_cast<Log&>(log_of(static_cast<std::size_t>(state.range(0))));
  const uint64_t n = log.tree.size();
  const auto leaf = translog::leaf_hash({});
  for (auto _ : state) {
    log.tree.append(leaf);
    log.tree.resize(n);
  }
}
BENCHMARK(BM_append_tree)->Name("translog/append_and_rollback/tree")->Arg(1000)->Arg(1000000);

}  // namespace

BENCHMARK_MAIN();
