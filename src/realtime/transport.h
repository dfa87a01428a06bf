// The engine's master clock: 16th-note steps and 24-ppqn MIDI clock ticks, scheduled to the sample
// from BPM and swing. Audio thread only. A tempo change takes effect at the next step; swing delays
// every second 16th by `swing` of a step while the clock ticks stay straight (as drum machines do).
#pragma once
#include <cstdint>

#include "realtime/rt.h"

namespace drumrnn::rt {

constexpr int kStepsPerBar = 16;   // drum_kit: 4 steps per quarter, 4/4
constexpr int kStepsPerBeat = 4;
constexpr int kTicksPerStep = 6;   // 24 ppqn

struct TransportEvent {
  enum Kind : uint8_t { step, tick, start, stop, resume } kind = step;
  int64_t step_index = 0;  // step: the 16th since bar 1; tick: the step the tick belongs to
  int tick_in_step = 0;    // tick: 0..5
};

class Transport {
 public:
  explicit Transport(double sample_rate, double bpm = 120.0);

  DRUMRNN_RT void set_bpm(double bpm);      // 20..300, from the next step on
  DRUMRNN_RT void set_swing(double swing);  // 0..0.75
  DRUMRNN_RT void play();                   // from bar 1
  DRUMRNN_RT void stop();
  DRUMRNN_RT void resume();                 // continue from the stopped position
  DRUMRNN_RT void locate(int64_t step);     // Song Position Pointer: the next step played is `step`

  // Frames (>= 1) until the next event, at most max_frames; max_frames when stopped and nothing is due.
  DRUMRNN_RT int frames_to_next_event(int max_frames) const;
  // Events due at the current frame, one per call, in time order (start before ticks before steps).
  DRUMRNN_RT bool pop_due(TransportEvent& out);
  DRUMRNN_RT void advance(int frames);

  bool playing() const { return playing_; }
  double bpm() const { return bpm_; }
  double swing() const { return swing_; }
  double sample_rate() const { return sample_rate_; }
  int64_t frame() const { return frame_; }
  int64_t next_step() const { return next_step_; }  // the step that plays next
  double frames_per_step() const { return sample_rate_ * 60.0 / (bpm_ * kStepsPerBeat); }
  // Song position in steps (fractional) at the current frame, for tempo-locked loops and displays.
  double song_position() const;

 private:
  // The grid cell is the unswung span of one step. Its ticks fall at cell_start_ + k * cell_len_ / 6;
  // its step fires at cell_start_ (+ swing * cell_len_ for odd steps). A new cell takes its length from
  // the BPM in force when it begins, which is how a tempo change lands on the next step.
  double tick_frame(int k) const { return cell_start_ + k * cell_len_ / kTicksPerStep; }
  double step_fire_frame() const;
  double cell_end() const { return cell_start_ + cell_len_; }
  void begin_cell(int64_t step, double start_frame);

  double sample_rate_, bpm_, swing_ = 0.0;
  bool playing_ = false;
  int64_t frame_ = 0;        // frames since the engine started
  int64_t cell_ = 0;         // the step whose grid cell the clock is in
  double cell_start_ = 0, cell_len_ = 0;
  int next_tick_ = 0;        // 0..6 (6: all ticks of this cell sent)
  bool step_fired_ = false;
  int64_t next_step_ = 0;
  bool start_pending_ = false, stop_pending_ = false, resume_pending_ = false;
};

}  // namespace drumrnn::rt
