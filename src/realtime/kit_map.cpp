#include "realtime/kit_map.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "realtime/preset_dirs.h"

namespace drumrnn::rt {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& file, const std::string& what) { throw KitMapError(file + ": " + what); }

int drum_class_index(const std::string& name) {
  for (int i = 0; i < kDrumClasses; ++i)
    if (name == kDrumClassNames[i]) return i;
  return -1;
}

std::string class_list() {
  std::string s;
  for (int i = 0; i < kDrumClasses; ++i) s += (i ? ", " : "") + std::string(kDrumClassNames[i]);
  return s;
}

int get_int(const json& v, const std::string& file, const std::string& key, int lo, int hi) {
  if (!v.is_number_integer()) fail(file, "\"" + key + "\" must be an integer " + std::to_string(lo) + ".." + std::to_string(hi));
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi)
    fail(file, "\"" + key + "\" is " + std::to_string(x) + ", outside " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(x);
}

}  // namespace

KitMap parse_kit_map(const std::string& text, const std::string& file) {
  const json j = parse_preset_object<KitMapError>(text, file);
  KitMap map;
  bool have_notes = false;
  for (const auto& [key, value] : j.items()) {
    if (key == "name" || key == "source" || key == "comment") {
      if (!value.is_string()) fail(file, "\"" + key + "\" must be a string");
      (key == "name" ? map.name : key == "source" ? map.source : map.comment) = value.get<std::string>();
    } else if (key == "channel") {
      map.channel = get_int(value, file, "channel", 1, 16) - 1;
    } else if (key == "notes") {
      if (!value.is_object()) fail(file, "\"notes\" must be an object of drum class → MIDI note");
      have_notes = true;
      std::array<bool, kDrumClasses> seen{};
      for (const auto& [drum, note] : value.items()) {
        const int c = drum_class_index(drum);
        if (c < 0) fail(file, "unknown drum class \"" + drum + "\" in \"notes\" (classes: " + class_list() + ")");
        map.note[c] = get_int(note, file, "notes." + drum, 0, 127);
        seen[c] = true;
      }
      for (int c = 0; c < kDrumClasses; ++c)
        if (!seen[c]) fail(file, "\"notes\" lacks \"" + std::string(kDrumClassNames[c]) + "\" (all nine classes are required)");
    } else {
      fail(file, "unknown key \"" + key + "\" (expected name, source, channel, notes, comment)");
    }
  }
  if (!have_notes) fail(file, "missing \"notes\"");
  if (map.name.empty()) fail(file, "missing \"name\"");
  return map;
}

KitMap load_kit_map(const std::string& name_or_file) {
  std::string looked;
  const std::string path = find_preset("kits", name_or_file, looked);
  if (path.empty()) throw KitMapError("kit map '" + name_or_file + "' not found (looked in " + looked + ")");
  std::string text;
  try {
    text = read_file(path);
  } catch (const IoError& e) {
    throw KitMapError(e.what());
  }
  return parse_kit_map(text, path);
}

std::vector<std::string> kit_map_names() { return preset_names("kits"); }

}  // namespace drumrnn::rt
