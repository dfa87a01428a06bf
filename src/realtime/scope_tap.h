// The last few thousand output samples, for the panel's scope. The audio thread writes each block
// with relaxed atomic stores (no lock, no allocation); the GUI thread copies out the newest samples.
// A reader racing the writer may see a few samples from the next lap: harmless for a picture, and
// the price of never making the audio thread wait.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

#include "realtime/rt.h"

namespace drumrnn::rt {

class ScopeTap {
 public:
  static constexpr int kSize = 4096;  // 85 ms at 48 kHz; a power of two so the index wraps by masking

  DRUMRNN_RT void write(const float* samples, int frames) {
    uint64_t at = written_.load(std::memory_order_relaxed);
    for (int i = 0; i < frames; ++i, ++at) ring_[at & (kSize - 1)].store(samples[i], std::memory_order_relaxed);
    written_.store(at, std::memory_order_release);
  }

  // Copies the newest min(n, kSize) samples, oldest first, into out; returns how many it copied
  // (fewer than n only before the engine has played n samples).
  int read_latest(float* out, int n) const {
    const uint64_t end = written_.load(std::memory_order_acquire);
    if (n > kSize) n = kSize;
    if (uint64_t(n) > end) n = static_cast<int>(end);
    const uint64_t begin = end - uint64_t(n);
    for (int i = 0; i < n; ++i) out[i] = ring_[(begin + i) & (kSize - 1)].load(std::memory_order_relaxed);
    return n;
  }
  uint64_t written() const { return written_.load(std::memory_order_acquire); }

 private:
  std::array<std::atomic<float>, kSize> ring_{};
  std::atomic<uint64_t> written_{0};
};

}  // namespace drumrnn::rt
