#include "realtime/frame_clock.h"

#include <cmath>
#include <ctime>

namespace drumrnn::rt {

void FrameClock::publish(int64_t frame, int64_t ns, double sample_rate) {
  // Single writer: bump to odd, store, bump to even. The release fence keeps the field stores after
  // the odd sequence number; the final release store keeps them before the even one.
  const uint64_t s = sequence_.load(std::memory_order_relaxed);
  sequence_.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  frame_.store(frame, std::memory_order_relaxed);
  ns_.store(ns, std::memory_order_relaxed);
  sample_rate_.store(sample_rate, std::memory_order_relaxed);
  sequence_.store(s + 2, std::memory_order_release);
}

bool FrameClock::anchor(int64_t& frame, int64_t& ns, double& sample_rate) const {
  for (;;) {
    const uint64_t s1 = sequence_.load(std::memory_order_acquire);
    if (s1 == 0) return false;
    if (s1 & 1) continue;  // the writer is mid-update; it finishes within a few stores
    frame = frame_.load(std::memory_order_relaxed);
    ns = ns_.load(std::memory_order_relaxed);
    sample_rate = sample_rate_.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (sequence_.load(std::memory_order_relaxed) == s1) return true;
  }
}

bool FrameClock::frame_to_ns(int64_t frame, int64_t& ns) const {
  int64_t anchor_frame = 0, anchor_ns = 0;
  double rate = 0.0;
  if (!anchor(anchor_frame, anchor_ns, rate) || !(rate > 0.0)) return false;
  ns = anchor_ns + static_cast<int64_t>(std::llround(static_cast<double>(frame - anchor_frame) * 1e9 / rate));
  return true;
}

int64_t monotonic_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace drumrnn::rt
