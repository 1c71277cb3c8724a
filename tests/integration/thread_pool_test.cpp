#include "thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
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

// The fourth outside test's F1: a batch that finds the pool busy runs on its caller at once, not
// after the running batch (here one that waits until the second batch has finished: without the
// fallback the second waits for it, and the first never ends, so the wait below times out).
TEST(ThreadPool, ABatchStartedDuringAnotherRunsOnItsCallerWithoutWaiting) {
  ThreadPool pool(2);
  std::promise<void> second_done;
  auto second_finished = second_done.get_future().share();
  std::atomic<bool> first_running{false};
  std::thread first([&] {
    pool.parallel_for(2, [&](std::size_t) {
      first_running = true;
      second_finished.wait_for(std::chrono::seconds(10));
    });
  });
  while (!first_running) std::this_thread::yield();
  auto second = std::async(std::launch::async, [&] {
    int hits = 0;
    pool.parallel_for(3, [&](std::size_t) { ++hits; });  // on this thread alone: no data race on hits
    second_done.set_value();
    return hits;
  });
  ASSERT_EQ(second.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "the second batch waited for the first";
  EXPECT_EQ(second.get(), 3);
  first.join();
}

}  // namespace
}  // namespace doormat
