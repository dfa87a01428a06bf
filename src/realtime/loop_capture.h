// The content side of "Style this loop": the steps the live engine played in its last N whole bars,
// read back from the generation ring (which keeps 32 bars), rendered again offline through the same
// kit, tempo and swing (the played steps become the primer of a fresh offline engine, so the render
// plays exactly them, with the engine's own velocities and limiter), and the styled result fitted back
// to exactly N bars at the session's tempo and sample rate for the loop slot. Never on the audio thread.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ml/drum_rnn.h"
#include "realtime/engine.h"
#include "realtime/generation.h"
#include "realtime/kit.h"
#include "realtime/loop_slot.h"
#include "realtime/offline_render.h"

namespace drumrnn::rt {

struct CapturedBars {
  int64_t first_step = 0;   // a bar line
  std::vector<int> classes; // drum_kit class per step; 0 (a rest) where the ring had nothing
};

// The `bars` whole bars that end at the last bar line at or before `next_step` (the step the audio
// plays next). Throws std::invalid_argument when fewer have played or more than the ring holds.
CapturedBars capture_bars(const GenerationService& generation, int64_t next_step, int bars);

// Plays `classes` from bar 1 on a fresh engine with `config` (tempo, swing, rate), `kit` and `model`'s
// encoding; exactly classes.size() steps of audio.
RenderedAudio render_steps(const std::vector<int>& classes, std::shared_ptr<const DrumRnn> model,
                           std::shared_ptr<const Kit> kit, const EngineConfig& config);

// Resamples mono audio from `rate` to `sample_rate` (libsamplerate) and trims or zero-pads it to
// exactly `bars` bars at `bpm`, keeping its start on the downbeat (a STFT round trip drops the last
// partial hop, never the first), with a 5 ms fade at the end so the wrap does not click.
std::shared_ptr<LoopBuffer> tempo_locked_loop(const std::vector<float>& mono, double rate, int bars, double bpm,
                                              double sample_rate, std::string name);

}  // namespace drumrnn::rt
