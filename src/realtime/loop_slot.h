// A tempo-locked audio loop (a WAV today, a style-transferred render later), crossfaded with the live
// kit. The loop's length in beats is fixed when it is made; playback follows the transport's song
// position, so the loop stays on the beat at any BPM (it is varispeeded, as a sampler's loop is).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "realtime/rt.h"

namespace drumrnn::rt {

struct LoopBuffer {
  std::string name;
  std::vector<float> left, right;  // at the engine's sample rate
  double beats = 16.0;             // length in quarter notes
};

// Reads a sound file (libsndfile), resamples it to `sample_rate`, and takes its length in beats from
// `beats` (0: the nearest whole number of 4/4 bars at `bpm`). Throws std::runtime_error naming the file.
std::shared_ptr<LoopBuffer> load_loop(const std::string& path, int sample_rate, double bpm, double beats = 0);

class LoopSlot {
 public:
  // Audio thread. The buffer must stay alive until it is replaced and retired.
  DRUMRNN_RT void set(const LoopBuffer* loop) { loop_ = loop; }
  DRUMRNN_RT const LoopBuffer* get() const { return loop_; }
  DRUMRNN_RT void set_target(float amount) { target_ = amount < 0 ? 0 : (amount > 1 ? 1 : amount); }
  DRUMRNN_RT void on_bar_line() { armed_ = target_; }  // crossfades start at bar lines
  // Mixes the loop into (left, right) in place: out = live * (1 - x) + loop * x. `steps_at_start` is
  // the song position (16ths) of the block's first frame and `steps_per_frame` its rate.
  DRUMRNN_RT void mix(float* left, float* right, int frames, double steps_at_start, double steps_per_frame,
                      bool playing);
  float amount() const { return current_; }
  float target() const { return target_; }

 private:
  const LoopBuffer* loop_ = nullptr;
  float target_ = 0, armed_ = 0, current_ = 0;
};

}  // namespace drumrnn::rt
