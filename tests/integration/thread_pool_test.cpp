#include "thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace doormat {
namespace {

TEST(ThreadPool, RunsEveryIndexExactlyOnceWithAnyNumberOfThreads) {
  for (std::size_t threads : {1u, 2u, 3u, 8u}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (std::size_t n : {0u, 1u, 7u, 64u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      pool.parallel_for(n, [&](std::size_t i) { hits[i]++; });
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " threads, n = " << n << ", i = " << i;
    }
  }
}

TEST(ThreadPool, BackToBackBatchesDoNotMix) {
  ThreadPool pool(4);
  for (int round = 0; round < 200; ++round) {
    std::atomic<long> sum{0};
    pool.parallel_for(100, [&](std::size_t i) { sum += static_cast<long>(i) + round; });
    ASSERT_EQ(sum.load(), 4950 + 100L * round);
  }
}

}  // namespace
}  // namespace doormat
