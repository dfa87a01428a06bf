#include "gui/session_preset.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "music/drum_encoding.h"
#include "realtime/preset_dirs.h"

namespace drumrnn::gui {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw SessionPresetError(file + ": " + what);
}

int class_index(const std::string& name) {
  for (int c = 0; c < rt::kDrumClasses; ++c)
    if (name == rt::kDrumClassNames[c]) return c;
  return -1;
}

std::string class_names_list() {
  std::string s;
  for (int c = 0; c < rt::kDrumClasses; ++c) s += (c ? ", " : "") + std::string(rt::kDrumClassNames[c]);
  return s;
}

double number_in(const json& j, const char* key, double lo, double hi, const std::string& file) {
  const json& v = j.at(key);
  if (!v.is_number() || !(v.get<double>() >= lo && v.get<double>() <= hi))
    fail(file, std::string("\"") + key + "\": expected a number from " + json(lo).dump() + " to " + json(hi).dump() +
                   ", got " + v.dump());
  return v.get<double>();
}

std::string string_at(const json& j, const char* key, const std::string& file) {
  if (!j.at(key).is_string()) fail(file, std::string("\"") + key + "\": expected a string, got " + j.at(key).dump());
  return j.at(key).get<std::string>();
}

std::vector<PitchSet> parse_primer(const json& v, const std::string& file) {
  if (!v.is_array() || v.empty() || v.size() > 1024)
    fail(file, "\"primer\": expected a list of 1 to 1024 steps, each a list of MIDI pitches");
  std::vector<PitchSet> primer;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_array()) fail(file, "\"primer\" step " + std::to_string(i) + ": expected a list of MIDI pitches, got " + v[i].dump());
    PitchSet step;
    for (const json& p : v[i]) {
      if (!p.is_number_integer() || drum_kit_class_of_pitch(p.get<int>()) < 0)
        fail(file, "\"primer\" step " + std::to_string(i) + ": " + p.dump() + " is not a drum_kit pitch");
      step.insert(p.get<int>());
    }
    primer.push_back(step);
  }
  return primer;
}

}  // namespace

std::string mode_text(rt::GenerationMode mode, int bars) {
  switch (mode) {
    case rt::GenerationMode::continuous: return "continuous";
    case rt::GenerationMode::loop: return "loop:" + std::to_string(bars);
    case rt::GenerationMode::regenerate: return "regenerate:" + std::to_string(bars);
    case rt::GenerationMode::call_response: return "call-response:" + std::to_string(bars);
  }
  return "continuous";
}

void parse_mode_text(const std::string& text, rt::GenerationMode& mode, int& bars) {
  const auto colon = text.find(':');
  const std::string name = text.substr(0, colon);
  int n = 2;
  if (colon != std::string::npos) {
    const std::string digits = text.substr(colon + 1);
    if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos ||
        (n = std::stoi(digits)) < 1 || n > 64)
      throw SessionPresetError("mode " + text + ": N must be a whole number of bars from 1 to 64");
  }
  if (name == "continuous" && colon == std::string::npos) mode = rt::GenerationMode::continuous;
  else if (name == "loop" && colon != std::string::npos) mode = rt::GenerationMode::loop;
  else if (name == "regenerate" && colon != std::string::npos) mode = rt::GenerationMode::regenerate;
  else if (name == "call-response") mode = rt::GenerationMode::call_response;
  else throw SessionPresetError("mode " + text + ": expected continuous, loop:N, regenerate:N or call-response[:N]");
  bars = n;
}

std::string primer_text(const std::vector<PitchSet>& primer) {
  std::string s = "[";
  for (size_t i = 0; i < primer.size(); ++i) {
    const auto pitches = primer[i].pitches();
    s += i ? ", (" : "(";
    for (size_t k = 0; k < pitches.size(); ++k) s += (k ? ", " : "") + std::to_string(pitches[k]);
    s += pitches.size() == 1 ? ",)" : ")";
  }
  return s + "]";
}

SessionPreset parse_session_preset(const std::string& json_text, const std::string& file) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    fail(file, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) fail(file, "expected a JSON object");
  static const char* known[] = {"name", "comment", "model", "kit", "kit_map", "controller_map", "bpm", "swing",
                                "temperature", "master_level", "mode", "primer", "levels", "mutes"};
  for (const auto& [key, _] : j.items())
    if (std::find_if(std::begin(known), std::end(known), [&](const char* k) { return key == k; }) == std::end(known))
      fail(file, "unknown key \"" + key + "\"");
  SessionPreset p;
  if (j.contains("name")) p.name = string_at(j, "name", file);
  if (j.contains("comment")) p.comment = string_at(j, "comment", file);
  if (j.contains("model")) p.model = string_at(j, "model", file);
  if (j.contains("kit")) p.kit = string_at(j, "kit", file);
  if (j.contains("kit_map")) p.kit_map = string_at(j, "kit_map", file);
  if (j.contains("controller_map") && !j["controller_map"].is_null()) {
    if (!j["controller_map"].is_object()) fail(file, "\"controller_map\": expected an object (controller map JSON) or null");
    try {
      p.controller_map = rt::parse_controller_map(j["controller_map"].dump(), file + " \"controller_map\"");
    } catch (const rt::ControllerMapError& e) {
      throw SessionPresetError(e.what());
    }
  }
  if (j.contains("bpm")) p.bpm = number_in(j, "bpm", 20, 300, file);
  if (j.contains("swing")) p.swing = number_in(j, "swing", 0, 0.75, file);
  if (j.contains("temperature")) p.temperature = static_cast<float>(number_in(j, "temperature", 0.05, 4, file));
  if (j.contains("master_level")) p.master_level = static_cast<float>(number_in(j, "master_level", 0, 2, file));
  if (j.contains("mode")) {
    try {
      parse_mode_text(string_at(j, "mode", file), p.mode, p.mode_bars);
    } catch (const SessionPresetError& e) {
      fail(file, std::string("\"mode\": ") + e.what());
    }
  }
  if (j.contains("primer")) p.primer = parse_primer(j["primer"], file);
  if (j.contains("levels")) {
    if (!j["levels"].is_object()) fail(file, "\"levels\": expected an object of drum class name to level 0..2");
    for (const auto& [name, v] : j["levels"].items()) {
      const int c = class_index(name);
      if (c < 0) fail(file, "\"levels\": unknown drum class \"" + name + "\" (expected " + class_names_list() + ")");
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 2)
        fail(file, "\"levels\" \"" + name + "\": expected a number from 0 to 2, got " + v.dump());
      p.level[c] = v.get<float>();
    }
  }
  if (j.contains("mutes")) {
    if (!j["mutes"].is_array()) fail(file, "\"mutes\": expected a list of drum class names");
    for (const json& v : j["mutes"]) {
      const int c = v.is_string() ? class_index(v.get<std::string>()) : -1;
      if (c < 0) fail(file, "\"mutes\": " + v.dump() + " is not a drum class (expected " + class_names_list() + ")");
      p.mute[c] = true;
    }
  }
  return p;
}

SessionPreset load_session_preset(const std::string& name_or_file) {
  std::string looked;
  const std::string path = rt::find_preset("sessions", name_or_file, looked);
  if (path.empty()) throw SessionPresetError(name_or_file + ": no such session preset (looked in " + looked + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SessionPresetError(path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_session_preset(text.str(), path);
}

std::string session_preset_json(const SessionPreset& p) {
  json j = json::object();
  j["name"] = p.name;
  if (!p.comment.empty()) j["comment"] = p.comment;
  j["model"] = p.model;
  j["kit"] = p.kit;
  j["kit_map"] = p.kit_map;
  j["controller_map"] = p.controller_map ? json::parse(rt::controller_map_json(*p.controller_map)) : json(nullptr);
  j["bpm"] = p.bpm;
  j["swing"] = p.swing;
  j["temperature"] = p.temperature;
  j["master_level"] = p.master_level;
  j["mode"] = mode_text(p.mode, p.mode_bars);
  json primer = json::array();
  for (const PitchSet& s : p.primer) primer.push_back(s.pitches());
  j["primer"] = primer;
  json levels = json::object();
  json mutes = json::array();
  for (int c = 0; c < rt::kDrumClasses; ++c) {
    levels[rt::kDrumClassNames[c]] = p.level[c];
    if (p.mute[c]) mutes.push_back(rt::kDrumClassNames[c]);
  }
  j["levels"] = levels;
  j["mutes"] = mutes;
  return j.dump(2) + "\n";
}

void save_session_preset(const SessionPreset& p, const std::string& file) {
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  AtomicFile out(file);
  out.write(session_preset_json(p));
  out.commit();
}

std::vector<std::string> session_preset_names() { return rt::preset_names("sessions"); }

std::string session_preset_path_for(const std::string& name) {
  const auto roots = rt::preset_roots();
  const std::string root = roots.empty() ? "presets" : roots.front();
  return (std::filesystem::path(root) / "sessions" / (name + ".json")).string();
}

}  // namespace drumrnn::gui
