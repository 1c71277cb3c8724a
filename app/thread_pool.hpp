#pragma once
// A fixed pool of worker threads for batches: trustees and the investigator spread the fields of
// one request over all cores (a pool, not a thread per field). The caller works too.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace doormat {

class ThreadPool {
 public:
  /// `threads` counts the caller: 1 runs everything on the calling thread.
  explicit ThreadPool(std::size_t threads = std::max(1u, std::thread::hardware_concurrency()));
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Runs fn(0) .. fn(n-1) across the pool and returns when all have finished. One batch at a time
  /// uses the pool: a batch that finds another one running runs on its caller alone rather than
  /// wait for it, so one request of 10,000 fields does not hold up another's single field
  /// (the fourth outside test's F1: a one-field request waited up to 14 s behind such a batch).
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn);
  std::size_t threads() const { return workers_.size() + 1; }

 private:
  void work();
  void drain();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::mutex batch_mu_;  // one parallel_for at a time
  const std::function<void(std::size_t)>* fn_ = nullptr;
  std::size_t n_ = 0;
  std::atomic<std::size_t> next_{0};
  std::size_t busy_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace doormat
