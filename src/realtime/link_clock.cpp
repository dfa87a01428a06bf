#include "realtime/link_clock.h"

#if DRUMRNN_HAVE_LINK
#include <ableton/Link.hpp>
#include <chrono>

namespace drumrnn::rt {

// CLOCK_MONOTONIC rather than Link's default CLOCK_MONOTONIC_RAW, so that Link beats and FrameClock
// times share one time base. Each Link peer maps its own host clock to the session, so any
// monotonic clock is valid.
using MonotonicLink = ableton::BasicLink<ableton::platforms::linux::ClockMonotonic>;

struct LinkClock::Impl {
  explicit Impl(double bpm) : link(bpm) {}
  MonotonicLink link;
};

LinkClock::LinkClock(double bpm) : impl_(std::make_unique<Impl>(bpm)) {}
LinkClock::~LinkClock() { impl_->link.enable(false); }

void LinkClock::enable(bool on) { impl_->link.enable(on); }
bool LinkClock::enabled() const { return impl_->link.isEnabled(); }
double LinkClock::bpm() const { return impl_->link.captureAppSessionState().tempo(); }

double LinkClock::beat_at(int64_t host_us, double quantum) const {
  return impl_->link.captureAppSessionState().beatAtTime(std::chrono::microseconds(host_us), quantum);
}

double LinkClock::beat_at_audio(int64_t host_us, double quantum) const {
  return impl_->link.captureAudioSessionState().beatAtTime(std::chrono::microseconds(host_us), quantum);
}

int64_t LinkClock::time_at_beat(double beat, double quantum) const {
  return impl_->link.captureAppSessionState().timeAtBeat(beat, quantum).count();
}

size_t LinkClock::peers() const { return impl_->link.numPeers(); }

void LinkClock::request_tempo(double bpm) {
  auto state = impl_->link.captureAppSessionState();
  state.setTempo(bpm, impl_->link.clock().micros());
  impl_->link.commitAppSessionState(state);
}

int64_t LinkClock::now_us() const { return impl_->link.clock().micros().count(); }

}  // namespace drumrnn::rt
#endif
