#include "realtime/fallback_clock.h"

#include <ctime>

namespace drumrnn::rt {

FallbackClock::FallbackClock(Engine& engine, int period_frames)
    : engine_(engine), period_(period_frames), left_(period_frames), right_(period_frames) {
  thread_ = std::thread([this] { run(); });
}

FallbackClock::~FallbackClock() { stop(); }

void FallbackClock::stop() {
  quit_.store(true);
  if (thread_.joinable()) thread_.join();
}

void FallbackClock::run() {
  const int64_t period_ns = static_cast<int64_t>(period_ * 1e9 / engine_.config().sample_rate);
  timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  while (!quit_.load(std::memory_order_relaxed)) {
    engine_.process(left_.data(), right_.data(), period_);
    next.tv_nsec += period_ns;
    while (next.tv_nsec >= 1000000000) {
      next.tv_nsec -= 1000000000;
      ++next.tv_sec;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
  }
}

}  // namespace drumrnn::rt
