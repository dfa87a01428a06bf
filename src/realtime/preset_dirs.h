// Where presets/<kind>/NAME.json files are looked up, in order: $DRUMRNN_PRESETS_DIR (and the older
// $DRUMRNN_PRESETS), the source tree's presets/ (DRUMRNN_SOURCE_DIR, set by CMake), then the installed
// share dir beside the executable (../share/drumrnn/presets).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace drumrnn::rt {

std::vector<std::string> preset_roots();

// `name_or_file` as given when it is an existing file; otherwise ROOT/<kind>/NAME.json from the first
// root that has it; "" when none does. `looked` lists the paths tried, for the error message.
std::string find_preset(const std::string& kind, const std::string& name_or_file, std::string& looked);

// Sorted, de-duplicated NAMEs of ROOT/<kind>/*.json over all roots.
std::vector<std::string> preset_names(const std::string& kind);

// Parses a preset file's text, which must be one JSON object; anything else throws Error("FILE: why").
template <class Error>
nlohmann::json parse_preset_object(const std::string& text, const std::string& file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(file + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw Error(file + ": the top level must be a JSON object");
  return j;
}

}  // namespace drumrnn::rt
