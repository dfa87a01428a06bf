// Maps engine frames to CLOCK_MONOTONIC nanoseconds, so that a MIDI sender on another thread can send
// each event at the moment its frame leaves the audio output. The audio thread publishes one anchor
// per callback (the frame at the start of the block and when that frame will be heard); readers
// extrapolate from the latest anchor at the published sample rate.
#pragma once
#include <atomic>
#include <cstdint>

#include "realtime/rt.h"
#include "realtime/seqlock.h"

namespace drumrnn::rt {

class FrameClock {
 public:
  // Audio thread, once per callback. A seqlock over atomics: never blocks, never allocates.
  DRUMRNN_RT void publish(int64_t frame, int64_t monotonic_ns_of_that_frame_at_the_output, double sample_rate) {
    anchor_.store({frame, monotonic_ns_of_that_frame_at_the_output, sample_rate, true});
  }

  // Any thread: the CLOCK_MONOTONIC time at which `frame` reaches the output. False until the first
  // publish (or when the published sample rate is not positive).
  bool frame_to_ns(int64_t frame, int64_t& ns) const;

  // The latest anchor as one consistent triple; false until published.
  bool anchor(int64_t& frame, int64_t& ns, double& sample_rate) const;

 private:
  struct Anchor {
    int64_t frame = 0, ns = 0;
    double sample_rate = 0;
    bool valid = false;
  };
  SeqLock<Anchor> anchor_;
};

// CLOCK_MONOTONIC now, in nanoseconds.
int64_t monotonic_now_ns();

}  // namespace drumrnn::rt
