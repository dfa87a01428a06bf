// Which MIDI note (and channel) each drum_kit class plays on an external drum machine. Presets live
// in presets/kits/NAME.json: {"name": "...", "source": "where the numbers come from", "channel": 10,
// "notes": {"kick": 36, ..., all nine class names of rt.h}, "comment": "optional"}.
#pragma once
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "realtime/rt.h"

namespace drumrnn::rt {

struct KitMapError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct KitMap {
  std::string name, source, comment;
  std::array<int, kDrumClasses> note{};  // indexed by drum class, 0..127
  int channel = 9;                       // 0-based; 9 = MIDI channel 10 (the JSON says 10)
};

// A file path, or a NAME found in presets/kits/ (see preset_dirs.h). Throws KitMapError with one
// line naming the file and the offending key (or the paths looked in when nothing is found).
KitMap load_kit_map(const std::string& name_or_file);
KitMap parse_kit_map(const std::string& json_text, const std::string& file_for_errors);

// NAMEs of every presets/kits/*.json that can be found.
std::vector<std::string> kit_map_names();

}  // namespace drumrnn::rt
