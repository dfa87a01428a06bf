// Plays a Kit: a fixed pool of voices, each reading one velocity layer of one drum class and adding it
// into the output. Everything tagged DRUMRNN_RT runs on the audio thread and never allocates or locks;
// the pool is sized once in the constructor.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "realtime/kit.h"
#include "realtime/rt.h"

namespace drumrnn::rt {

class Sampler {
 public:
  explicit Sampler(int max_voices = 64);

  // Audio thread: swaps the kit pointer. Voices still playing the old kit fade out within the next
  // render() call, so the old kit may be freed after that call (the engine retires it a block later).
  // nullptr silences the sampler.
  DRUMRNN_RT void set_kit(const Kit* kit);

  // Starts `drum_class` at `velocity` (0..1; NaN or an unknown class is ignored) at the first frame of
  // the next render() call. The velocity picks the layer by Hydrogen's ranges and scales the gain.
  // A closed hat chokes the open hat; a retrigger of the same class fades the old voice (see
  // set_retrigger_cut). With every voice busy the oldest is stolen (faded out over ~2 ms).
  DRUMRNN_RT void trigger(int drum_class, float velocity);

  // ADDS `frames` frames of every voice into left/right.
  DRUMRNN_RT void render(float* left, float* right, int frames);

  // Per-class linear gain (default 1) and mute; both glide over ~10 ms, so changes never click.
  DRUMRNN_RT void set_level(int drum_class, float gain);
  DRUMRNN_RT void set_mute(int drum_class, bool muted);

  // Voices sounding now, not counting the ≤2 ms fade tails of cut voices.
  DRUMRNN_RT int active_voices() const;
  // Fades every voice out over ~2 ms.
  DRUMRNN_RT void all_notes_off();

  // true (default): a new hit of a class cuts its ringing voice, like a drum machine. false: hits of
  // the same class overlap, like Hydrogen (the benchmark uses this to keep many voices busy).
  DRUMRNN_RT void set_retrigger_cut(bool on) { retrigger_cut_ = on; }

  // Velocity 0..1 → gain: roughly quadratic, -8.5 dB at half velocity, 0 dB at full.
  static float velocity_gain(float velocity);

 private:
  struct Voice {
    const float* left = nullptr;
    const float* right = nullptr;
    uint32_t length = 0, position = 0;
    float gain = 0.0f;
    int drum_class = 0;
    uint64_t serial = 0;     // trigger order, for stealing the oldest
    uint32_t fade_left = 0;  // tails only: frames until silent
    uint32_t kit_epoch = 0;  // which set_kit() call's kit the buffers belong to
    bool active = false;
  };

  DRUMRNN_RT void cut(Voice& v);  // moves a main voice into a fading tail slot
  DRUMRNN_RT void settle_if_silent(int drum_class);
  DRUMRNN_RT void render_voice(Voice& v, bool tail, float* left, float* right, int frames);

  const Kit* kit_ = nullptr;
  uint32_t kit_epoch_ = 0;
  std::vector<Voice> voices_;  // sounding voices, max_voices
  std::vector<Voice> tails_;   // cut voices fading out, max_voices
  uint64_t next_serial_ = 0;
  uint32_t fade_frames_ = 96;  // ~2 ms at the kit's rate
  float ramp_frames_ = 480.0f; // ~10 ms, for level and mute glides
  std::array<float, kDrumClasses> level_{}, gain_now_{}, gain_next_{};
  std::array<bool, kDrumClasses> muted_{};
  bool retrigger_cut_ = true;
};

}  // namespace drumrnn::rt
