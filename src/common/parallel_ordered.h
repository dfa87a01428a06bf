// Runs work(i) for i in [0, n) on `threads` workers and hands each result to consume(i, result)
// on the calling thread in index order, holding at most a window of finished results in memory.
// Used by the batch jobs so that output order never depends on scheduling. `work` must not throw
// (report failures in Result); an exception from `consume` stops the workers and is rethrown.
#pragma once
#include <algorithm>
#include <atomic>
#include <exception>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace drumrnn {

inline int default_thread_count() { return std::max(1u, std::thread::hardware_concurrency()); }

template <typename Result, typename Work, typename Consume>
void parallel_ordered(size_t n, int threads, Work work, Consume consume) {
  const size_t window = std::max<size_t>(64, size_t(threads) * 8);
  std::vector<std::optional<Result>> slots(n);
  std::atomic<size_t> next{0};
  size_t consumed = 0;  // guarded by mu
  std::mutex mu;
  std::condition_variable ready, room;

  auto worker = [&] {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= n) return;
      {
        // Back-pressure: do not run more than `window` items ahead of the consumer.
        std::unique_lock lock(mu);
        room.wait(lock, [&] { return i < consumed + window; });
      }
      Result r = work(i);
      {
        std::lock_guard lock(mu);
        slots[i].emplace(std::move(r));
      }
      ready.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  std::exception_ptr failure;
  for (size_t i = 0; i < n && !failure; ++i) {
    std::optional<Result> r;
    {
      std::unique_lock lock(mu);
      ready.wait(lock, [&] { return slots[i].has_value(); });
      r.swap(slots[i]);
      consumed = i + 1;
    }
    room.notify_all();
    try {
      consume(i, std::move(*r));
    } catch (...) {
      failure = std::current_exception();
    }
  }
  if (failure) {
    next.store(n);
    std::lock_guard lock(mu);
    consumed = n;
  }
  room.notify_all();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace drumrnn
