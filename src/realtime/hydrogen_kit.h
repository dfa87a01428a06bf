// Hydrogen drum kits (a folder holding drumkit.xml and its samples) turned into the sampler's Kit.
// Runs off the audio thread: parses XML, decodes and resamples every chosen sample once.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "realtime/kit.h"

namespace drumrnn::rt {

// A kit that cannot be used at all: missing folder, missing or malformed drumkit.xml. The message is
// one line naming the file.
struct KitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Loads `dir_or_drumkit_xml` (the kit folder or its drumkit.xml) at `sample_rate`. Each of the nine
// classes takes the best-matching instrument (by name, then midiOutNote); a class with no match, or
// whose samples fail to load, gets the synthesized voice (the latter with a line in Kit::warnings).
// Layer gain goes to KitLayer::gain, instrument volume x gain x component gain to KitVoice::gain.
Kit load_hydrogen_kit(const std::string& dir_or_drumkit_xml, int sample_rate);

struct KitInfo {
  std::string name;  // <name> in drumkit.xml, else the folder name
  std::string path;  // the kit folder
};

// Kits in $DRUMRNN_KIT_PATH (colon-separated), ~/.hydrogen/data/drumkits and
// /usr/share/hydrogen/data/drumkits, in that order, each folder sorted by name.
std::vector<KitInfo> find_kits();

// A path to a kit folder or drumkit.xml, else the first kit of find_kits() whose name (or folder
// name) contains `name_or_path`, case-insensitively. nullopt when nothing matches.
std::optional<KitInfo> find_kit(const std::string& name_or_path);

}  // namespace drumrnn::rt
