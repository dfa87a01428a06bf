#include "realtime/limiter.h"

#include <algorithm>
#include <cmath>

namespace drumrnn::rt {
namespace {

constexpr float kHoldSeconds = 0.005f;      // keeps the gain still across a low drum's cycle
constexpr float kReleaseSeconds = 0.080f;   // one-pole time constant back to unity
constexpr double kSnapToUnity = 1.0 - 1e-6;  // a one-pole only approaches 1

}  // namespace

Limiter::Limiter(int sample_rate, float ceiling_db, float lookahead_ms) {
  sample_rate = std::max(sample_rate, 1);
  ceiling_ = std::pow(10.0f, std::min(ceiling_db, 24.0f) / 20.0f);
  delay_ = std::max(0, static_cast<int>(std::lround(std::max(lookahead_ms, 0.0f) * 1e-3f * sample_rate)));
  box_ = delay_ + 1;
  window_ = delay_ + 1 + std::max(1, static_cast<int>(kHoldSeconds * sample_rate));
  release_coef_ = 1.0 - std::exp(-1.0 / (kReleaseSeconds * sample_rate));
  min_value_.assign(window_ + 1, 1.0f);
  min_index_.assign(window_ + 1, 0);
  box_ring_.assign(box_, 1.0f);
  box_sum_ = box_;
  delay_left_.assign(std::max(delay_, 1), 0.0f);
  delay_right_.assign(std::max(delay_, 1), 0.0f);
}

DRUMRNN_RT void Limiter::process(float* left, float* right, int frames) {
  const int cap = window_ + 1;
  float min_gain = 1.0f;
  for (int i = 0; i < frames; ++i, ++frame_) {
    float l = std::isfinite(left[i]) ? left[i] : 0.0f;
    float r = std::isfinite(right[i]) ? right[i] : 0.0f;

    // The gain this frame needs, then the minimum over the hold window (monotonic deque).
    const float peak = std::max(std::fabs(l), std::fabs(r));
    const float need = peak > ceiling_ ? ceiling_ / peak : 1.0f;
    while (min_count_ > 0 && min_value_[(min_head_ + min_count_ - 1) % cap] >= need) --min_count_;
    const int back = (min_head_ + min_count_) % cap;
    min_value_[back] = need;
    min_index_[back] = frame_;
    ++min_count_;
    while (min_index_[min_head_] <= frame_ - window_) {
      min_head_ = (min_head_ + 1) % cap;
      --min_count_;
    }
    const double held = min_value_[min_head_];

    // Instant down, slow up. The envelope never exceeds the held minimum.
    envelope_ = held < envelope_ ? held : envelope_ + (held - envelope_) * release_coef_;
    if (envelope_ > kSnapToUnity) envelope_ = 1.0;
    const float env = static_cast<float>(envelope_);  // rounds to nearest: the final clip absorbs an ulp

    // Box-average over the lookahead so the gain glides down in time for the delayed peak.
    float gain = env;
    if (box_ > 1) {
      box_sum_ += static_cast<double>(env) - box_ring_[box_pos_];
      box_ring_[box_pos_] = env;
      box_pos_ = (box_pos_ + 1) % box_;
      gain = static_cast<float>(box_sum_ / box_);
      if (env == 1.0f && gain > kSnapToUnity) gain = 1.0f;
      gain = std::min(gain, 1.0f);
    }

    if (delay_ > 0) {
      std::swap(l, delay_left_[delay_pos_]);
      std::swap(r, delay_right_[delay_pos_]);
      delay_pos_ = (delay_pos_ + 1) % delay_;
    }
    // The final clip only catches rounding (ceiling / peak * peak may land one ulp above).
    left[i] = std::clamp(l * gain, -ceiling_, ceiling_);
    right[i] = std::clamp(r * gain, -ceiling_, ceiling_);
    min_gain = std::min(min_gain, gain);
  }
  // Re-sum now and then so rounding in the running sum cannot drift.
  if (box_ > 1) {
    double sum = 0.0;
    for (float g : box_ring_) sum += g;
    box_sum_ = sum;
  }
  reduction_db_.store(min_gain < 1.0f ? -20.0f * std::log10(std::max(min_gain, 1e-30f)) : 0.0f,
                      std::memory_order_relaxed);
}

}  // namespace drumrnn::rt
