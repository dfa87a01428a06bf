// Ableton Link as a tempo and beat source (Debian's ableton-link-dev; built when CMake finds
// ableton/Link.hpp, which sets DRUMRNN_HAVE_LINK=1). Host times are CLOCK_MONOTONIC microseconds, the
// clock FrameClock uses, so beat_at(frame time) needs no conversion. Link itself is hidden behind a
// pointer: its headers pull in standalone asio.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "realtime/rt.h"

#ifndef DRUMRNN_HAVE_LINK
#define DRUMRNN_HAVE_LINK 0
#endif

#if DRUMRNN_HAVE_LINK
namespace drumrnn::rt {

class LinkClock {
 public:
  explicit LinkClock(double bpm);  // disabled: no network traffic until enable(true)
  ~LinkClock();
  LinkClock(const LinkClock&) = delete;
  LinkClock& operator=(const LinkClock&) = delete;

  void enable(bool on);
  bool enabled() const;
  double bpm() const;                                    // the session tempo
  double beat_at(int64_t host_us, double quantum) const; // any non-audio thread
  // The audio thread's variant (Link's captureAudioSessionState: real-time safe).
  DRUMRNN_RT double beat_at_audio(int64_t host_us, double quantum) const;
  int64_t time_at_beat(double beat, double quantum) const;  // host µs
  size_t peers() const;
  void request_tempo(double bpm);  // proposes a tempo to the session, effective now
  int64_t now_us() const;          // Link's clock (CLOCK_MONOTONIC µs)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drumrnn::rt
#endif
