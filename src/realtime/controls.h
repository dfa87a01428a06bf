// What a performer can change while the engine plays. Any thread (panel, MIDI in, terminal) sends a
// Control through the engine's control queue; the audio thread applies it at the start of the next
// block (Engine::drain_controls). Small and trivially copyable.
#pragma once
#include <cstdint>

namespace drumrnn::rt {

enum class ControlTarget : uint8_t {
  play,            // value ignored: start from bar 1
  stop,
  continue_play,   // resume from where it stopped
  toggle_play,
  bpm,             // 20..300
  swing,           // 0..0.75: the share of a 16th by which every second 16th is late
  temperature,     // 0.05..4
  master_level,    // linear gain 0..2
  loop_crossfade,  // 0 = live kit only, 1 = loop slot only; takes effect at the next bar line
  drum_level,      // index = drum class, linear gain 0..2
  drum_mute,       // index = drum class, value >= 0.5 mutes
  mode,            // value = GenerationMode as a number
  mode_bars,       // N for loop:N and regenerate:N
  reseed,          // value = new seed (truncated to an integer)
  regenerate,      // restart from the primer now (at the next step after the lookahead)
};

struct Control {
  ControlTarget target = ControlTarget::play;
  int16_t index = 0;
  float value = 0.0f;
};

enum class GenerationMode : uint8_t { continuous = 0, loop = 1, regenerate = 2, call_response = 3 };

// Names as the command line, presets and controller maps spell them.
const char* control_target_name(ControlTarget t);
bool control_target_from_name(const char* name, ControlTarget& out);  // false for an unknown name

}  // namespace drumrnn::rt
