// Callback load (time spent in Engine::process as a share of the period), as a histogram that the
// audio thread fills with relaxed atomic increments and any thread reads as percentiles.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

#include "realtime/rt.h"

namespace drumrnn::rt {

struct LoadFigures {
  double p50 = 0, p99 = 0, max = 0;  // shares of the period (1.0 = the whole period)
  uint64_t callbacks = 0;
};

class LoadMeter {
 public:
  static constexpr int kBuckets = 1000;  // 0.2% each, up to 200%
  DRUMRNN_RT void add(double share) {
    int b = static_cast<int>(share * 500.0);
    b = b < 0 ? 0 : (b >= kBuckets ? kBuckets - 1 : b);
    buckets_[b].fetch_add(1, std::memory_order_relaxed);
    uint64_t bits = static_cast<uint64_t>(share * 1e6);
    uint64_t prev = max_ppm_.load(std::memory_order_relaxed);
    while (bits > prev && !max_ppm_.compare_exchange_weak(prev, bits, std::memory_order_relaxed)) {
    }
  }
  LoadFigures figures() const {
    LoadFigures f;
    std::array<uint64_t, kBuckets> c;
    for (int i = 0; i < kBuckets; ++i) f.callbacks += c[i] = buckets_[i].load(std::memory_order_relaxed);
    if (f.callbacks == 0) return f;
    auto pct = [&](double q) {
      const uint64_t want = static_cast<uint64_t>(q * double(f.callbacks - 1)) + 1;
      uint64_t acc = 0;
      for (int i = 0; i < kBuckets; ++i)
        if ((acc += c[i]) >= want) return (i + 0.5) / 500.0;
      return kBuckets / 500.0;
    };
    f.p50 = pct(0.50);
    f.p99 = pct(0.99);
    f.max = max_ppm_.load(std::memory_order_relaxed) / 1e6;
    return f;
  }
  void reset() {
    for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
    max_ppm_.store(0, std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> max_ppm_{0};
};

}  // namespace drumrnn::rt
