// A drum kit as the sampler plays it: one or more velocity layers per drum_kit class, each a mono
// float buffer at the engine's sample rate. Built off the audio thread (synth_kit.h, hydrogen_kit.h),
// handed to the engine as a shared_ptr, retired off the audio thread.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "realtime/rt.h"

namespace drumrnn::rt {

struct KitLayer {
  float min_velocity = 0.0f, max_velocity = 1.0f;  // Hydrogen's layer range over velocity 0..1
  float gain = 1.0f;
  std::vector<float> left, right;                  // same length; right == left for mono sources
};

struct KitVoice {
  std::string name;                 // "Kick" (Hydrogen's instrument name) or "synth kick"
  std::vector<KitLayer> layers;     // sorted by min_velocity; never empty once built
  float gain = 1.0f;
  bool choke_open_hat = false;      // a closed hat chokes the open hat (Hydrogen's mute group)
};

struct Kit {
  std::string name;
  int sample_rate = 48000;
  std::array<KitVoice, kDrumClasses> voices;  // indexed by drum class
  std::vector<std::string> warnings;          // "kick: Kick-Hard.wav: unreadable; using the synth kick"
};

}  // namespace drumrnn::rt
