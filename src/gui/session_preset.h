// A whole live session as one JSON file under presets/sessions/: model, kit, kit map, controller
// map, tempo, swing, temperature, mode, primer, per-drum levels and mutes. The panel saves and loads
// them; `drumrnn live --preset NAME|FILE` starts from one. No ImGui here, so tests need no display.
//
//   {"name": "rock 120", "comment": "...", "model": "", "kit": "GMRockKit", "kit_map": "gm",
//    "controller_map": null | {"name": ..., "bindings": [...]} (controller_map.h's format),
//    "bpm": 120, "swing": 0, "temperature": 1.0, "mode": "continuous" | "loop:N" | "regenerate:N" |
//    "call-response:N", "master_level": 1.0, "primer": [[36, 42], [], [42], ...] (MIDI pitches per
//    16th), "levels": {"kick": 1.0, ...}, "mutes": ["open hat", ...]}
// Every key is optional (the defaults are `drumrnn live`'s); an unknown key, a wrong type or a value
// out of range refuses the whole file with one line naming the file and the key.
#pragma once
#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "music/drum_track.h"
#include "realtime/controller_map.h"
#include "realtime/controls.h"
#include "realtime/rt.h"

namespace drumrnn::gui {

struct SessionPresetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SessionPreset {
  std::string name, comment;
  std::string model;           // "" = the shipped Groove model
  std::string kit;             // "" = the built-in synthesized kit; else a Hydrogen kit name or folder
  std::string kit_map = "gm";  // presets/kits/NAME or a file
  std::optional<rt::ControllerMap> controller_map;
  double bpm = 120, swing = 0;
  float temperature = 1.0f, master_level = 1.0f;
  rt::GenerationMode mode = rt::GenerationMode::continuous;
  int mode_bars = 2;
  std::vector<PitchSet> primer = {PitchSet{36}};
  std::array<float, rt::kDrumClasses> level;
  std::array<bool, rt::kDrumClasses> mute{};
  SessionPreset() { level.fill(1.0f); }
};

SessionPreset parse_session_preset(const std::string& json_text, const std::string& file_for_errors);
// A file path, or a NAME in presets/sessions/ (preset_dirs.h).
SessionPreset load_session_preset(const std::string& name_or_file);
std::string session_preset_json(const SessionPreset& p);        // parses back equal
void save_session_preset(const SessionPreset& p, const std::string& file);  // atomic
std::vector<std::string> session_preset_names();
// Where a NAME saves to: the first preset root's sessions/NAME.json.
std::string session_preset_path_for(const std::string& name);

// "continuous", "loop:4", ... (the --mode syntax) and back. Throws SessionPresetError.
std::string mode_text(rt::GenerationMode mode, int bars);
void parse_mode_text(const std::string& text, rt::GenerationMode& mode, int& bars);
// Magenta's --primer_drums syntax: "[(36, 42), (), (42,)]".
std::string primer_text(const std::vector<PitchSet>& primer);

}  // namespace drumrnn::gui
