#include "realtime/frame_clock.h"

#include <cmath>
#include <ctime>

namespace drumrnn::rt {

bool FrameClock::anchor(int64_t& frame, int64_t& ns, double& sample_rate) const {
  const Anchor a = anchor_.load();
  frame = a.frame;
  ns = a.ns;
  sample_rate = a.sample_rate;
  return a.valid;
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
