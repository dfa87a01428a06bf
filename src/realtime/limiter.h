// The master-bus peak limiter: no output sample ever exceeds the ceiling, and a signal that stays
// below it passes bit for bit (delayed by latency_frames(), 0 by default).
#pragma once
#include <atomic>
#include <vector>

#include "realtime/rt.h"

namespace drumrnn::rt {

class Limiter {
 public:
  // lookahead_ms > 0 lets the gain glide down before a peak (cleaner, but delays the output by
  // latency_frames()); 0 attacks instantly. Release is ~80 ms after a 5 ms hold.
  explicit Limiter(int sample_rate, float ceiling_db = -1.0f, float lookahead_ms = 0.0f);

  // In place. Non-finite input samples (NaN, ±Inf) become 0 before they reach the gain computer, so
  // they can never poison its state; the output is always finite and within ±ceiling.
  DRUMRNN_RT void process(float* left, float* right, int frames);

  // The largest reduction during the last process() call, in dB (>= 0). Any thread may read it.
  float gain_reduction_db() const { return reduction_db_.load(std::memory_order_relaxed); }
  int latency_frames() const { return delay_; }
  float ceiling() const { return ceiling_; }

 private:
  float ceiling_;
  int delay_;          // lookahead D
  int box_;            // gain smoothing length B = D + 1
  int window_;         // min-hold window W = D + 1 + hold (W >= D + 1 keeps the gain under every peak)
  double release_coef_;
  // Sliding minimum over the last W required gains: a monotonic deque in a ring.
  std::vector<float> min_value_;
  std::vector<int64_t> min_index_;
  int min_head_ = 0, min_count_ = 0;
  // Box average of the released gain over the last B values.
  std::vector<float> box_ring_;
  double box_sum_ = 0.0;
  int box_pos_ = 0;
  // The lookahead delay line (D frames).
  std::vector<float> delay_left_, delay_right_;
  int delay_pos_ = 0;
  double envelope_ = 1.0;  // double: in float a slow release stalls ~1e-4 below unity (increment < ulp/2)
  int64_t frame_ = 0;
  std::atomic<float> reduction_db_{0.0f};
};

}  // namespace drumrnn::rt
