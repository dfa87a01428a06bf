#include "realtime/clock_follower.h"

#include "realtime/midi_event.h"

namespace drumrnn::rt {
namespace {

// An interval outside [0.4, 2.5] × the current period is not jitter or a tempo change a player
// makes: the clock stopped, restarted or skipped. 20 BPM..300 BPM bounds the first intervals.
constexpr double kMinRatio = 0.4, kMaxRatio = 2.5;
constexpr double kSlowestPeriodNs = 60e9 / (24 * 20.0), kFastestPeriodNs = 60e9 / (24 * 300.0);

}  // namespace

void MidiClockFollower::on_byte(uint8_t status, int64_t ns) {
  switch (status) {
    case kMidiClock:
      tick(ns);
      break;
    case kMidiStart:
      position_ = 0;
      running_w_ = true;
      break;
    case kMidiContinue:
      running_w_ = true;
      break;
    case kMidiStop:
      running_w_ = false;
      break;
    default:
      return;
  }
  publish();
}

void MidiClockFollower::on_song_position(int sixteenths, int64_t) {
  // The spec allows SPP only while stopped; a sender that moves while running is followed anyway.
  position_ = static_cast<int64_t>(sixteenths) * kTicksPerSixteenth;
  publish();
}

void MidiClockFollower::restart_fit(int64_t ns) {
  times_[0] = ns;
  head_ = 1;
  count_ = 1;
}

// Least-squares slope of time against tick number over the window, in ns per tick.
double MidiClockFollower::fit_period() const {
  const int n = count_;
  const int first = (head_ - n + kWindowTicks) % kWindowTicks;
  const int64_t t0 = times_[first];
  const double mean_x = (n - 1) / 2.0;
  double mean_y = 0.0;
  for (int i = 0; i < n; ++i) mean_y += static_cast<double>(times_[(first + i) % kWindowTicks] - t0);
  mean_y /= n;
  double sxy = 0.0, sxx = 0.0;
  for (int i = 0; i < n; ++i) {
    const double dx = i - mean_x;
    sxy += dx * (static_cast<double>(times_[(first + i) % kWindowTicks] - t0) - mean_y);
    sxx += dx * dx;
  }
  return sxy / sxx;
}

void MidiClockFollower::tick(int64_t ns) {
  if (count_ == 0) {
    restart_fit(ns);
  } else {
    // Judged against the fitted period once there is one; a restarted fit keeps reporting the old
    // tempo until its second tick, but checks that tick only against 20..300 BPM so it can move on.
    const double interval = static_cast<double>(ns - prev_tick_ns_);
    const bool wild = count_ >= 2 ? (interval < kMinRatio * period_ns_ || interval > kMaxRatio * period_ns_)
                                  : (interval < kMinRatio * kFastestPeriodNs || interval > kSlowestPeriodNs);
    if (wild) {
      restart_fit(ns);
    } else {
      times_[head_] = ns;
      head_ = (head_ + 1) % kWindowTicks;
      if (count_ < kWindowTicks) ++count_;
      period_ns_ = fit_period();
    }
  }
  prev_tick_ns_ = ns;
  if (running_w_) ++position_;
}

void MidiClockFollower::publish() {
  published_.store({running_w_, position_, prev_tick_ns_, period_ns_});
}

}  // namespace drumrnn::rt
