// MIDI CC → engine Control. Presets live in presets/controllers/*.json:
//   {"name": "Akai MPK mini", "bindings": [{"cc": 70, "target": "temperature", "min": 0.2, "max": 2.0},
//     {"cc": 20, "target": "mute", "index": "kick", "toggle": true, "channel": 1}, ...]}
// "target" is a control_target_from_name name (controls.h); "index" (per-drum targets level/mute) is a
// class number 0..8 or a class name from rt.h; "channel" 1..16 (absent: any channel); "min"/"max"
// default to the target's natural range. A CC value 0..127 maps linearly onto min..max; mode,
// mode_bars and reseed round to an integer; play/stop/continue/toggle_play/regenerate fire only on a
// press (value >= 64); a "toggle" binding flips between max and min on each press.
#pragma once
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "realtime/controls.h"
#include "realtime/rt.h"

namespace drumrnn::rt {

struct ControllerMapError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ControllerBinding {
  int channel = -1;  // 0-based MIDI channel, -1 any
  int cc = 0;        // 0..127
  ControlTarget target = ControlTarget::play;
  int index = 0;     // drum class for level/mute, else 0
  float min = 0.0f, max = 1.0f;
  bool toggle = false;
};

struct ControllerMap {
  std::string name;
  std::vector<ControllerBinding> bindings;
};

// The natural range of a target (bpm 20..300, temperature 0.05..4, ...), the min/max defaults.
void control_target_range(ControlTarget t, float& min, float& max);
bool control_target_is_per_drum(ControlTarget t);   // level, mute
bool control_target_is_trigger(ControlTarget t);    // play, stop, continue, toggle_play, regenerate

// A file path, or a NAME in presets/controllers/. Throws ControllerMapError with one line naming the
// file and the offending target or key.
ControllerMap load_controller_map(const std::string& name_or_file);
ControllerMap parse_controller_map(const std::string& json_text, const std::string& file_for_errors);
std::string controller_map_json(const ControllerMap& map);  // what save writes; parses back equal
void save_controller_map(const ControllerMap& map, const std::string& file);  // atomic (AtomicFile)
std::vector<std::string> controller_map_names();

// `map` with `b` added, replacing any binding on the same channel and CC and any binding to the same
// target and index (MIDI learn moves a control to the knob just turned).
ControllerMap with_binding(const ControllerMap& map, const ControllerBinding& b);

// What each toggle binding last sent, per channel and CC; owned by whoever calls map_cc.
struct ToggleState {
  std::array<bool, 16 * 128> on{};
};

// The first binding matching (channel, cc) turns `value` (0..127) into `out`. False when no binding
// matches or the binding does not fire on this value (a trigger or toggle released). Without a
// ToggleState a toggle binding sends max on every press. Real-time safe: no allocation.
DRUMRNN_RT bool map_cc(const ControllerMap& map, int channel, int cc, int value, Control& out,
                       ToggleState* toggles = nullptr);

}  // namespace drumrnn::rt
