// Runs body(i) for i in [0, n) on `threads` threads (the caller's included), in contiguous blocks.
// For the style path's per-frame FFT work, where each call is a few milliseconds: a thread start per
// call costs far less than that.
#pragma once
#include <algorithm>
#include <thread>
#include <vector>

namespace drumrnn::style {

template <typename Body>
void parallel_frames(int n, int threads, const Body& body) {
  threads = std::max(1, std::min(threads, n / 8));  // small batches are not worth a thread
  if (threads == 1) {
    for (int i = 0; i < n; ++i) body(i);
    return;
  }
  std::vector<std::thread> pool;
  const int per = (n + threads - 1) / threads;
  for (int w = 1; w < threads; ++w)
    pool.emplace_back([&, w] {
      for (int i = w * per; i < std::min(n, (w + 1) * per); ++i) body(i);
    });
  for (int i = 0; i < std::min(n, per); ++i) body(i);
  for (auto& t : pool) t.join();
}

}  // namespace drumrnn::style
